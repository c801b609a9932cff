import { makeHandler } from '../shared/middleware/make-handler';
import { countEvent, watchdogLog } from '../shared/middleware/telemetry';
import { regionSyncDeps } from '../shared/runtime/compose-region-sync';
import { readEnv } from '../shared/runtime/env';
import { handleRegionSyncEvent } from '../shared/watchdog/region-sync-run';

/**
 * Region sync: invoked by its schedule and by the SNS `rollout.promoted` notification (the
 * subscription filters on `eventType`). A promotion records one sync item per target region; the
 * schedule copies the promoted model into each region that is not done yet (`region-sync-worker.ts`).
 */
const deps = regionSyncDeps(readEnv(), { log: watchdogLog });

export const handler = makeHandler('regionSync', async (event: unknown) => {
  const result = await handleRegionSyncEvent(deps, event);
  countEvent(result.kind === 'ignored' ? 'RegionSyncIgnoredEvents' : 'RegionSyncRuns');
  return result;
});
