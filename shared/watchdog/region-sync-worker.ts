import type { EndpointState, RegionModels } from '../ports/region-models';
import { RegionSyncConflictError, type RegionSyncRepository } from '../ports/region-sync-repository';
import { describeRegionDrift, SYNC_PROGRESS } from '../wording/describe-region-sync';
import type { RegionSyncItem } from './region-sync-types';

/** SageMaker's limit on model and endpoint-config names, in characters. */
export const SAGEMAKER_NAME_LIMIT = 63;

/** Attempts after which a region is no longer retried by the schedule (a person must look). Attempts. */
export const MAX_SYNC_ATTEMPTS = 20;

export interface RegionSyncWorkerDeps {
  syncStore: Pick<RegionSyncRepository, 'update'>;
  /** Models, endpoint configs and endpoints of a target region. */
  models(region: string): RegionModels;
}

/**
 * Deterministic name of the copies made in a target region: `<endpoint>-<identity key>`, the
 * endpoint part shortened so the whole stays within SageMaker's 63 characters. Re-running after a
 * crash finds the same names, which is what makes the work resumable.
 */
export function regionCopyName(endpointName: string, identityKey: string): string {
  const room = SAGEMAKER_NAME_LIMIT - identityKey.length - 1;
  const base = endpointName.slice(0, room).replace(/-+$/, '');
  return `${base}-${identityKey}`;
}

/**
 * Makes one target region run the promoted model, resumably: each step first looks whether it was
 * already done (DescribeModel / DescribeEndpointConfig / DescribeEndpoint) before acting, so a run
 * that died half-way picks up where it stopped. Decided by: the item's attempts (capped), its
 * artifact mapping, what exists in the target region, and the target endpoint's status and config.
 * A region that cannot be reached is `failed` with the error and retried by the next schedule. The
 * target endpoint is never created (that would start billing for infrastructure nobody declared):
 * a missing one is a failure that names it. Once the target is InService on the copy the region
 * starts its bake (`baking`), or is `done` when it has none (or an operator's promote skips it).
 */
export async function syncRegion(
  deps: RegionSyncWorkerDeps,
  item: RegionSyncItem,
  now: number,
): Promise<RegionSyncItem> {
  if (item.status === 'done' || STOPPED_STATUSES.has(item.status)) return item;
  if (item.attempts >= MAX_SYNC_ATTEMPTS) return item;
  const name = regionCopyName(item.endpointName, item.identity.key);
  let current: RegionSyncItem;
  try {
    current = await deps.syncStore.update(item, {
      status: 'in-progress',
      now,
      countAttempt: true,
      targetModelName: name,
      targetEndpointConfigName: name,
    });
  } catch (error) {
    // Another run holds this item; it will finish or fail it.
    if (error instanceof RegionSyncConflictError) return item;
    throw error;
  }

  let step: StepResult;
  try {
    step = item.artifactProblem
      ? { status: 'failed', error: item.artifactProblem }
      : await advance(deps.models(item.region), current, name);
  } catch (error) {
    step = { status: 'failed', error: describeSdkError(error) };
  }
  if (step.status === 'done' && step.canary) {
    // The copy runs beside what the region ran: the region's own canary takes over (region-sync-canary.ts).
    return deps.syncStore.update(current, {
      status: 'canary',
      now,
      lastError: null,
      ...(step.replacedConfig !== undefined ? { replacedConfig: step.replacedConfig } : {}),
      canary: { ...step.canary, state: null, appliedWeight: null, done: false },
    });
  }
  const bakeSeconds = current.bakeSeconds ?? 0;
  const bakes = step.status === 'done' && bakeSeconds > 0 && !current.skipBake;
  return deps.syncStore.update(current, {
    status: bakes ? 'baking' : step.status,
    now,
    lastError: step.error ?? null,
    ...(step.replacedConfig !== undefined ? { replacedConfig: step.replacedConfig } : {}),
    ...(step.status === 'done' ? { drift: null } : {}),
    ...(bakes
      ? {
          bake: {
            verdict: 'watching',
            summary: 'bake begun',
            invocations: 0,
            startedAt: new Date(now).toISOString(),
            until: new Date(now + bakeSeconds * 1000).toISOString(),
          },
          bakeFailures: {},
        }
      : {}),
    ...(step.status === 'done' && !bakes
      ? {
          bake: {
            verdict: 'skipped',
            summary: current.skipBake ? 'skipped by promote' : 'no bake',
            invocations: 0,
            startedAt: new Date(now).toISOString(),
            until: new Date(now).toISOString(),
          },
        }
      : {}),
  });
}

/** Statuses after which nothing more is done in a region (final, not done). */
export const STOPPED_STATUSES: ReadonlySet<RegionSyncItem['status']> = new Set([
  'rolled-back',
  'halted',
  'aborted',
]);

type StepResult = {
  status: 'in-progress' | 'done' | 'failed';
  error?: string;
  replacedConfig?: string;
  /** Set when the region's canary config is InService: the region's own canary begins. */
  canary?: { config: string; baselineVariant: string; canaryVariant: string };
};

/** What a drift check found: `changed` when the item's drift note was set or cleared by this check. */
export interface DriftCheck {
  item: RegionSyncItem;
  changed: boolean;
}

/**
 * Checks that a finished region still runs the config the sync made. Decided by the target
 * endpoint's config name: another config (changed by hand, or another deployment) sets `drift`;
 * the synced one clears it. The watchdog never reverts a person's change; it reports it. A region
 * that cannot be read is left as it is (the next schedule looks again).
 */
export async function checkDrift(
  deps: RegionSyncWorkerDeps,
  item: RegionSyncItem,
  now: number,
): Promise<DriftCheck> {
  const expected = item.targetEndpointConfigName ?? regionCopyName(item.endpointName, item.identity.key);
  let endpoint: EndpointState | null;
  try {
    endpoint = await deps.models(item.region).describeEndpoint(item.targetEndpointName);
  } catch {
    return { item, changed: false };
  }
  const drift =
    endpoint && endpoint.configName === expected
      ? null
      : describeRegionDrift({
          targetEndpointName: item.targetEndpointName,
          region: item.region,
          runs: endpoint?.configName ?? null,
          deleted: endpoint === null,
          expected,
        });
  if (drift === (item.drift ?? null)) return { item, changed: false };
  try {
    return { item: await deps.syncStore.update(item, { status: 'done', now, drift }), changed: true };
  } catch (error) {
    if (error instanceof RegionSyncConflictError) return { item, changed: false };
    throw error;
  }
}

/**
 * Puts a drifted region back on its promoted copy (the policy's `repairDrift`): the copy's model and
 * config are made again if someone deleted them, and the endpoint is pointed at the copy once it is
 * InService. The item stays `done`; the next drift check clears its drift when it runs the copy
 * again. A region that cannot be reached is left for the next run.
 */
export async function repairRegion(
  deps: RegionSyncWorkerDeps,
  item: RegionSyncItem,
  _now: number,
): Promise<RegionSyncItem> {
  const name = item.targetEndpointConfigName ?? regionCopyName(item.endpointName, item.identity.key);
  try {
    await advance(deps.models(item.region), item, name);
  } catch {
    // Unreachable or refused: the drift stays reported and the next run tries again.
  }
  return item;
}

/** Marks (or clears) the region the failover signal names. */
export async function markFailover(
  deps: Pick<RegionSyncWorkerDeps, 'syncStore'>,
  item: RegionSyncItem,
  failover: string | null,
  now: number,
): Promise<RegionSyncItem> {
  try {
    return await deps.syncStore.update(item, { status: item.status, now, failover });
  } catch (error) {
    if (error instanceof RegionSyncConflictError) return item;
    throw error;
  }
}

/** Name of a region canary's two-variant config: the copy's name with `-c`, within SageMaker's 63 characters. */
export function regionCanaryConfigName(endpointName: string, identityKey: string): string {
  return regionCopyName(endpointName, `${identityKey}-c`);
}

async function advance(models: RegionModels, item: RegionSyncItem, name: string): Promise<StepResult> {
  const { identity } = item;
  if (!(await models.modelExists(name))) {
    // The region's own artifacts (the policy's mapping); items recorded before mappings existed copy the primary's.
    const image = item.artifacts ? item.artifacts.image : identity.image;
    if (!image)
      return {
        status: 'failed',
        error: SYNC_PROGRESS.noImage(identity.modelName),
      };
    await models.createModel(name, {
      image,
      modelDataUrl: item.artifacts ? item.artifacts.modelDataUrl : identity.modelDataUrl,
      executionRoleArn: identity.executionRoleArn,
    });
  }
  if (!(await models.endpointConfigExists(name))) {
    await models.createEndpointConfig(name, {
      variantName: identity.variantName,
      modelName: name,
      instanceType: identity.instanceType,
      initialInstanceCount: identity.initialInstanceCount,
    });
  }

  const endpoint = await models.describeEndpoint(item.targetEndpointName);
  if (!endpoint) {
    return {
      status: 'failed',
      error: SYNC_PROGRESS.targetMissing(item.targetEndpointName, item.region),
    };
  }
  // What the region ran before the ladder reached it, recorded once: it is what a failed bake or
  // canary goes back to, so a later step (the canary's own config) must never replace it.
  const previous = item.replacedConfig ?? endpoint.configName ?? '(none)';
  const recorded = item.replacedConfig ? {} : { replacedConfig: previous };
  let target = name;
  let canary: StepResult['canary'];
  if (item.steps && item.steps.length > 0 && !item.canary?.done) {
    target = regionCanaryConfigName(item.endpointName, identity.key);
    if (!(await models.endpointConfigExists(target))) {
      const baseline = (await models.configVariants(previous))[0];
      if (!baseline)
        return {
          status: 'failed',
          error: `config ${previous} has no variant to run the canary beside`,
          ...recorded,
        };
      await models.createWeightedConfig(target, [
        { ...baseline, weight: 1 },
        {
          variantName:
            baseline.variantName === identity.variantName
              ? `${identity.variantName}-next`
              : identity.variantName,
          modelName: name,
          instanceType: identity.instanceType,
          initialInstanceCount: identity.initialInstanceCount,
          weight: 0,
        },
      ]);
    }
    const [baseline, copy] = await models.configVariants(target);
    canary = {
      config: target,
      baselineVariant: baseline?.variantName ?? '',
      canaryVariant: copy?.variantName ?? '',
    };
  }
  const { status } = endpoint;
  if (endpoint.configName === target) {
    if (status === 'InService') return { status: 'done', ...(canary ? { canary } : {}) };
    if (status === 'Failed') {
      return {
        status: 'failed',
        error: SYNC_PROGRESS.targetFailed(endpoint.failureReason),
      };
    }
    return { status: 'in-progress', error: SYNC_PROGRESS.waitingForTarget(status) };
  }
  // The target runs something else (what it ran before, or the canary's config): point it at the target.
  if (status !== 'InService') {
    return {
      status: 'in-progress',
      error: SYNC_PROGRESS.targetBusy(status),
      ...recorded,
    };
  }
  await models.updateEndpoint(item.targetEndpointName, target);
  return { status: 'in-progress', ...recorded };
}

function describeSdkError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}
