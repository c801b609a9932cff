import { parseNotificationHead } from '../events/notification-message';
import { scheduledEventTime } from '../events/scheduled-event';
import { snsEventRecords } from '../events/sns-event';
import { alertNotification } from '../notify/notification';
import type { Notifier } from '../ports/notifier';
import type { RegionSyncRepository } from '../ports/region-sync-repository';
import { SILENT_LOG, type WatchdogLog } from '../ports/watchdog-log';
import { describeRegionDriftAlert, describeRegionSyncFailure } from '../wording/describe-alert';
import type { RolloutPolicy } from '../domain/types';
import type { MetricsReader } from '../ports/metrics-reader';
import type { HistoryEntry } from '../ports/rollout-repository';
import { describeLadderEvent, type LadderEvent } from '../wording/describe-region-ladder';
import { primaryMetricsFailing } from './region-sync-failover';
import { type LadderRun, ladderOrder } from './region-sync-ladder';
import {
  type PromotionOutcome,
  type RegionSyncTriggerDeps,
  type RolloutSnapshot,
  recordPromotion,
} from './region-sync-trigger';
import type { RegionSyncItem } from './region-sync-types';

export interface RegionSyncRunDeps extends RegionSyncTriggerDeps {
  syncStore: Pick<RegionSyncRepository, 'recordPending' | 'listUnfinished'> &
    Partial<Pick<RegionSyncRepository, 'listDone'>>;
  log?: WatchdogLog;
  /**
   * Does the cross-region work for one unfinished item (CreateModel, CreateEndpointConfig,
   * UpdateEndpoint in its region) and returns the updated item. Optional: without it the scheduled
   * run only reports what is waiting.
   */
  syncRegion?(item: RegionSyncItem, now: number): Promise<RegionSyncItem>;
  /** Checks a finished region for drift (`checkDrift` of the worker); optional. */
  checkDrift?(item: RegionSyncItem, now: number): Promise<{ item: RegionSyncItem; changed: boolean }>;
  /** Where a region that starts failing is announced (a `rollout.alert`); optional. */
  notifier?: Notifier;
  /**
   * Moves one promoted endpoint's ladder on (`runLadder`): regions one at a time, each baked before
   * the next. When given it replaces `syncRegion`.
   */
  ladder?(items: RegionSyncItem[], policy: RolloutPolicy | null, now: number): Promise<LadderRun>;
  /** Puts a drifted region back on its promoted copy (regions[].repairDrift); optional. */
  repairDrift?(item: RegionSyncItem, now: number): Promise<RegionSyncItem>;
  /** What the primary endpoint is doing (for the failover signal); null when it is gone. Throws when unreachable. */
  endpointStatus?(
    region: string,
    endpointName: string,
  ): Promise<{ status: string; failureReason: string | null; configName?: string | null } | null>;
  /**
   * Per-variant CloudWatch metrics of a region: with it the failover signal also judges the
   * primary's promoted model on its own metrics (primaryMetricsFailing); optional.
   */
  metrics?(region: string): MetricsReader;
  /** Marks the region to fail over to (or clears it); optional. */
  markFailover?(item: RegionSyncItem, failover: string | null, now: number): Promise<RegionSyncItem>;
  /** Writes a ladder step to the promoted rollout's history; optional. */
  appendHistory?(endpointName: string, entries: HistoryEntry[]): Promise<void>;
}

export type RegionSyncRunResult =
  | { kind: 'promotions'; outcomes: PromotionOutcome[]; malformed: number }
  | {
      kind: 'schedule';
      unfinished: number;
      results: Array<{ endpointName: string; region: string; status: string; error?: string }>;
      /** Finished regions that no longer run the synced config. */
      drifted: Array<{ endpointName: string; region: string; drift: string }>;
    }
  | { kind: 'ignored'; reason: string };

/**
 * Entry point of the region-sync function. Decided by the event's shape: an SNS event records a
 * pending sync per target region for each `rollout.promoted` notification (duplicates write
 * nothing); the scheduled event moves each promoted endpoint's ladder on (`ladder`, one region at a
 * time, each baked before the next; without it, `syncRegion` per item or only a report), then
 * checks finished regions for drift (repairing it when the policy says so) and raises the failover
 * signal; anything else is logged and acknowledged. Never throws for a bad event; a region whose
 * work fails stays `failed` for the next schedule without stopping the other ladders.
 */
export async function handleRegionSyncEvent(
  deps: RegionSyncRunDeps,
  event: unknown,
  clock: () => number = Date.now,
): Promise<RegionSyncRunResult> {
  const log = deps.log ?? SILENT_LOG;
  const records = snsEventRecords(event);
  if (records) {
    const outcomes: PromotionOutcome[] = [];
    let malformed = 0;
    for (const record of records) {
      const notification = parseNotificationHead(record.Sns.Message);
      if (!notification) {
        malformed += 1;
        log.warn('region sync: SNS message is not a rollout notification', {
          messageId: record.Sns.MessageId,
        });
        continue;
      }
      const at = Date.parse(record.Sns.Timestamp ?? notification.time);
      const outcome = await recordPromotion(deps, notification, Number.isFinite(at) ? at : clock());
      log.info('region sync: promotion handled', { outcome });
      outcomes.push(outcome);
    }
    return { kind: 'promotions', outcomes, malformed };
  }

  const scheduled = scheduledEventTime(event);
  if (scheduled.scheduled) {
    const now = scheduled.time ?? clock();
    const items = await deps.syncStore.listUnfinished();
    const results: Array<{ endpointName: string; region: string; status: string; error?: string }> = [];
    if (deps.ladder) {
      for (const [endpointName, group] of groupByEndpoint(items)) {
        results.push(...(await runOneLadder(deps, endpointName, group, now)));
      }
    }
    for (const item of deps.ladder ? [] : items) {
      if (!deps.syncRegion) {
        results.push({ endpointName: item.endpointName, region: item.region, status: item.status });
        continue;
      }
      try {
        const updated = await deps.syncRegion(item, now);
        const result: { endpointName: string; region: string; status: string; error?: string } = {
          endpointName: item.endpointName,
          region: item.region,
          status: updated.status,
        };
        if (updated.lastError) result.error = updated.lastError;
        results.push(result);
        // Announce a region when it starts failing, not on every retry of the schedule.
        if (updated.status === 'failed' && item.status !== 'failed')
          await announceFailure(deps, updated, now);
      } catch (error) {
        // One region's fault never stops the others; its item stays unfinished for the next run.
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        log.error('region sync: region failed', {
          endpointName: item.endpointName,
          region: item.region,
          error: message,
        });
        results.push({
          endpointName: item.endpointName,
          region: item.region,
          status: item.status,
          error: message,
        });
      }
    }
    const drifted = await checkFinishedRegions(deps, now);
    log.info('region sync: scheduled run', { unfinished: items.length, results, drifted });
    return { kind: 'schedule', unfinished: items.length, results, drifted };
  }

  log.warn('region sync: ignoring an event that is neither SNS nor a schedule', {
    keys: event && typeof event === 'object' ? Object.keys(event).slice(0, 10) : typeof event,
  });
  return { kind: 'ignored', reason: 'neither an SNS event nor a scheduled event' };
}

/** Checks every finished region for drift; announces a drift when it is first seen. */
async function checkFinishedRegions(
  deps: RegionSyncRunDeps,
  now: number,
): Promise<Array<{ endpointName: string; region: string; drift: string }>> {
  if (!deps.checkDrift || !deps.syncStore.listDone) return [];
  const log = deps.log ?? SILENT_LOG;
  const drifted: Array<{ endpointName: string; region: string; drift: string }> = [];
  const done = await deps.syncStore.listDone();
  const checkedItems: RegionSyncItem[] = [];
  for (const item of done) {
    try {
      const checked = await deps.checkDrift(item, now);
      checkedItems.push(checked.item);
      const drift = checked.item.drift;
      if (!drift) {
        if (checked.changed && item.drift && item.repairDrift)
          await announceLadder(deps, { kind: 'drift-repaired', item: checked.item }, now);
        continue;
      }
      drifted.push({ endpointName: item.endpointName, region: item.region, drift });
      if (item.repairDrift && item.order !== undefined && deps.repairDrift) {
        // The policy asks for repair: announce the drift and the repair together, then repair.
        if (checked.changed) await announceLadder(deps, { kind: 'drift', item: checked.item }, now);
        const repaired = await deps.repairDrift(checked.item, now);
        if (checked.changed) await announceLadder(deps, { kind: 'drift-repairing', item: repaired }, now);
        continue;
      }
      if (checked.changed && item.order !== undefined) {
        await announceLadder(deps, { kind: 'drift', item: checked.item }, now);
        continue;
      }
      if (checked.changed && deps.notifier) {
        const published = await deps.notifier.publish(
          alertNotification({
            ...describeRegionDriftAlert(drift),
            endpointName: item.endpointName,
            region: item.region,
            now,
            source: 'system',
          }),
        );
        if (!published.ok) log.warn('region sync: drift alert not published', { error: published.error });
      }
    } catch (error) {
      log.error('region sync: drift check failed', {
        endpointName: item.endpointName,
        region: item.region,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  }
  await signalFailover(deps, checkedItems, now);
  return drifted;
}

/** Unfinished items by promoted endpoint, in the order they were listed. */
function groupByEndpoint(items: ReadonlyArray<RegionSyncItem>): Map<string, RegionSyncItem[]> {
  const groups = new Map<string, RegionSyncItem[]>();
  for (const item of items) groups.set(item.endpointName, [...(groups.get(item.endpointName) ?? []), item]);
  return groups;
}

type RegionResult = { endpointName: string; region: string; status: string; error?: string };

/**
 * One promoted endpoint's ladder for this run, with its announcements and history. The rollout's
 * policy judges the bakes; a rollout that cannot be read leaves the bakes unjudged. A fault of
 * the ladder (a region unreachable while it bakes) leaves every item as it was for the next run.
 */
async function runOneLadder(
  deps: RegionSyncRunDeps,
  endpointName: string,
  group: RegionSyncItem[],
  now: number,
): Promise<RegionResult[]> {
  const log = deps.log ?? SILENT_LOG;
  let rollout: RolloutSnapshot | null | undefined = null;
  try {
    rollout = await deps.readRollout(endpointName);
  } catch (error) {
    log.warn('region sync: rollout unreadable, bakes are not judged this run', {
      endpointName,
      error: describe(error),
    });
  }
  let run: LadderRun;
  try {
    run = await deps.ladder!(group, rollout?.policy ?? null, now);
  } catch (error) {
    const message = describe(error);
    log.error('region sync: ladder run failed', { endpointName, error: message });
    return group.map((item) => ({ endpointName, region: item.region, status: item.status, error: message }));
  }
  await announceLadder(deps, run.events, now, rollout);
  const results: RegionResult[] = [];
  for (const updated of run.items) {
    const before = group.find((item) => item.region === updated.region);
    const result: RegionResult = { endpointName, region: updated.region, status: updated.status };
    if (updated.lastError) result.error = updated.lastError;
    results.push(result);
    // Announce a region when it starts failing, not on every retry of the schedule.
    if (updated.status === 'failed' && before?.status !== 'failed' && !updated.artifactProblem)
      await announceLadder(deps, { kind: 'failed', item: updated }, now, rollout);
  }
  return results;
}

/**
 * Ladder events as notifications (region, model, what next) and as entries of the promoted
 * rollout's history, written together so that entries of one instant keep their order.
 */
export async function announceLadder(
  deps: Pick<RegionSyncRunDeps, 'notifier' | 'log' | 'appendHistory' | 'readRollout'>,
  events: LadderEvent | ReadonlyArray<LadderEvent>,
  now: number,
  known?: RolloutSnapshot | null,
): Promise<void> {
  const log = deps.log ?? SILENT_LOG;
  const list: ReadonlyArray<LadderEvent> = Array.isArray(events) ? events : [events as LadderEvent];
  if (list.length === 0) return;
  const worded = list.map((event) => ({ event, wording: describeLadderEvent(event) }));
  for (const { event, wording } of worded) {
    if (!deps.notifier) break;
    const published = await deps.notifier.publish(
      alertNotification({
        kind: event.kind === 'drift' ? 'drift' : 'other',
        severity: wording.severity,
        endpointName: event.item.endpointName,
        region: event.item.region,
        now,
        reason: wording.reason,
        next: wording.next,
        source: 'system',
      }),
    );
    if (!published.ok) log.warn('region sync: ladder notification not published', { error: published.error });
  }
  if (!deps.appendHistory) return;
  const endpointName = list[0]!.item.endpointName;
  try {
    const rollout = known ?? (await deps.readRollout(endpointName));
    if (!rollout) return;
    await deps.appendHistory(
      endpointName,
      worded.map(({ event, wording }) => ({
        time: new Date(now).toISOString(),
        rolloutId: rollout.rolloutId ?? event.item.identity.key,
        // The ladder item's version this step produced: two steps of one instant (a command and a
        // scheduled run) stay apart in the history, which is keyed by time, version and position.
        version: event.item.version,
        source: 'reconcile' as const,
        kind: 'endpoint' as const,
        phase: rollout.state.phase,
        stepIndex: rollout.state.stepIndex,
        canaryWeight: rollout.state.canaryWeight,
        reason: wording.reason,
      })),
    );
  } catch (error) {
    // The ladder's work is done and stored on its items; a lost history line is logged, not retried.
    log.warn('region sync: ladder history not written', { error: describe(error) });
  }
}

/**
 * The failover signal: when a promoted endpoint's primary is failing (Failed, gone, or its region
 * unreachable) and a finished region runs the promoted copy InService without drift, the first
 * such region in ladder order is named once in a critical notification; the mark is cleared when
 * the primary is healthy again. Only ladders (items with an order) are looked at.
 */
async function signalFailover(deps: RegionSyncRunDeps, done: RegionSyncItem[], now: number): Promise<void> {
  if (!deps.endpointStatus || !deps.markFailover) return;
  const ladders = groupByEndpoint(done.filter((item) => item.order !== undefined));
  for (const [endpointName, items] of ladders) {
    const first = items[0]!;
    let failing: string | null = null;
    try {
      const primary = await deps.endpointStatus(first.identity.sourceRegion, endpointName);
      if (!primary) failing = ' (the endpoint is gone)';
      else if (primary.status === 'Failed' || primary.status === 'OutOfService')
        failing = ` (${primary.status}: ${primary.failureReason ?? 'no reason given'})`;
      else if (deps.metrics) {
        const rollout = await deps.readRollout(endpointName);
        if (rollout)
          failing = await primaryMetricsFailing(
            { models: deps.models, metrics: deps.metrics },
            rollout.policy,
            first,
            primary.configName ?? null,
            now,
          );
      }
    } catch (error) {
      failing = ` (${first.identity.sourceRegion} does not answer: ${describe(error)})`;
    }
    const marked = items.find((item) => item.failover);
    if (!failing) {
      if (marked) await deps.markFailover(marked, null, now);
      continue;
    }
    const candidate = ladderOrder(items).find((item) => !item.drift);
    if (!candidate || marked?.region === candidate.region) continue;
    try {
      const endpoint = await deps.endpointStatus(candidate.region, candidate.targetEndpointName);
      if (endpoint?.status !== 'InService') continue;
    } catch {
      continue;
    }
    const signalled = await deps.markFailover(candidate, failing.trim(), now);
    await announceLadder(deps, { kind: 'failover', item: signalled, detail: failing }, now);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function announceFailure(deps: RegionSyncRunDeps, item: RegionSyncItem, now: number): Promise<void> {
  if (!deps.notifier) return;
  const notification = alertNotification({
    ...describeRegionSyncFailure({
      endpointName: item.endpointName,
      targetEndpointName: item.targetEndpointName,
      region: item.region,
      error: item.lastError ?? null,
    }),
    endpointName: item.endpointName,
    region: item.region,
    now,
    source: 'system',
  });
  const published = await deps.notifier.publish(notification);
  if (!published.ok) {
    (deps.log ?? SILENT_LOG).warn('region sync: failure alert not published', { error: published.error });
  }
}
