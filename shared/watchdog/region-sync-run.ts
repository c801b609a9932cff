import { parseNotificationHead } from '../events/notification-message';
import { scheduledEventTime } from '../events/scheduled-event';
import { snsEventRecords } from '../events/sns-event';
import { alertNotification } from '../notify/notification';
import type { Notifier } from '../ports/notifier';
import type { RegionSyncRepository } from '../ports/region-sync-repository';
import { SILENT_LOG, type WatchdogLog } from '../ports/watchdog-log';
import { describeRegionDriftAlert, describeRegionSyncFailure } from '../wording/describe-alert';
import { type PromotionOutcome, type RegionSyncTriggerDeps, recordPromotion } from './region-sync-trigger';
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
 * nothing); the scheduled event works through unfinished items (when `syncRegion` is given) or
 * reports them; anything else is logged and acknowledged. Never throws for a bad event; a region
 * whose work fails stays `failed` for the next schedule without stopping the others.
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
    for (const item of items) {
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
  for (const item of await deps.syncStore.listDone()) {
    try {
      const checked = await deps.checkDrift(item, now);
      const drift = checked.item.drift;
      if (!drift) continue;
      drifted.push({ endpointName: item.endpointName, region: item.region, drift });
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
  return drifted;
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
