import { bakePolicy, judgeBake } from '../domain/region-bake';
import type { RolloutPolicy } from '../domain/types';
import type { MetricsReader } from '../ports/metrics-reader';
import type { RegionModels } from '../ports/region-models';
import { RegionSyncConflictError, type RegionSyncRepository } from '../ports/region-sync-repository';
import type { RegionSyncItem } from './region-sync-types';
import { regionCopyName } from './region-sync-worker';

export interface RegionBakeDeps {
  syncStore: Pick<RegionSyncRepository, 'update'>;
  models(region: string): RegionModels;
  /** Per-variant CloudWatch metrics of a region (the tick's reader). */
  metrics(region: string): MetricsReader;
}

/**
 * One look at a baking region: its own metrics over the policy's window, judged by `judgeBake`
 * (absolute bounds; see region-bake.ts). Decided by: the judgement, the bake's end time, an
 * operator's promote (`skipBake`: done now), a pause (a bake that is over waits, but a failing one
 * still goes back), and the target endpoint (one that no longer runs the copy, or Failed, fails the
 * bake). A failed bake points the region back at the config it ran before (`rolling-back`).
 * Without a policy to judge with (the rollout record is gone) the bake ends unjudged at its time.
 * Metrics that cannot be read leave the item as it is for the next run.
 */
export async function bakeRegion(
  deps: RegionBakeDeps,
  item: RegionSyncItem,
  policy: RolloutPolicy | null,
  now: number,
  paused = false,
): Promise<RegionSyncItem> {
  const bake = item.bake;
  const until = bake ? Date.parse(bake.until) : now;
  if (item.skipBake && !paused) {
    return save(deps, item, {
      status: 'done',
      now,
      bake: bake ? { ...bake, verdict: 'skipped', summary: 'skipped by promote' } : null,
    });
  }
  const copy = item.targetEndpointConfigName ?? regionCopyName(item.endpointName, item.identity.key);
  const endpoint = await deps.models(item.region).describeEndpoint(item.targetEndpointName);
  if (!endpoint || endpoint.configName !== copy || endpoint.status === 'Failed') {
    const found = endpoint
      ? `${item.targetEndpointName} runs ${endpoint.configName ?? '(none)'} (${endpoint.status})`
      : `${item.targetEndpointName} is gone`;
    return failBake(deps, item, now, `${found} during its bake`, bake?.summary ?? found);
  }
  if (!policy) {
    if (now < until || paused) return item;
    return save(deps, item, {
      status: 'done',
      now,
      bake: bake ? { ...bake, verdict: 'no-traffic', summary: 'no rollout policy to judge with' } : null,
    });
  }
  const judged = bakePolicy(policy, {
    endpointName: item.targetEndpointName,
    region: item.region,
    variantName: item.identity.variantName,
  });
  const read = await deps.metrics(item.region).read([{ key: 'bake', policy: judged }], now);
  const verdict = judgeBake(judged, read.periods.get('bake') ?? [], item.bakeFailures ?? {}, now, until);
  const base = bake ?? {
    verdict: 'watching' as const,
    summary: '',
    invocations: 0,
    startedAt: new Date(now).toISOString(),
    until: new Date(now).toISOString(),
  };
  const seen = { ...base, summary: verdict.summary, invocations: verdict.invocations };
  if (verdict.outcome === 'fail') return failBake(deps, item, now, 'bake failed', verdict.summary);
  if (verdict.outcome === 'continue' || paused) {
    return save(deps, item, {
      status: 'baking',
      now,
      bake: { ...seen, verdict: 'watching' },
      bakeFailures: verdict.failures,
    });
  }
  return save(deps, item, {
    status: 'done',
    now,
    bake: { ...seen, verdict: verdict.outcome === 'pass' ? 'passed' : 'no-traffic' },
    bakeFailures: verdict.failures,
    drift: null,
  });
}

async function failBake(
  deps: RegionBakeDeps,
  item: RegionSyncItem,
  now: number,
  why: string,
  summary: string,
): Promise<RegionSyncItem> {
  const bake = item.bake;
  const failed = await save(deps, item, {
    status: 'rolling-back',
    now,
    stopReason: `${why}: ${summary}`,
    bake: bake ? { ...bake, verdict: 'failed', summary } : null,
  });
  return rollBackRegion(deps, failed, now);
}

/**
 * Points a region back at the endpoint config it ran before the ladder reached it, resumably:
 * while the endpoint is busy it waits; once it runs the previous config InService the region is
 * `rolled-back`. The previous config is never deleted by the watchdog, so it is there to go back
 * to. A region that ran nothing before (its config unknown) cannot go back and is stopped as it is.
 */
export async function rollBackRegion(
  deps: Pick<RegionBakeDeps, 'syncStore' | 'models'>,
  item: RegionSyncItem,
  now: number,
): Promise<RegionSyncItem> {
  const previous = item.replacedConfig;
  if (!previous || previous === '(none)') {
    return save(deps, item, {
      status: 'rolled-back',
      now,
      lastError: 'no previous endpoint config to go back to',
    });
  }
  const models = deps.models(item.region);
  const endpoint = await models.describeEndpoint(item.targetEndpointName);
  if (!endpoint)
    return save(deps, item, { status: 'rolled-back', now, lastError: 'target endpoint is gone' });
  if (endpoint.configName === previous && endpoint.status === 'InService')
    return save(deps, item, { status: 'rolled-back', now, lastError: null });
  if (endpoint.status !== 'InService' && endpoint.status !== 'Failed') return item;
  if (endpoint.configName !== previous) await models.updateEndpoint(item.targetEndpointName, previous);
  return item;
}

async function save(
  deps: Pick<RegionBakeDeps, 'syncStore'>,
  item: RegionSyncItem,
  change: Parameters<RegionSyncRepository['update']>[1],
): Promise<RegionSyncItem> {
  try {
    return await deps.syncStore.update(item, change);
  } catch (error) {
    // Another run holds this item: it carries on from what it read.
    if (error instanceof RegionSyncConflictError) return item;
    throw error;
  }
}
