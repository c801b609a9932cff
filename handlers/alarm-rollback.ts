import type { Context } from 'aws-lambda';
import { authenticateAlarmEvent } from '../shared/events/authenticate-event';
import { functionIdentity } from '../shared/events/function-identity';
import { makeHandler } from '../shared/middleware/make-handler';
import { countEvent, logger, METRIC, recordRollback, watchdogLog } from '../shared/middleware/telemetry';
import { alarmRollbackDeps } from '../shared/runtime/composition-root';
import { readEnv } from '../shared/runtime/env';
import { type AlarmEventResult, handleAlarmEvent } from '../shared/watchdog/handle-alarm-event';

/**
 * alarm-rollback: EventBridge rule on `CloudWatch Alarm State Change`. An event is first
 * authenticated by what AWS guarantees (source, detail-type, this account, the alarm's ARN):
 * a refused one is counted, logged once without its payload, and acknowledged. Foreign and
 * malformed events are logged and acknowledged (returned, never thrown, so they are not retried
 * forever); only infrastructure faults throw, for the async retry and the on-failure destination.
 */
const env = readEnv();
const deps = alarmRollbackDeps(env, { log: watchdogLog });

/** What the handler answers: the alarm handler's result, or a refusal that never reached it. */
export type AlarmRollbackResult = AlarmEventResult & { refused?: string };

export const handler = makeHandler(
  'alarmRollback',
  async (event: unknown, context: Context): Promise<AlarmRollbackResult> => {
    const own = functionIdentity(context, {
      deployed: env.deployed === true,
      topicArn: env.topicArn,
      region: env.homeRegion,
    });
    const check = authenticateAlarmEvent(event, own);
    if (!check.ok) {
      countEvent(METRIC.refusedEvents);
      logger.warn('alarm event refused', { refused: check.refusal, why: check.why });
      return {
        outcome: 'ignored',
        ignored: 'foreign-event',
        reason: `refused: ${check.why}`,
        refused: check.refusal,
        rollouts: [],
      };
    }
    const result = await handleAlarmEvent(deps, event);
    if (result.outcome === 'ignored')
      countEvent(result.ignored === 'no-matching-rollout' ? 'UnmatchedAlarms' : METRIC.malformedEvents);
    if (result.outcome === 'duplicate') countEvent('DuplicateAlarmEvents');
    for (const r of result.rollouts)
      if (r.action === 'rollback' && r.outcome !== 'unchanged') recordRollback('alarm');
    logger.info('alarm event handled', { ...result });
    return result;
  },
);
