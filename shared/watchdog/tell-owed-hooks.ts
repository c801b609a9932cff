import type { HookOwed } from '../domain/hooks-owed';
import { hooksAt } from '../domain/gate-points';
import type { HookRequest } from '../ports/hook-caller';
import { type HistoryEntry, type RolloutRecord, VersionConflictError } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import { describeError } from './commit-transition';
import { appendHookHistory, callAll, type HookContext, type HookDeps, hookHistory } from './pass-gates';

/** Times the clearing write is re-read and tried again after a version conflict. Attempts. */
const MAX_CLEAR_ATTEMPTS = 3;

/**
 * Tells the notify hooks an end decided outside the tick still owes (`record.hooksOwed`: the
 * alarm handler's rollback, an operator's promote, abort or rollback), then clears them with a
 * versioned write, re-reading on a conflict and keeping whatever was owed meanwhile.
 *
 * Delivery is at least once: the hooks are called first and cleared after, so a crash (or a
 * failed clearing write) between the two tells them again on the next tick. Receivers get the
 * rollout id and the point, by which they can tell a repeat. Never blocks the rollout: every call
 * and answer goes into history (kind `hook`), a failed call is logged and not retried by the
 * watchdog. Without a hook caller hooks do not apply: what is owed is cleared untold, logged.
 *
 * Returns the record as stored after clearing (the input when nothing was owed or the clear
 * gave up: the tick then carries on with what it has, and the next tick tells them again).
 */
export async function tellOwedHooks(
  deps: HookDeps,
  record: RolloutRecord,
  ctx: HookContext,
): Promise<RolloutRecord> {
  const owed = record.hooksOwed ?? [];
  if (owed.length === 0) return record;
  const log = deps.log ?? SILENT_LOG;
  if (!deps.hooks)
    log.warn('notify hooks owed but no hook caller: cleared untold', {
      endpointName: record.endpointName,
      points: owed.map((o) => o.point),
    });
  else await callOwed(deps, record, owed, ctx);
  return clearOwed(deps, record, owed, ctx.now);
}

async function callOwed(
  deps: HookDeps,
  record: RolloutRecord,
  owed: ReadonlyArray<HookOwed>,
  ctx: HookContext,
): Promise<void> {
  const log = deps.log ?? SILENT_LOG;
  const entries: HistoryEntry[] = [];
  // Stamped with the version the clearing write produces, so the keys never meet earlier entries'.
  const about: RolloutRecord = { ...record, version: record.version + 1 };
  try {
    for (const item of owed) {
      const told = hooksAt(record.policy, item.point, 'notify');
      if (told.length === 0 || !deps.hooks) continue;
      const results = await callAll(deps.hooks, told, owedRequest(record, item, ctx.now));
      for (const result of results) {
        entries.push(
          hookHistory(
            {
              ...about,
              state: {
                ...about.state,
                phase: item.phase,
                canaryWeight: item.canaryWeight,
                stepIndex: item.stepIndex,
              },
            },
            result,
            'notify',
            ctx,
          ),
        );
        if (!result.allow)
          log.warn('notify hook call failed', {
            endpointName: record.endpointName,
            hook: result.hook,
            point: item.point,
            reason: result.reason,
          });
      }
    }
  } catch (error) {
    log.warn('owed notify hooks failed', { endpointName: record.endpointName, error: describeError(error) });
  } finally {
    await appendHookHistory(deps, record.endpointName, entries);
  }
}

/** The request an owed point is told: the end as it was decided, at its decision's time. */
function owedRequest(record: RolloutRecord, item: HookOwed, now: number): Omit<HookRequest, 'hook'> {
  const request: Omit<HookRequest, 'hook'> = {
    point: item.point,
    endpointName: record.endpointName,
    region: record.region,
    rolloutId: record.rolloutId,
    stepIndex: item.stepIndex,
    canaryWeight: item.canaryWeight,
    phase: item.phase,
    time: Number.isNaN(Date.parse(item.at)) ? new Date(now).toISOString() : item.at,
  };
  const model = record.endpointChange?.kind === 'add-canary' ? record.endpointChange.model : undefined;
  if (model) request.model = model;
  return request;
}

/** Removes the told entries, versioned; on a conflict re-reads and removes them from the newer record. */
async function clearOwed(
  deps: HookDeps,
  record: RolloutRecord,
  told: ReadonlyArray<HookOwed>,
  now: number,
): Promise<RolloutRecord> {
  const toldKeys = new Set(told.map((o) => JSON.stringify(o)));
  let current: RolloutRecord | undefined = record;
  for (let attempt = 0; attempt < MAX_CLEAR_ATTEMPTS && current; attempt++) {
    if (current.rolloutId !== record.rolloutId) return record;
    const left = (current.hooksOwed ?? []).filter((o) => !toldKeys.has(JSON.stringify(o)));
    if (left.length === (current.hooksOwed ?? []).length) return current;
    const { hooksOwed: _told, ...rest } = current;
    const next: RolloutRecord = {
      ...rest,
      ...(left.length > 0 ? { hooksOwed: left } : {}),
      updatedAt: new Date(now).toISOString(),
    };
    try {
      return await deps.store.save(next, current.version);
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      current = await deps.store.get(record.endpointName);
    }
  }
  (deps.log ?? SILENT_LOG).warn('owed notify hooks told but not cleared: the next tick tells them again', {
    endpointName: record.endpointName,
  });
  return current ?? record;
}
