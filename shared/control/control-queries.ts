import { isFinal } from '../domain/is-final';
import type { RolloutRecord } from '../ports/rollout-repository';
import { deploymentStats } from '../stats/deployment-stats';
import { SILENT_LOG } from '../ports/watchdog-log';
import { describeError } from '../watchdog/commit-transition';
import { ladderOrder } from '../watchdog/region-sync-ladder';
import { blueGreenMetricsTarget } from '../watchdog/watch-blue-green';
import { noRolloutFor } from '../wording/describe-refusal';
import {
  type ControlResult,
  type EndpointRunsView,
  type EndpointView,
  notFound,
  type RolloutHistory,
  type RolloutList,
  type RolloutMetrics,
  type RolloutStatus,
  type StatsView,
  unavailable,
  type VariantPoint,
} from './control-contract';
import type { ControlDeps } from './control-deps';
import { regionSyncView } from './ladder-command';
import { decisionView, endpointView, summarize } from './control-views';

/** The control API's read side: status, list and history. Nothing here writes. */

/** Finished rollouts listed by `GET /rollouts` next to the active ones. Rollouts. */
export const RECENT_ROLLOUTS_LIMIT = 20;

/** History entries status reads to find the last decision among the hook calls. Entries. */
export const STATUS_HISTORY_READ = 20;

/**
 * Status of one rollout: the stored state, the last history entry (decision and evidence) and what
 * the endpoint reports. An unreadable endpoint is shown as `{ error }`, not a failed request.
 */
export async function rolloutStatus(
  deps: ControlDeps,
  endpointName: string,
): Promise<ControlResult<RolloutStatus>> {
  const record = await deps.store.get(endpointName);
  if (!record) return notFound(noRolloutFor(endpointName));
  const [history, endpoint] = await Promise.all([
    // Hook calls are history too, one per gate per tick while a gate holds: the last decision is
    // the newest entry that is not one (the gate itself is in `gate`).
    deps.store.history(endpointName, { limit: STATUS_HISTORY_READ }),
    readEndpoint(deps, record),
  ]);
  const last = history.find((entry) => entry.kind !== 'hook');
  const body: RolloutStatus = {
    ...summarize(record),
    lastDecision: last ? decisionView(last) : null,
    endpoint,
  };
  if (deps.regionSync && record.state.phase === 'Promoted' && record.policy.regions.length > 0) {
    try {
      const items = await deps.regionSync.list(endpointName);
      body.regions = ladderOrder(items).map(regionSyncView);
    } catch (error) {
      (deps.log ?? SILENT_LOG).warn('region sync progress could not be read', {
        error: describeError(error),
      });
    }
  }
  return { ok: true, body };
}

/**
 * Active rollouts (the tick's work list) and the most recent finished ones. The recent list is a
 * convenience: when it cannot be read (e.g. the role lacks `dynamodb:Query` on the index) the
 * active list is still answered, with `recentError` saying why `recent` is empty.
 */
export async function listRollouts(deps: ControlDeps): Promise<ControlResult<RolloutList>> {
  const log = deps.log ?? SILENT_LOG;
  const readRecent = async (): Promise<{ records: RolloutRecord[]; error?: string }> => {
    if (!deps.listRecent) return { records: [] };
    try {
      return { records: await deps.listRecent(RECENT_ROLLOUTS_LIMIT) };
    } catch (error) {
      log.warn('recent rollouts could not be listed', { error: describeError(error) });
      return { records: [], error: describeError(error) };
    }
  };
  const [active, recent] = await Promise.all([deps.store.listActive(), readRecent()]);
  const activeNames = new Set(active.map((r) => r.endpointName));
  const body: RolloutList = {
    active: active.map(summarize).sort((a, b) => a.endpointName.localeCompare(b.endpointName)),
    recent: recent.records
      .filter((r) => !activeNames.has(r.endpointName))
      .map(summarize)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)),
  };
  if (recent.error) body.recentError = recent.error;
  return { ok: true, body };
}

/** History of one endpoint's rollouts, newest first, at most `limit` entries; 404 when nothing is known. */
export async function rolloutHistory(
  deps: ControlDeps,
  endpointName: string,
  limit: number,
): Promise<ControlResult<RolloutHistory>> {
  const entries = await deps.store.history(endpointName, { limit });
  if (entries.length === 0 && !(await deps.store.get(endpointName))) {
    return notFound(noRolloutFor(endpointName));
  }
  return { ok: true, body: { endpointName, entries: entries.map(decisionView) } };
}

async function readEndpoint(deps: ControlDeps, record: RolloutRecord): Promise<EndpointView> {
  let view: EndpointView;
  try {
    view = endpointView(await deps.endpoints(record.region).describe(record.endpointName));
  } catch (error) {
    return { error: describeError(error) };
  }
  const runs = await readRuns(deps, record);
  return runs ? { ...view, runs } : view;
}

/**
 * What the endpoint runs now: its config, and per variant the model and the instances (the cost
 * in view). Best effort: status still answers without it.
 */
async function readRuns(deps: ControlDeps, record: RolloutRecord): Promise<EndpointRunsView | undefined> {
  const configs = deps.endpointConfigs?.(record.region);
  if (!configs) return undefined;
  try {
    const deployment = await configs.describeEndpoint(record.endpointName);
    const config = deployment.configName ? await configs.describeConfig(deployment.configName) : null;
    return {
      configName: deployment.configName,
      pendingConfigName: deployment.pendingConfigName,
      variants: (config?.variants ?? []).map((v) => ({
        variantName: v.variantName,
        modelName: v.modelName,
        instanceType: v.instanceType,
        instanceCount: deployment.instanceCounts[v.variantName] ?? v.instanceCount,
      })),
    };
  } catch (error) {
    (deps.log ?? SILENT_LOG).warn('endpoint config could not be read for status', {
      endpointName: record.endpointName,
      error: describeError(error),
    });
    return undefined;
  }
}

/** Periods `GET /rollouts/{endpoint}/metrics` returns at most; a longer rollout gets coarser periods. Periods. */
export const MAX_METRIC_POINTS = 360;

/**
 * Per-variant error rate and p99 latency of the endpoint's rollout from its start (one period
 * before) to now, or to three periods after its final decision once it is final: one batched
 * GetMetricData in the endpoint's region (the tick's reader, with the window stretched over the
 * rollout). Periods are the policy's interval, widened to whole minutes so at most
 * MAX_METRIC_POINTS come back. CloudWatch failing is 503; no rollout is 404.
 */
export async function rolloutMetrics(
  deps: ControlDeps,
  endpointName: string,
  now: number,
): Promise<ControlResult<RolloutMetrics>> {
  const record = await deps.store.get(endpointName);
  if (!record) return notFound(noRolloutFor(endpointName));
  if (!deps.metrics) return unavailable('metrics are not available here');
  const { policy, state } = record;
  const interval = policy.analysis.intervalSeconds;
  const from = state.startedAt - interval * 1000;
  let until = now;
  if (isFinal(state.phase)) {
    // A few periods past the decision that ended it (the newest entries of a final rollout are
    // its final decision, its weights landing and its clean-up), not the hours after.
    const recent = await deps.store.history(endpointName, { limit: 5 }).catch(() => []);
    const ended = recent
      .filter((e) => e.rolloutId === record.rolloutId && (e.kind === 'decision' || e.kind === 'command'))
      .map((e) => Date.parse(e.time));
    const lastSeen = Math.max(state.lastJudgedAt ?? 0, state.stepStartedAt, ...ended);
    until = Math.min(now, lastSeen + 3 * interval * 1000);
  }
  const spanSeconds = Math.max(interval, Math.ceil((until - from) / 1000));
  const wanted = Math.ceil(spanSeconds / MAX_METRIC_POINTS);
  const periodSeconds = wanted <= interval ? interval : Math.ceil(wanted / 60) * 60;
  const windowSeconds = Math.ceil(spanSeconds / periodSeconds) * periodSeconds + periodSeconds;
  let read;
  try {
    read = await deps.metrics(record.region).read(
      [
        {
          // A blue/green rollout's fleets are read by endpoint config: the new one as the canary.
          ...blueGreenMetricsTarget(record),
          policy: {
            ...policy,
            analysis: { ...policy.analysis, intervalSeconds: periodSeconds, windowSeconds, metrics: [] },
          },
        },
      ],
      until,
    );
  } catch (error) {
    return unavailable(`metrics could not be read: ${describeError(error)}`);
  }
  const points = (read.periods.get(endpointName) ?? [])
    .filter((p) => p.time > from)
    .map((p) => {
      const variants: Record<string, VariantPoint> = {};
      for (const [name, v] of Object.entries(p.variants)) {
        if (!v) continue;
        variants[name] = {
          invocations: v.invocations,
          errors5xx: v.errors5xx,
          errorRate: v.invocations > 0 ? v.errors5xx / v.invocations : null,
          latencyP99Ms: v.invocations > 0 ? v.latencyP99Ms : null,
        };
      }
      return { time: new Date(p.time).toISOString(), variants };
    });
  return {
    ok: true,
    body: {
      endpointName,
      rolloutId: record.rolloutId,
      baselineVariant: policy.endpoint.baselineVariant,
      canaryVariant: policy.endpoint.canaryVariant,
      periodSeconds,
      from: new Date(from).toISOString(),
      until: new Date(until).toISOString(),
      points,
    },
  };
}

/**
 * Deployment analytics over [since, until] (epoch ms), for every endpoint or one: one Query on the
 * outcome index, then the figures (`deploymentStats`). 503 when the outcomes cannot be read.
 */
export async function rolloutStats(
  deps: ControlDeps,
  range: { since: number; until: number; endpointName?: string },
): Promise<ControlResult<StatsView>> {
  if (!deps.outcomes) return unavailable('deployment analytics are not available here');
  const since = new Date(range.since).toISOString();
  const until = new Date(range.until).toISOString();
  try {
    const outcomes = await deps.outcomes({
      since,
      until,
      ...(range.endpointName ? { endpointName: range.endpointName } : {}),
    });
    return {
      ok: true,
      body: deploymentStats(outcomes, {
        since,
        until,
        ...(range.endpointName ? { endpoint: range.endpointName } : {}),
      }),
    };
  } catch (error) {
    return unavailable(`rollout outcomes could not be read: ${describeError(error)}`);
  }
}
