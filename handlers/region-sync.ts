import { makeHandler } from '../shared/middleware/make-handler';
import { countEvent, watchdogLog } from '../shared/middleware/telemetry';
import { regionSyncDeps } from '../shared/runtime/compose-region-sync';
import { readEnv } from '../shared/runtime/env';
import { handleRegionSyncEvent } from '../shared/watchdog/region-sync-run';

/**
 * Region sync: invoked by its schedule and by the SNS `rollout.promoted` notification (the
 * subscription filters on `eventType`). A promotion records the ladder, one item per target region;
 * the schedule moves it on one region at a time (deploy, bake, go back on a failed bake:
 * `region-sync-ladder.ts`), checks finished regions for drift and raises the failover signal.
 */
const deps = regionSyncDeps(readEnv(), { log: watchdogLog });

export const handler = makeHandler('regionSync', async (event: unknown) => {
  const result = await handleRegionSyncEvent(deps, event);
  countEvent(result.kind === 'ignored' ? 'RegionSyncIgnoredEvents' : 'RegionSyncRuns');
  return result;
});
