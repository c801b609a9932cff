import { applyAlarm } from '../domain/index';
import type { AlarmStateValue } from '../domain/types';
import { type AlarmStateChangeEvent, parseAlarmStateChangeEvent } from '../events/alarm-state-change-event';
import type { RolloutRecord } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import { applyIntent, type ApplyIntentResult, commitTransition, drainOwner } from './commit-transition';
import { drainOutbox } from './outbox';
import { retryWithBackoff } from './retry';
import { type WatchdogDeps } from './watchdog-deps';

/**
 * How long the alarm handler keeps trying to get a rollback's weights accepted by SageMaker (an
 * endpoint Updating, throttling, a 5xx) before it throws, so Lambda's async retry and the
 * on-failure destination take over. Wall-clock milliseconds.
 */
export const DEFAULT_ALARM_APPLY_WAIT_MS = 20_000;

/** Times one rollout is re-read and re-decided after a version conflict. Attempts. */
const MAX_ALARM_ATTEMPTS = 3;

export interface AlarmDeps extends WatchdogDeps {
  /** Default DEFAULT_ALARM_APPLY_WAIT_MS. */
  applyWaitMs?: number;
}

export type AlarmRolloutOutcome =
  'applied' | 'deferred' | 'unchanged' | 'duplicate' | 'stale' | 'conflict' | 'failed';

/** One rollout's result; `unfinished` says what a retry of the event must still do. */
export interface AlarmRolloutResult {
  endpointName: string;
  outcome: AlarmRolloutOutcome;
  action?: string;
  weights?: string;
  /** The decision is committed but its weights or announcements are not done, and a retry may finish them. */
  unfinished?: string;
}

/**
 * Thrown after an alarm's decision is committed when its weights could not be sent or its history
 * and notification could not be written within the handler's wait: Lambda retries the event (the
 * retry finishes the work; the decision is not taken twice) and, after its retries, hands it to
 * the on-failure destination.
 */
export class AlarmActionIncompleteError extends Error {
  override readonly name = 'AlarmActionIncompleteError';
  constructor(
    readonly alarmName: string,
    readonly rollouts: ReadonlyArray<AlarmRolloutResult>,
  ) {
    super(
      `alarm ${alarmName}: decided, not finished: ${rollouts
        .map((r) => `${r.endpointName} (${r.unfinished ?? r.outcome})`)
        .join('; ')}`,
    );
  }
}

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
  rollouts: AlarmRolloutResult[];
}

/**
 * Acts on one `CloudWatch Alarm State Change` event. Inputs that drive it: the event's
 * detail-type and shape (foreign or malformed → logged and acknowledged, nothing changed), the
 * alarm name (matched against every active rollout's `rollback.onAlarms`, by name — never by
 * metric), the event's receipt in each rollout (alarm ARN + state timestamp + value, written in
 * the same conditional write as the decision: a redelivery is a duplicate there, and a duplicate
 * finishes what the first delivery left undone), the newest state timestamp already processed for
 * that alarm (older events are stale), and the engine's `applyAlarm` (INSUFFICIENT_DATA holds;
 * ALARM rolls back). Time is the event's `time`, never the clock.
 *
 * Throws AlarmActionIncompleteError when a decision is committed but its weights were not accepted
 * by SageMaker within `applyWaitMs` for a reason a retry may get past, or its history and
 * notification could not be written; throws the store's error when no decision could be read or
 * written. Either way the retried delivery acts or finishes, and never decides twice.
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
  const receipt = { key: `${alarmArn}#${state.timestamp}#${state.value}`, time: state.timestamp };
  const rollouts: AlarmRolloutResult[] = [];
  for (const listed of matching)
    rollouts.push(await actOnRollout(deps, listed.endpointName, event, now, receipt));

  const unfinished = rollouts.filter((r) => r.unfinished !== undefined);
  if (unfinished.length > 0) {
    log.error('alarm decision committed but not finished; throwing for a retry', {
      alarmName,
      rollouts: unfinished,
    });
    throw new AlarmActionIncompleteError(alarmName, unfinished);
  }
  if (rollouts.every((r) => r.outcome === 'duplicate')) {
    log.info('duplicate alarm event acknowledged', { alarmName, key: receipt.key });
    return { ...base, outcome: 'duplicate', reason: 'already processed', rollouts };
  }
  return { ...base, outcome: 'acted', reason: `alarm ${alarmName} ${state.value}`, rollouts };
}

async function actOnRollout(
  deps: AlarmDeps,
  endpointName: string,
  event: AlarmStateChangeEvent,
  now: number,
  receipt: { key: string; time: string },
): Promise<AlarmRolloutResult> {
  const { alarmName, state } = event.detail;
  const stateTime = Date.parse(state.timestamp);
  const correlationId = event.id ?? `${alarmName}@${state.timestamp}`;
  // One drain owner for this run: if the commit's reply was lost and this run finds its own
  // receipt, it still drains what that commit enqueued instead of waiting out its own lease.
  const owner = drainOwner('alarm', correlationId);
  for (let attempt = 0; attempt < MAX_ALARM_ATTEMPTS; attempt++) {
    // The listing comes from an eventually consistent index: decide on a strongly consistent read.
    const record = await deps.store.get(endpointName);
    if (!record?.policy.rollback.onAlarms.some((a) => a.alarmName === alarmName))
      return { endpointName, outcome: 'unchanged' };
    // A blue/green deployment's alarms are SageMaker's to act on (AutoRollbackConfiguration); the tick records the outcome.
    if (record.state.blueGreen) return { endpointName, outcome: 'unchanged' };
    if (record.receipts?.[receipt.key] !== undefined)
      return finishPending(deps, record, { outcome: 'duplicate', now, owner });
    const seen = record.lastAlarmEvent?.[alarmName];
    if (seen !== undefined && Date.parse(seen) >= stateTime)
      return finishPending(deps, record, { outcome: 'stale', now, owner });

    const transition = applyAlarm(record.policy, record.state, alarmName, state.value, now, {
      ...(state.reason ? { reason: state.reason } : {}),
    });
    const committed = await commitTransition(deps, record, transition, {
      source: 'alarm',
      correlationId,
      now,
      patch: { lastAlarmEvent: { ...record.lastAlarmEvent, [alarmName]: state.timestamp } },
      receipt,
      owner,
    });
    if (committed.outcome === 'conflict') continue;
    const action = transition.decision.action;
    if (committed.outcome === 'unchanged') return { endpointName, outcome: 'unchanged', action };
    const needsWeights =
      committed.weights === 'deferred' || (committed.weights === 'failed' && committed.retryable === true);
    if (needsWeights || (committed.drain?.error && committed.drain.pending > 0))
      return {
        ...(await finishPending(deps, committed.record, { outcome: 'applied', now, owner })),
        action,
      };
    return {
      endpointName,
      outcome: committed.weights === 'failed' ? 'failed' : 'applied',
      action,
      weights: committed.weights,
    };
  }
  return { endpointName, outcome: 'conflict' };
}

/**
 * Finishes what a committed decision still owes, within the handler's wait: its weights accepted
 * by SageMaker (a rollback wins: keep trying while the endpoint is Updating or throttled) and its
 * outbox drained. What is still undone after the wait, for a reason a retry may get past, is
 * reported as `unfinished`.
 */
async function finishPending(
  deps: AlarmDeps,
  record: RolloutRecord,
  ctx: { outcome: AlarmRolloutOutcome; now: number; owner: string },
): Promise<AlarmRolloutResult> {
  const endpointName = record.endpointName;
  let latest: RolloutRecord = record;
  let weights: string | undefined;
  let unfinished: string | undefined;
  if (latest.state.canaryWeight !== latest.appliedCanaryWeight) {
    const settled = await retryWithBackoff<
      { status: ApplyIntentResult['status']; error?: string } | undefined
    >(
      async () => {
        const fresh = await deps.store.get(endpointName);
        if (!fresh || fresh.rolloutId !== record.rolloutId) return { done: true, value: undefined };
        latest = fresh;
        if (fresh.state.canaryWeight === fresh.appliedCanaryWeight)
          return { done: true, value: { status: 'applied' as const } };
        const applied = await applyIntent(deps, fresh, { now: ctx.now });
        latest = applied.record;
        const done =
          applied.status === 'applied' ||
          applied.status === 'sent' ||
          (applied.status === 'failed' && !applied.retryable);
        return { done, value: applied };
      },
      { maxElapsedMs: deps.applyWaitMs ?? DEFAULT_ALARM_APPLY_WAIT_MS },
    );
    weights = settled.value?.status;
    if (!settled.done) unfinished = `weights not accepted: ${settled.value?.error ?? 'endpoint busy'}`;
  }
  if ((latest.outbox?.length ?? 0) > 0) {
    const drained = await drainOutbox(deps, latest, ctx.owner);
    if (drained.error && drained.pending > 0)
      unfinished = [unfinished, `announcements pending: ${drained.error}`].filter(Boolean).join('; ');
  }
  const outcome: AlarmRolloutOutcome =
    ctx.outcome !== 'applied'
      ? ctx.outcome
      : weights === 'failed'
        ? 'failed'
        : weights === 'deferred'
          ? 'deferred'
          : 'applied';
  return {
    endpointName,
    outcome,
    ...(weights ? { weights } : {}),
    ...(unfinished ? { unfinished } : {}),
  };
}
