import { applyAlarm } from '../domain/index';
import type { AlarmStateValue } from '../domain/types';
import { type AlarmStateChangeEvent, parseAlarmStateChangeEvent } from '../events/alarm-state-change-event';
import type { RolloutRecord } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import { applyIntent, commitTransition, describeError } from './commit-transition';
import { retryWithBackoff } from './retry';
import { type WatchdogDeps } from './watchdog-deps';

/** How long an idempotency receipt of an alarm event is kept. Seconds (EventBridge retries for up to 24 h). */
export const ALARM_EVENT_RECEIPT_TTL_SECONDS = 2 * 24 * 3600;

/**
 * How long the alarm handler keeps retrying a rollback on an endpoint that is Updating before it
 * leaves the intent for the next tick. Wall-clock milliseconds.
 */
export const DEFAULT_ALARM_APPLY_WAIT_MS = 20_000;

/** Times one rollout is re-read and re-decided after a version conflict. Attempts. */
const MAX_ALARM_ATTEMPTS = 3;

export interface AlarmDeps extends WatchdogDeps {
  /** Default DEFAULT_ALARM_APPLY_WAIT_MS. */
  applyWaitMs?: number;
}

export type AlarmRolloutOutcome = 'applied' | 'deferred' | 'unchanged' | 'stale' | 'conflict' | 'failed';

/**
 * Why an alarm event changed nothing, as data the handler counts by: an event that is not an
 * alarm state change, one that is but does not parse, or one whose alarm no active rollout names.
 */
export type AlarmIgnoreReason = 'foreign-event' | 'malformed-event' | 'no-matching-rollout';

export interface AlarmEventResult {
  /**
   * acted: matched rollouts were processed; ignored: see `ignored`; duplicate: this exact state
   * change was processed before.
   */
  outcome: 'acted' | 'ignored' | 'duplicate';
  /** Set when `outcome` is `ignored`. */
  ignored?: AlarmIgnoreReason;
  /** The outcome in words, for the log. */
  reason: string;
  alarmName?: string;
  state?: AlarmStateValue;
  rollouts: Array<{ endpointName: string; outcome: AlarmRolloutOutcome; action?: string; weights?: string }>;
}

/**
 * Acts on one `CloudWatch Alarm State Change` event. Inputs that drive it: the event's
 * detail-type and shape (foreign or malformed → logged and acknowledged, nothing changed), the
 * alarm name (matched against every active rollout's `rollback.onAlarms`, by name — never by
 * metric), the idempotency key (alarm ARN + state timestamp + value: a duplicate acts once),
 * the newest state timestamp already processed for that alarm (older events are ignored), and
 * the engine's `applyAlarm` (INSUFFICIENT_DATA holds; ALARM rolls back). A rollback on an
 * endpoint that is Updating is retried with backoff for `applyWaitMs`, then left to the tick.
 * Time is the event's `time`, never the clock. Throws only for infrastructure faults (after
 * giving the idempotency claim back, so the retried delivery acts).
 */
export async function handleAlarmEvent(deps: AlarmDeps, input: unknown): Promise<AlarmEventResult> {
  const log = deps.log ?? SILENT_LOG;
  const parsed = parseAlarmStateChangeEvent(input);
  if (!parsed.ok) {
    log.warn(parsed.kind === 'foreign' ? 'foreign event ignored' : 'malformed alarm event ignored', {
      problems: parsed.problems.slice(0, 10),
    });
    return {
      outcome: 'ignored',
      ignored: parsed.kind === 'foreign' ? 'foreign-event' : 'malformed-event',
      reason: `${parsed.kind} event`,
      rollouts: [],
    };
  }
  const event = parsed.event;
  const { alarmName, state } = event.detail;
  const now = Date.parse(event.time);
  const base = { alarmName, state: state.value } as const;

  const matching = (await deps.store.listActiveForAlarm(alarmName)).filter((r) => r.region === event.region);
  if (matching.length === 0) {
    log.info('no active rollout names this alarm; acknowledged', { alarmName, region: event.region });
    return {
      ...base,
      outcome: 'ignored',
      ignored: 'no-matching-rollout',
      reason: 'no active rollout names this alarm',
      rollouts: [],
    };
  }

  const alarmArn = event.resources[0] ?? `alarm:${event.region}:${alarmName}`;
  const key = `${alarmArn}#${state.timestamp}#${state.value}`;
  if (!(await deps.store.claimEvent(key, ALARM_EVENT_RECEIPT_TTL_SECONDS, now))) {
    log.info('duplicate alarm event acknowledged', { alarmName, key });
    return { ...base, outcome: 'duplicate', reason: 'already processed', rollouts: [] };
  }

  try {
    const rollouts: AlarmEventResult['rollouts'] = [];
    for (const record of matching) {
      rollouts.push(await actOnRollout(deps, record, event, now));
    }
    return { ...base, outcome: 'acted', reason: `alarm ${alarmName} ${state.value}`, rollouts };
  } catch (error) {
    await deps.store.releaseEvent(key).catch(() => undefined);
    log.error('alarm event failed; released for retry', { alarmName, error: describeError(error) });
    throw error;
  }
}

async function actOnRollout(
  deps: AlarmDeps,
  listed: { endpointName: string },
  event: AlarmStateChangeEvent,
  now: number,
): Promise<AlarmEventResult['rollouts'][number]> {
  const { alarmName, state } = event.detail;
  const stateTime = Date.parse(state.timestamp);
  const endpointName = listed.endpointName;
  let record: RolloutRecord | undefined;
  for (let attempt = 0; attempt < MAX_ALARM_ATTEMPTS; attempt++) {
    // The listing comes from an eventually consistent index: decide on a strongly consistent read.
    record = await deps.store.get(endpointName);
    if (!record?.policy.rollback.onAlarms.some((a) => a.alarmName === alarmName))
      return { endpointName, outcome: 'unchanged' };
    const seen = record.lastAlarmEvent?.[alarmName];
    if (seen !== undefined && Date.parse(seen) >= stateTime) return { endpointName, outcome: 'stale' };

    const transition = applyAlarm(record.policy, record.state, alarmName, state.value, now, {
      ...(state.reason ? { reason: state.reason } : {}),
    });
    const committed = await commitTransition(deps, record, transition, {
      source: 'alarm',
      correlationId: event.id ?? `${alarmName}@${state.timestamp}`,
      now,
      patch: { lastAlarmEvent: { ...record.lastAlarmEvent, [alarmName]: state.timestamp } },
    });
    if (committed.outcome === 'conflict') continue;
    if (committed.outcome === 'deferred') {
      // Rollback wins: keep trying while the endpoint finishes its update, then leave it to the tick.
      const settled = await retryWithBackoff(
        async () => {
          const latest = await deps.store.get(endpointName);
          if (!latest || latest.state.canaryWeight === latest.appliedCanaryWeight)
            return { done: true, value: 'applied' as const };
          const applied = await applyIntent(deps, latest, { now });
          return { done: applied.status !== 'deferred', value: applied.status };
        },
        { maxElapsedMs: deps.applyWaitMs ?? DEFAULT_ALARM_APPLY_WAIT_MS },
      );
      return {
        endpointName,
        outcome: settled.value === 'applied' ? 'applied' : settled.value === 'failed' ? 'failed' : 'deferred',
        action: transition.decision.action,
      };
    }
    return {
      endpointName,
      outcome:
        committed.outcome === 'unchanged'
          ? 'unchanged'
          : committed.weights === 'failed'
            ? 'failed'
            : 'applied',
      action: transition.decision.action,
      weights: committed.weights,
    };
  }
  return { endpointName, outcome: 'conflict' };
}
