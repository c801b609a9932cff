import type { DecisionCause, ShadowStart, TickNote } from './decision-cause';
import { evaluateWindow } from './evaluate-window';
import { failedMetrics } from './failed-metrics';
import { isAlarmValue } from './is-alarm-value';
import { isFinal } from './is-final';
import { makeDecision, nextStop } from './make-decision';
import type {
  Action,
  AlarmStateValue,
  Evidence,
  OperatorCommand,
  RolloutPolicy,
  RolloutState,
  ShadowState,
  TickInput,
  Transition,
} from './types';
import { walkSteps } from './walk-steps';

/*
 * A shadow phase (`strategy.canary.shadow`): before any user request reaches the new model, it
 * runs as a shadow variant under the canary variant's name and gets a copy of `samplingPercent`
 * of the production requests, whose answers go nowhere. Its metrics arrive under the canary
 * variant's name, so the window, the metrics, `failureLimit`, `minCanaryInvocations` and the
 * inconclusive streak are the canary's own; only what a decision does differs: a failure ends
 * the rollout with the canary never having had a weight, and a pass applies the first step.
 */

/** The shadow phase a rollout started at `now` runs, or null when the policy has none. */
export function startShadow(policy: RolloutPolicy, now: number): ShadowState | null {
  return policy.shadow ? { startedAt: now, until: now + policy.shadow.durationSeconds * 1000 } : null;
}

/** The start's words for the shadow: how much is copied, until when, and the canary's first weight. */
export function shadowStartOf(policy: RolloutPolicy, shadow: ShadowState): ShadowStart {
  return {
    samplingPercent: policy.shadow?.samplingPercent ?? 0,
    durationSeconds: policy.shadow?.durationSeconds ?? 0,
    until: shadow.until,
    firstWeight: walkSteps(policy, 0, 0).canaryWeight,
  };
}

/** True for a shadow phase that has not become the canary yet (running, passed and being deployed, or ended in). */
export function inShadow(shadow: ShadowState | null | undefined): shadow is ShadowState {
  return shadow != null && shadow.canaryFrom === undefined;
}

/** True while the rollout's new model is a shadow: copied requests only, no user answered by it. */
export function isShadowing(state: Pick<RolloutState, 'phase' | 'shadow'>): boolean {
  return inShadow(state.shadow) && !isFinal(state.phase);
}

/**
 * The periods a tick hands the engine, less those from before the shadow became the canary: the
 * canary is judged on its own traffic only. Unchanged for any other rollout.
 */
export function canaryPeriods(
  state: RolloutState,
  periods: TickInput['periods'] | undefined,
): TickInput['periods'] | undefined {
  const from = state.shadow?.canaryFrom;
  if (from === undefined || !Array.isArray(periods)) return periods;
  return periods.filter((period) => !(typeof period?.time === 'number' && period.time <= from));
}

/**
 * Percent of the production requests copied to the shadow while it runs, else null: what replay
 * prints as `shadowPercent` and what the simulator copies.
 */
export function shadowShare(
  policy: RolloutPolicy,
  state: Pick<RolloutState, 'phase' | 'shadow'>,
): number | null {
  return isShadowing(state) && policy.shadow ? policy.shadow.samplingPercent : null;
}

/**
 * Why an operator command does not fit a shadow, or null when it does. A shadow cannot be
 * promoted: no user request has reached the new model yet, and on an endpoint it is not even a
 * production variant. Pause, resume, abort and rollback apply as to a canary.
 */
export function refusedDuringShadow(state: RolloutState, command: OperatorCommand): string | null {
  if (!isShadowing(state) || (command as { type?: unknown } | null)?.type !== 'promote') return null;
  return 'cannot promote: the new model is still a shadow that has answered no user request; let the shadow pass into the canary steps, or abort';
}

function shadowTransition(
  draft: RolloutState,
  action: Action,
  cause: DecisionCause,
  evidence: Evidence,
): Transition {
  const decision = makeDecision(action, cause, evidence);
  draft.message = decision.reason;
  return { state: draft, decision };
}

/** The shadow failed: final, the canary at 0 % as it always was; `shadow` stays so the watchdog removes the shadow variant. */
function shadowFailed(
  draft: RolloutState,
  cause: Extract<DecisionCause, { kind: 'shadow-failed' }>,
  evidence: Evidence,
): Transition {
  draft.phase = 'RolledBack';
  draft.canaryWeight = 0;
  draft.staged = null;
  draft.pauseCause = null;
  return shadowTransition(draft, 'rollback', cause, evidence);
}

/** A window that starts empty: the canary is judged on its own evidence, never on the shadow's. */
function freshWindow(policy: RolloutPolicy, draft: RolloutState, now: number): void {
  const counters: Record<string, number> = {};
  for (const metric of policy.analysis.metrics) counters[metric.name] = 0;
  draft.recent = [];
  draft.consecutiveFailures = counters;
  draft.consecutiveInconclusive = 0;
  draft.lastPeriodTime = Math.max(draft.lastPeriodTime ?? now, now);
  draft.lastJudgedAt = now;
}

/**
 * Leaves a shadow that passed: the first `setWeight` step(s) apply, the rollout waits on the
 * first pause, and the window starts empty. Inputs: the policy's steps, the passing evidence, `now`.
 */
export function leaveShadow(
  policy: RolloutPolicy,
  draft: RolloutState,
  notes: TickNote[],
  evidence: Evidence,
  now: number,
): Transition {
  const position = walkSteps(policy, 0, 0);
  draft.shadow = { ...(draft.shadow as ShadowState), canaryFrom: now };
  draft.stepIndex = position.stepIndex;
  draft.stepStartedAt = now;
  draft.canaryWeight = position.canaryWeight;
  draft.phase = position.manualPause ? 'Paused' : 'Progressing';
  draft.pauseCause = position.manualPause ? 'step' : null;
  draft.staged = null;
  freshWindow(policy, draft, now);
  return shadowTransition(
    draft,
    'advance',
    {
      kind: 'shadow-passed',
      notes,
      samplingPercent: policy.shadow?.samplingPercent ?? 0,
      durationSeconds: policy.shadow?.durationSeconds ?? 0,
      toWeight: position.canaryWeight,
      next: nextStop(policy, position),
    },
    evidence,
  );
}

/**
 * True when `after` left the shadow that `before` was judging: the shadow passed (whatever
 * wraps the decision, such as a gate that let it go) and its first weight is due.
 */
export function leftShadow(before: RolloutState, after: RolloutState): boolean {
  return (
    inShadow(before.shadow) &&
    before.shadow.passedAt === undefined &&
    after.shadow?.canaryFrom !== undefined &&
    !isFinal(after.phase)
  );
}

/** The shadow's pass with `deployFirst` set, also inside a gate that let it go. */
function deployingFirst(cause: DecisionCause | undefined): DecisionCause | undefined {
  if (cause?.kind === 'shadow-passed') return { ...cause, deployFirst: true };
  if (cause?.kind === 'gate-passed') {
    const then = deployingFirst(cause.then);
    return then ? { ...cause, then } : cause;
  }
  return cause;
}

/**
 * The watchdog's form of a shadow that passed (`transition`, from `judgeTick`): on an endpoint the
 * shadow is not a production variant, so no weight can reach it yet. The rollout leaves the
 * shadow's judgement but keeps the canary at 0 % (and `shadow.passedAt` set) while its model is
 * deployed as the canary variant; `canaryAfterShadow` applies the first step once it is in service.
 * Null for any other decision.
 */
export function deferShadowPass(
  before: RolloutState,
  transition: Transition,
  now: number,
): Transition | null {
  if (!leftShadow(before, transition.state) || !before.shadow) return null;
  const cause = deployingFirst(transition.decision.cause);
  const decision = cause
    ? makeDecision('advance', cause, transition.decision.evidence)
    : { ...transition.decision, action: 'advance' as const };
  return {
    state: {
      ...transition.state,
      phase: 'Progressing',
      pauseCause: null,
      canaryWeight: 0,
      shadow: { ...before.shadow, passedAt: now },
      message: decision.reason,
    },
    decision,
  };
}

/**
 * On an endpoint the shadow that passed must first become a production variant (at 0 %); once it
 * is in service the first step's weight applies with this transition, on a window that starts
 * empty then. `state` is the rollout as it waited (left the shadow, canary still at 0 %).
 */
export function canaryAfterShadow(policy: RolloutPolicy, state: RolloutState, now: number): Transition {
  const position = walkSteps(policy, 0, 0);
  const draft: RolloutState = {
    ...state,
    ...(state.shadow ? { shadow: { ...state.shadow, canaryFrom: now } } : {}),
    stepIndex: position.stepIndex,
    stepStartedAt: now,
    canaryWeight: position.canaryWeight,
    phase: position.manualPause ? 'Paused' : 'Progressing',
    pauseCause: position.manualPause ? 'step' : null,
    staged: null,
  };
  freshWindow(policy, draft, now);
  const evidence = evaluateWindow(policy, [], draft.consecutiveFailures, now, false).evidence;
  return shadowTransition(
    draft,
    'advance',
    { kind: 'shadow-canary-ready', toWeight: position.canaryWeight, next: nextStop(policy, position) },
    evidence,
  );
}

/**
 * A policy alarm entered ALARM during the shadow (an alarm event, between ticks): the shadow
 * fails whatever the alarm's strategy, since a staged rollback has no weight to halve.
 */
export function failShadowOnAlarm(
  policy: RolloutPolicy,
  state: RolloutState,
  alarmName: string,
  evidence: Evidence,
): Transition {
  return shadowFailed(
    { ...state },
    {
      kind: 'shadow-failed',
      notes: [],
      samplingPercent: policy.shadow?.samplingPercent ?? 0,
      metrics: [],
      alarmName,
    },
    evidence,
  );
}

/**
 * Judges one tick of a rollout in its shadow phase (`judgeTick` hands over once the periods are
 * merged into `draft`). Inputs that drive it, in order:
 * 1. `alarms`: any policy alarm entering ALARM fails the shadow (a staged rollback has no weight
 *    to halve: nobody is served by the shadow, so there is nothing to observe at half weight);
 * 2. `analysis.interval`: not due yet → hold;
 * 3. the window's judgement: a metric at its `failureLimit` fails the shadow → RolledBack, the
 *    canary never having had a weight;
 * 4. Paused (an operator, or too many inconclusive judgements): judged, never passed;
 * 5. `inconclusiveLimit` inconclusive judgements in a row → Paused for a person;
 * 6. `shadow.until` reached and a passing judgement → the first step applies (`leaveShadow`);
 *    otherwise the shadow holds.
 */
export function judgeShadow(
  policy: RolloutPolicy,
  draft: RolloutState,
  alarms: TickInput['alarms'],
  notes: TickNote[],
  now: number,
): Transition {
  const shadow = draft.shadow as ShadowState;
  const samplingPercent = policy.shadow?.samplingPercent ?? 0;
  const entered = takeShadowAlarms(policy, draft, alarms);
  if (entered) {
    const preview = evaluateWindow(policy, draft.recent, draft.consecutiveFailures, now, false).evidence;
    return shadowFailed(
      draft,
      { kind: 'shadow-failed', notes, samplingPercent, metrics: [], alarmName: entered },
      { ...preview, alarm: { name: entered, state: 'ALARM' } },
    );
  }

  const intervalMs = policy.analysis.intervalSeconds * 1000;
  if (
    draft.lastJudgedAt !== null &&
    Number.isFinite(draft.lastJudgedAt) &&
    !(now - draft.lastJudgedAt >= intervalMs)
  ) {
    return shadowTransition(
      draft,
      'hold',
      { kind: 'not-due', notes, nextJudgementAt: draft.lastJudgedAt + intervalMs },
      evaluateWindow(policy, draft.recent, draft.consecutiveFailures, now, false).evidence,
    );
  }

  const judgement = evaluateWindow(policy, draft.recent, draft.consecutiveFailures, now);
  const evidence = judgement.evidence;
  draft.consecutiveFailures = judgement.consecutiveFailures;
  draft.lastJudgedAt = now;

  if (judgement.breached.length > 0) {
    const metrics = failedMetrics(policy, judgement.breached);
    return shadowFailed(draft, { kind: 'shadow-failed', notes, samplingPercent, metrics }, evidence);
  }

  // The shadow gets its copies whatever the canary's weight: too little of them is inconclusive.
  if (judgement.verdict === 'inconclusive') draft.consecutiveInconclusive += 1;
  else draft.consecutiveInconclusive = 0;
  const limit = policy.analysis.inconclusiveLimit;
  const pausedNow =
    draft.phase === 'Progressing' &&
    judgement.verdict === 'inconclusive' &&
    draft.consecutiveInconclusive >= limit;
  if (pausedNow) {
    draft.phase = 'Paused';
    draft.pauseCause = 'inconclusive';
  }
  const elapsedSeconds = (now - shadow.startedAt) / 1000;
  const judged: DecisionCause = {
    kind: 'shadow-judged',
    notes,
    samplingPercent,
    until: shadow.until,
    elapsedSeconds,
    durationSeconds: (shadow.until - shadow.startedAt) / 1000,
    verdict: judgement.verdict,
    inconclusive: { count: draft.consecutiveInconclusive, limit },
    pauseCause: draft.phase === 'Paused' ? draft.pauseCause : null,
    pausedNow,
  };
  if (draft.phase === 'Paused')
    return shadowTransition(draft, pausedNow ? 'pause' : 'hold', judged, evidence);
  if (now >= shadow.until && judgement.verdict === 'pass') {
    return leaveShadow(policy, draft, notes, evidence, now);
  }
  return shadowTransition(
    draft,
    judgement.verdict === 'inconclusive' ? 'inconclusive' : 'hold',
    judged,
    evidence,
  );
}

/** Records the tick's alarm states; the first policy alarm that entered ALARM, if any. */
function takeShadowAlarms(
  policy: RolloutPolicy,
  draft: RolloutState,
  alarms: TickInput['alarms'],
): string | null {
  if (typeof alarms !== 'object' || alarms === null || policy.rollback.onAlarms.length === 0) return null;
  let states: Record<string, AlarmStateValue> | null = null;
  let entered: string | null = null;
  for (const entry of policy.rollback.onAlarms) {
    const value = (alarms as Record<string, unknown>)[entry.alarmName];
    if (!isAlarmValue(value)) continue;
    const previous = draft.alarmStates[entry.alarmName];
    if (previous !== value) {
      states ??= { ...draft.alarmStates };
      states[entry.alarmName] = value;
    }
    if (value === 'ALARM' && previous !== 'ALARM') entered ??= entry.alarmName;
  }
  if (states) draft.alarmStates = states;
  return entered;
}
