import { judgeTick } from '../domain/judge-tick';
import { regionCanaryPolicy } from '../domain/region-canary';
import { startRollout } from '../domain/start-rollout';
import type { RolloutPolicy, RolloutState } from '../domain/types';
import { RegionSyncConflictError, type RegionSyncChange } from '../ports/region-sync-repository';
import type { RegionBakeDeps } from './region-sync-bake';
import type { RegionCanary, RegionSyncItem } from './region-sync-types';
import { regionCopyName } from './region-sync-worker';

/** What one look at a region's own canary did, for the ladder's announcements. */
export interface RegionCanaryStep {
  item: RegionSyncItem;
  /** `step`: its weight changed; `promoted`: it passed its steps and the region takes the copy alone; `failed`: it goes back. */
  happened: 'step' | 'promoted' | 'failed' | null;
  /** The engine's reason for the decision. */
  reason: string;
}

/**
 * One look at a region running as a canary of its own: the engine (`startRollout`, then
 * `judgeTick`) runs the region's steps on the region endpoint's two variants, judged on their own
 * metrics with the policy's whole analysis (a baseline is beside the copy here, so the
 * comparisons apply). Decided by: the engine's transition, and the endpoint (weights are set only
 * while it is InService; a busy one is tried again next run). A promoted canary points the
 * endpoint at the copy alone (the region then waits for InService and bakes as any region); a
 * rolled-back or aborted one goes back to the region's previous config (`rolling-back`). Without
 * a policy to judge with, the canary waits.
 */
export async function runRegionCanary(
  deps: RegionBakeDeps,
  item: RegionSyncItem,
  policy: RolloutPolicy | null,
  now: number,
): Promise<RegionCanaryStep> {
  const canary = item.canary;
  if (!canary || !policy || !item.steps) return { item, happened: null, reason: 'no policy to judge with' };
  const judged = regionCanaryPolicy(
    policy,
    {
      endpointName: item.targetEndpointName,
      region: item.region,
      baselineVariant: canary.baselineVariant,
      canaryVariant: canary.canaryVariant,
    },
    item.steps,
  );
  let state: RolloutState;
  let reason: string;
  if (!canary.state) {
    const started = startRollout(judged, now);
    state = started.state;
    reason = started.decision.reason;
  } else {
    const read = await deps.metrics(item.region).read([{ key: 'canary', policy: judged }], now);
    const transition = judgeTick(judged, canary.state, { periods: read.periods.get('canary') ?? [] }, now);
    state = transition.state;
    reason = transition.decision.reason;
  }
  const models = deps.models(item.region);
  const endpoint = await models.describeEndpoint(item.targetEndpointName);
  const inService = endpoint?.status === 'InService' && endpoint.configName === canary.config;
  let applied = canary.appliedWeight;
  if (state.phase === 'RolledBack' || state.phase === 'Aborted') {
    const failed = await save(deps, item, {
      status: 'rolling-back',
      now,
      stopReason: `its own canary was rolled back: ${reason}`,
      canary: { ...canary, state },
    });
    return { item: failed, happened: 'failed', reason };
  }
  if (state.phase === 'Promoted') {
    if (!inService)
      return { item: await keep(deps, item, canary, state, applied, now), happened: null, reason };
    const copy = item.targetEndpointConfigName ?? regionCopyName(item.endpointName, item.identity.key);
    await models.updateEndpoint(item.targetEndpointName, copy);
    const promoted = await save(deps, item, {
      status: 'in-progress',
      now,
      canary: { ...canary, state, done: true },
    });
    return { item: promoted, happened: 'promoted', reason };
  }
  const wanted = state.canaryWeight;
  if (wanted !== applied && inService) {
    await models.setWeights(item.targetEndpointName, {
      [canary.baselineVariant]: 100 - wanted,
      [canary.canaryVariant]: wanted,
    });
    applied = wanted;
  }
  const kept = await keep(deps, item, canary, state, applied, now);
  return { item: kept, happened: applied !== canary.appliedWeight ? 'step' : null, reason };
}

function keep(
  deps: Pick<RegionBakeDeps, 'syncStore'>,
  item: RegionSyncItem,
  canary: RegionCanary,
  state: RolloutState,
  appliedWeight: number | null,
  now: number,
): Promise<RegionSyncItem> {
  return save(deps, item, { status: 'canary', now, canary: { ...canary, state, appliedWeight } });
}

async function save(
  deps: Pick<RegionBakeDeps, 'syncStore'>,
  item: RegionSyncItem,
  change: RegionSyncChange,
): Promise<RegionSyncItem> {
  try {
    return await deps.syncStore.update(item, change);
  } catch (error) {
    if (error instanceof RegionSyncConflictError) return item;
    throw error;
  }
}
