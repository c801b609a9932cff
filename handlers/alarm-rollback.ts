import { makeHandler } from '../shared/middleware/make-handler';
import { countEvent, logger, METRIC, recordRollback, watchdogLog } from '../shared/middleware/telemetry';
import { alarmRollbackDeps } from '../shared/runtime/composition-root';
import { readEnv } from '../shared/runtime/env';
import { type AlarmEventResult, handleAlarmEvent } from '../shared/watchdog/handle-alarm-event';

/**
 * alarm-rollback: EventBridge rule on `CloudWatch Alarm State Change`. Foreign and malformed
 * events are logged and acknowledged (returned, never thrown, so they are not retried forever);
 * only infrastructure faults throw, for the async retry and the on-failure destination.
 */
const deps = alarmRollbackDeps(readEnv(), { log: watchdogLog });

export const handler = makeHandler('alarmRollback', async (event: unknown): Promise<AlarmEventResult> => {
  const result = await handleAlarmEvent(deps, event);
  if (result.outcome === 'ignored')
    countEvent(result.ignored === 'no-matching-rollout' ? 'UnmatchedAlarms' : METRIC.malformedEvents);
  if (result.outcome === 'duplicate') countEvent('DuplicateAlarmEvents');
  for (const r of result.rollouts)
    if (r.action === 'rollback' && r.outcome !== 'unchanged') recordRollback('alarm');
  logger.info('alarm event handled', { ...result });
  return result;
});
