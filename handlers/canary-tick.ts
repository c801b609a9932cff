import type { Context } from 'aws-lambda';
import { authenticateTickEvent } from '../shared/events/authenticate-event';
import { functionIdentity } from '../shared/events/function-identity';
import { scheduledEventTime } from '../shared/events/scheduled-event';
import { makeHandler } from '../shared/middleware/make-handler';
import {
  countEvent,
  logger,
  METRIC,
  recordCanaryWeight,
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
 * is the tick's "now" (the sandbox runs time faster than the wall clock). Only the Scheduled
 * Event of the function's own rule (`TICK_RULE_ARN`), from its own account and region, is a tick;
 * in deployed stages its `time` must also be near the wall clock. Anything else is refused,
 * counted and logged once without its payload: a forged tick must not raise inconclusive counts.
 */
const env = readEnv();
const deps = canaryTickDeps(env, { log: watchdogLog });

/** Rollouts listed in the handler's result, so a 1,000-rollout tick answers small. Rollouts. */
const RESULT_ROLLOUT_LIMIT = 50;

/** What the handler answers: the tick's summary, with `refused` set when the event was not a tick. */
export type CanaryTickResult = TickSummary & { refused?: string };

export const handler = makeHandler(
  'canaryTick',
  async (event: unknown, context: Context): Promise<CanaryTickResult> => {
    const started = Date.now();
    const own = functionIdentity(context, {
      deployed: env.deployed === true,
      topicArn: env.topicArn,
      region: env.homeRegion,
    });
    const check = authenticateTickEvent(event, own, {
      ruleArn: env.tickRuleArn,
      // Local and sandbox stages run simulated time, far from the wall clock by design.
      ...(env.deployed ? { wallClock: started } : {}),
    });
    const { time, id } = scheduledEventTime(event);
    if (!check.ok || time === null) {
      countEvent(METRIC.refusedEvents);
      const refused = check.ok ? 'invalid-time' : check.refusal;
      logger.warn('tick event refused', {
        refused,
        why: check.ok ? 'time is not a valid timestamp' : check.why,
      });
      return { ...emptyTickSummary(''), refused };
    }
    const now = time;
    const summary = await runTick(deps, { now, correlationId: id ?? `tick@${new Date(now).toISOString()}` });
    // One value per action, however many rollouts took it (holds are the bulk at scale).
    for (const [action, count] of Object.entries(summary.decisions)) {
      if (count) recordDecision(action as keyof TickSummary['decisions'], count);
    }
    if (summary.decisions.rollback) recordRollback('tick', summary.decisions.rollback);
    if (summary.errors.length > 0) countEvent(METRIC.tickRolloutErrors, summary.errors.length);
    // Every rollout the tick visited, every minute: a continuous line a weight change shows on.
    for (const r of summary.perRollout)
      if (r.canaryWeight !== undefined) recordCanaryWeight(r.endpointName, r.canaryWeight);
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
  },
);
