import type { RolloutRecord } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import { describeError } from '../watchdog/commit-transition';
import { noRolloutFor } from '../wording/describe-refusal';
import {
  type ControlResult,
  type EndpointRunsView,
  type EndpointView,
  notFound,
  type RolloutHistory,
  type RolloutList,
  type RolloutStatus,
} from './control-contract';
import type { ControlDeps } from './control-deps';
import { decisionView, endpointView, summarize } from './control-views';

/** The control API's read side: status, list and history. Nothing here writes. */

/** Finished rollouts listed by `GET /rollouts` next to the active ones. Rollouts. */
export const RECENT_ROLLOUTS_LIMIT = 20;

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
    deps.store.history(endpointName, { limit: 1 }),
    readEndpoint(deps, record),
  ]);
  const last = history[0];
  const body: RolloutStatus = {
    ...summarize(record),
    lastDecision: last ? decisionView(last) : null,
    endpoint,
  };
  if (deps.regionSync && record.state.phase === 'Promoted' && record.policy.regions.length > 0) {
    try {
      const items = await deps.regionSync.list(endpointName);
      body.regions = items.map((item) => ({
        region: item.region,
        targetEndpointName: item.targetEndpointName,
        status: item.status,
        attempts: item.attempts,
        lastError: item.lastError,
        drift: item.drift ?? null,
        replacedConfig: item.replacedConfig ?? null,
        updatedAt: item.updatedAt,
      }));
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
