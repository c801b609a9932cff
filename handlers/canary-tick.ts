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
import { readEnv } from '../shared/runtime/env';
import { runTick, type TickSummary } from '../shared/watchdog/run-tick';
import { createWatchdogRuntime, numberFromEnv } from '../shared/watchdog/watchdog-runtime';

/**
 * canary-tick: every minute (EventBridge schedule) judge every active rollout. The event's `time`
 * is the tick's "now" (the sandbox runs time faster than the wall clock). Env beyond readEnv():
 * METRIC_SETTLE_SECONDS (newest closed periods to skip), POLICY_TTL_MS, CONTROL_API_URL (for notifications).
 */
const env = readEnv();
const deps = createWatchdogRuntime(env, {
  log: watchdogLog,
  ...(numberFromEnv(process.env.METRIC_SETTLE_SECONDS) !== undefined
    ? { metricSettleSeconds: numberFromEnv(process.env.METRIC_SETTLE_SECONDS) }
    : {}),
  ...(numberFromEnv(process.env.POLICY_TTL_MS) !== undefined
    ? { policyTtlMs: numberFromEnv(process.env.POLICY_TTL_MS) }
    : {}),
  ...(process.env.CONTROL_API_URL ? { apiUrl: process.env.CONTROL_API_URL } : {}),
});

/** What the tick returns (the per-rollout list is capped so a 1,000-rollout result stays small). */
export type TickResult = Omit<TickSummary, 'perRollout'> & { perRollout: TickSummary['perRollout'] };

/** Rollouts listed in the handler's result. Rollouts. */
const RESULT_ROLLOUT_LIMIT = 50;

function emptySummary(): TickSummary {
  return {
    time: '',
    rollouts: 0,
    judged: 0,
    outcomes: {},
    decisions: {},
    notifications: 0,
    metricCalls: 0,
    alarmCalls: 0,
    errors: [],
    perRollout: [],
  };
}

export const handler = makeHandler('canaryTick', async (event: unknown): Promise<TickResult> => {
  const started = Date.now();
  const { time, id } = scheduledEventTime(event);
  if (time === null) {
    // "Now" is the event's time, never the clock (the sandbox runs time faster): nothing to judge against.
    logger.warn('event without a valid time acknowledged; no tick run');
    countEvent(METRIC.malformedEvents);
    return { ...emptySummary(), perRollout: [] };
  }
  const now = time;
  const summary = await runTick(deps, { now, correlationId: id ?? `tick@${new Date(now).toISOString()}` });
  for (const [action, count] of Object.entries(summary.decisions)) {
    if (action === 'hold') {
      // Holds are the bulk at scale: counted in one value rather than one per rollout.
      countEvent(METRIC.decisions, count ?? 0);
      countEvent('HoldDecisions', count ?? 0);
      continue;
    }
    for (let i = 0; i < (count ?? 0); i++) recordDecision(action as keyof TickSummary['decisions']);
  }
  for (let i = 0; i < (summary.decisions.rollback ?? 0); i++) recordRollback('tick');
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
