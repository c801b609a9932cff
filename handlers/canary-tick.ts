import { scheduledEventTime } from '../shared/events/scheduled-event';
import { makeHandler } from '../shared/middleware/make-handler';
import {
  countEvent,
  logger,
  METRIC,
  recordDecision,
  recordRollback,
  recordRolloutsJudged,
  recordTickDuration,
  watchdogLog,
} from '../shared/middleware/telemetry';
import { canaryTickDeps } from '../shared/runtime/compose-canary-tick';
import { readEnv } from '../shared/runtime/env';
import { emptyTickSummary, runTick, type TickSummary } from '../shared/watchdog/run-tick';

/**
 * canary-tick: every minute (EventBridge schedule) judge every active rollout. The event's `time`
 * is the tick's "now" (the sandbox runs time faster than the wall clock).
 */
const deps = canaryTickDeps(readEnv(), { log: watchdogLog });

/** Rollouts listed in the handler's result, so a 1,000-rollout tick answers small. Rollouts. */
const RESULT_ROLLOUT_LIMIT = 50;

export const handler = makeHandler('canaryTick', async (event: unknown): Promise<TickSummary> => {
  const started = Date.now();
  const { time, id } = scheduledEventTime(event);
  if (time === null) {
    // "Now" is the event's time, never the clock (the sandbox runs time faster): nothing to judge against.
    logger.warn('event without a valid time acknowledged; no tick run');
    countEvent(METRIC.malformedEvents);
    return emptyTickSummary('');
  }
  const now = time;
  const summary = await runTick(deps, { now, correlationId: id ?? `tick@${new Date(now).toISOString()}` });
  // One value per action, however many rollouts took it (holds are the bulk at scale).
  for (const [action, count] of Object.entries(summary.decisions)) {
    if (count) recordDecision(action as keyof TickSummary['decisions'], count);
  }
  if (summary.decisions.rollback) recordRollback('tick', summary.decisions.rollback);
  if (summary.errors.length > 0) countEvent('TickRolloutErrors', summary.errors.length);
  recordRolloutsJudged(summary.judged);
  recordTickDuration(Date.now() - started);
  logger.info('tick finished', {
    time: summary.time,
    rollouts: summary.rollouts,
    judged: summary.judged,
    outcomes: summary.outcomes,
    decisions: summary.decisions,
    metricCalls: summary.metricCalls,
    errors: summary.errors.slice(0, 20),
  });
  return { ...summary, perRollout: summary.perRollout.slice(0, RESULT_ROLLOUT_LIMIT) };
});
