import { cloneState } from './clone-state';
import type { DecisionCause, StepCompletion, StepJudgement, TickNote } from './decision-cause';
import { evaluateWindow } from './evaluate-window';
import { failedMetrics } from './failed-metrics';
import { isAlarmValue } from './is-alarm-value';
import { isFinal } from './is-final';
import { canaryPeriods, inShadow, judgeShadow } from './judge-shadow';
import { makeDecision, nextStop, stepRef } from './make-decision';
import { mergePeriods } from './merge-periods';
import { triggerAlarm } from './trigger-alarm';
import type {
  Action,
  AlarmRollbackPolicy,
  AlarmStateValue,
  Evidence,
  RolloutPolicy,
  RolloutState,
  StagedRollbackState,
  TickInput,
  Transition,
  Verdict,
} from './types';
import { walkSteps } from './walk-steps';

/*
 * The decisions of a tick, as data: every branch below names its cause (see decision-cause.ts)
 * and leaves the words to shared/wording/describe-decision.ts.
 */

/** Finishes a transition on the engine's own draft copy of the state (see cloneState). */
function transition(
  draft: RolloutState,
  action: Action,
  cause: DecisionCause,
  evidence: Evidence,
): Transition {
  const decision = makeDecision(action, cause, evidence);
  draft.message = decision.reason;
  return { state: draft, decision };
}

/** A look at the window for decisions that are not judgements (stale input, interval not due, final phases). */
export function previewEvidence(policy: RolloutPolicy, state: RolloutState, now: number): Evidence {
  return evaluateWindow(policy, state.recent, state.consecutiveFailures, now, false).evidence;
}

function rolledBack(draft: RolloutState, cause: DecisionCause, evidence: Evidence): Transition {
  draft.phase = 'RolledBack';
  draft.canaryWeight = 0;
  draft.staged = null;
  draft.pauseCause = null;
  return transition(draft, 'rollback', cause, evidence);
}

function promoted(
  policy: RolloutPolicy,
  draft: RolloutState,
  cause: Extract<DecisionCause, { kind: 'promoted' }>,
  evidence: Evidence,
  now: number,
): Transition {
  draft.phase = 'Promoted';
  draft.canaryWeight = 100;
  draft.stepIndex = policy.steps.length;
  draft.stepStartedAt = now;
  draft.staged = null;
  draft.pauseCause = null;
  return transition(draft, 'promote', cause, evidence);
}

/** Why the rollout may move on: what completed and what the judgement said. */
interface Completion {
  notes: TickNote[];
  completed: StepCompletion;
  judgement: StepJudgement;
}

/**
 * Moves past the timed pause the rollout waits on (its time is up and the judgement passed):
 * applies the following `setWeight`s, then waits on the next pause, or promotes after the last
 * step. Inputs: the policy's steps, the state's step index and weight, the judgement's evidence.
 */
function advance(
  policy: RolloutPolicy,
  draft: RolloutState,
  why: Completion,
  evidence: Evidence,
  now: number,
): Transition {
  const position = walkSteps(policy, draft.stepIndex + 1, draft.canaryWeight);
  const next = nextStop(policy, position);
  if (next.kind === 'promotion') {
    return promoted(policy, draft, { kind: 'promoted', ...why }, evidence, now);
  }
  const before = draft.canaryWeight;
  draft.stepIndex = position.stepIndex;
  draft.stepStartedAt = now;
  draft.canaryWeight = position.canaryWeight;
  draft.phase = position.manualPause ? 'Paused' : 'Progressing';
  draft.pauseCause = position.manualPause ? 'step' : null;
  const weightChanged = position.canaryWeight !== before;
  return transition(
    draft,
    weightChanged || !position.manualPause ? 'advance' : 'pause',
    { kind: 'advanced', ...why, fromWeight: before, toWeight: position.canaryWeight, next },
    evidence,
  );
}

/**
 * Judges one tick of a rollout and decides what happens next. Pure: the same inputs always give
 * the same transition, and it never throws on any syntactically valid input (NaN, negatives,
 * missing variants and nulls are "no data").
 *
 * Inputs that drive the decision, in order:
 * 1. a final `state.phase`: nothing changes (rollback, abort and promotion are final);
 * 2. `input.periods`: merged into the window; when every one is stale, nothing changes;
 * 3. `input.alarms`: a policy alarm entering ALARM rolls back (`immediate`) or halves the canary (`staged`);
 * 4. `now - state.lastJudgedAt` against `analysis.interval`: not due yet → hold;
 * 5. the window's judgement (see `evaluateWindow`): a metric at its `failureLimit` rolls back,
 *    even while Paused (a paused canary still takes traffic, so it is still protected);
 * 6. a staged rollback's observation end: alarm still in ALARM or a metric failing → rollback, else restore;
 * 7. `inconclusiveLimit` inconclusive judgements in a row → Paused for a person;
 * 8. the current step: a timed pause completes when its time is up AND the judgement passes,
 *    then the next `setWeight`s apply; after the last step (and a pass) the canary is promoted.
 */
export function judgeTick(
  policy: RolloutPolicy,
  state: RolloutState,
  input: TickInput,
  now: number,
): Transition {
  if (isFinal(state.phase)) {
    return {
      state,
      decision: makeDecision(
        'hold',
        { kind: 'input-ignored', phase: state.phase },
        previewEvidence(policy, state, now),
      ),
    };
  }

  const merge = mergePeriods(
    policy,
    state.recent,
    state.lastPeriodTime,
    canaryPeriods(state, input?.periods),
    now,
  );
  if (merge.accepted === 0 && merge.stale > 0) {
    return {
      state,
      decision: makeDecision(
        'hold',
        { kind: 'stale-input', stalePeriods: merge.stale, lastPeriodTime: state.lastPeriodTime },
        previewEvidence(policy, state, now),
      ),
    };
  }
  // From here on `s` is the engine's own copy: edited in place, returned as the next state.
  let s = cloneState(state);
  s.recent = merge.recent;
  s.lastPeriodTime = merge.lastPeriodTime;
  const notes: TickNote[] = [];
  if (merge.future > 0) notes.push({ kind: 'future-periods', count: merge.future, now });
  // A shadow is judged on the same window, but its decisions differ (see judge-shadow.ts).
  if (inShadow(s.shadow)) return judgeShadow(policy, s, input?.alarms, notes, now);

  // Alarms act on transitions into ALARM (the last seen value is kept per alarm), so a level
  // reported on every tick acts once.
  const alarmed = takeAlarms(policy, s, input?.alarms, notes, now);
  if ('rollback' in alarmed) return alarmed.rollback;
  s = alarmed.state;
  const alarmEvidence = alarmed.alarmEvidence;
  const withAlarm = (evidence: Evidence): Evidence =>
    alarmEvidence ? { ...evidence, alarm: alarmEvidence } : evidence;

  const intervalMs = policy.analysis.intervalSeconds * 1000;
  if (s.lastJudgedAt !== null && Number.isFinite(s.lastJudgedAt) && !(now - s.lastJudgedAt >= intervalMs)) {
    return transition(
      s,
      'hold',
      { kind: 'not-due', notes, nextJudgementAt: s.lastJudgedAt + intervalMs },
      withAlarm(previewEvidence(policy, s, now)),
    );
  }

  const judgement = evaluateWindow(policy, s.recent, s.consecutiveFailures, now);
  const evidence = withAlarm(judgement.evidence);
  s.consecutiveFailures = judgement.consecutiveFailures;
  s.lastJudgedAt = now;

  if (judgement.breached.length > 0) {
    const metrics = failedMetrics(policy, judgement.breached);
    return rolledBack(s, { kind: 'metric-failed', notes, metrics }, evidence);
  }

  const countsInconclusive = s.canaryWeight > 0;
  if (judgement.verdict !== 'inconclusive') s.consecutiveInconclusive = 0;
  else if (countsInconclusive) s.consecutiveInconclusive += 1;

  if (s.staged) return judgeStaged(policy, s, s.staged, judgement.verdict, notes, evidence, now);

  if (s.phase === 'Paused') {
    return transition(
      s,
      'hold',
      {
        kind: 'paused',
        notes,
        pauseCause: s.pauseCause,
        at: stepRef(policy, s.stepIndex),
        verdict: judgement.verdict,
      },
      evidence,
    );
  }

  if (judgement.verdict === 'fail') {
    return transition(s, 'hold', { kind: 'failing', notes }, evidence);
  }

  return judgeStep(policy, s, judgement.verdict, countsInconclusive, notes, evidence, now);
}

/**
 * The tick's alarm states, acted on where a policy alarm entered ALARM: an `immediate` one rolls
 * back at once (the whole decision); `staged` ones halve the canary and become notes.
 */
function takeAlarms(
  policy: RolloutPolicy,
  draft: RolloutState,
  alarms: TickInput['alarms'],
  notes: TickNote[],
  now: number,
): { rollback: Transition } | { state: RolloutState; alarmEvidence: Evidence['alarm'] } {
  let s = draft;
  let alarmEvidence: Evidence['alarm'];
  if (typeof alarms !== 'object' || alarms === null || policy.rollback.onAlarms.length === 0) {
    return { state: s, alarmEvidence };
  }
  let alarmStates: Record<string, AlarmStateValue> | null = null;
  const entered: AlarmRollbackPolicy[] = [];
  for (const entry of policy.rollback.onAlarms) {
    const value = (alarms as Record<string, unknown>)[entry.alarmName];
    if (!isAlarmValue(value)) continue;
    const previous = s.alarmStates[entry.alarmName];
    if (previous !== value) {
      alarmStates ??= { ...s.alarmStates };
      alarmStates[entry.alarmName] = value;
    }
    if (value === 'ALARM' && previous !== 'ALARM') entered.push(entry);
  }
  if (alarmStates) s.alarmStates = alarmStates;
  const immediate = entered.find((entry) => entry.strategy === 'immediate');
  if (immediate) {
    // The rollback is the whole story: notes of this tick are not told.
    const effect = triggerAlarm(immediate, s, now);
    const evidence = {
      ...previewEvidence(policy, s, now),
      alarm: { name: immediate.alarmName, state: 'ALARM' as const },
    };
    return { rollback: { state: effect.state, decision: makeDecision('rollback', effect.cause, evidence) } };
  }
  for (const entry of entered) {
    const effect = triggerAlarm(entry, s, now);
    s = effect.state;
    if (effect.cause.kind !== 'alarm-rollback') notes.push(effect.cause);
    alarmEvidence = { name: entry.alarmName, state: 'ALARM' };
  }
  return { state: s, alarmEvidence };
}

/**
 * A staged rollback in observation: at its end, any policy alarm still in ALARM or a failing
 * judgement rolls back, otherwise the weight is restored; before it, the rollout holds.
 */
function judgeStaged(
  policy: RolloutPolicy,
  s: RolloutState,
  staged: StagedRollbackState,
  verdict: Verdict,
  notes: TickNote[],
  evidence: Evidence,
  now: number,
): Transition {
  if (now >= staged.observeUntil) {
    const stillAlarming = policy.rollback.onAlarms
      .filter((entry) => s.alarmStates[entry.alarmName] === 'ALARM')
      .map((entry) => entry.alarmName);
    if (stillAlarming.length > 0 || verdict === 'fail') {
      return rolledBack(
        s,
        { kind: 'staged-rollback', notes, alarmName: staged.alarmName, stillAlarming },
        evidence,
      );
    }
    const halved = s.canaryWeight;
    s.canaryWeight = staged.restoreWeight;
    s.staged = null;
    return transition(
      s,
      'advance',
      {
        kind: 'staged-restored',
        notes,
        alarmName: staged.alarmName,
        fromWeight: halved,
        toWeight: staged.restoreWeight,
      },
      evidence,
    );
  }
  return transition(
    s,
    'hold',
    {
      kind: 'staged-observing',
      notes,
      alarmName: staged.alarmName,
      canaryWeight: s.canaryWeight,
      observeUntil: staged.observeUntil,
    },
    evidence,
  );
}

/**
 * The step in progress of a Progressing rollout whose judgement did not fail: too many
 * inconclusive judgements pause it; a timed pause whose time is up (and a pass, or a canary at
 * 0 % with nothing to judge) moves it on; otherwise it holds.
 */
function judgeStep(
  policy: RolloutPolicy,
  s: RolloutState,
  verdict: Verdict,
  countsInconclusive: boolean,
  notes: TickNote[],
  evidence: Evidence,
  now: number,
): Transition {
  const step = policy.steps[s.stepIndex];
  const elapsed = now - s.stepStartedAt;
  const timeUp =
    step?.kind === 'pause' && step.durationSeconds !== null && elapsed >= step.durationSeconds * 1000;

  if (verdict === 'inconclusive') {
    const limit = policy.analysis.inconclusiveLimit;
    if (countsInconclusive && s.consecutiveInconclusive >= limit) {
      s.phase = 'Paused';
      s.pauseCause = 'inconclusive';
      return transition(
        s,
        'pause',
        { kind: 'inconclusive', notes, count: s.consecutiveInconclusive, limit, paused: true },
        evidence,
      );
    }
    // With the canary at 0 % there is nothing to judge and nothing at risk: a timed pause is a plain wait.
    if (!(timeUp && !countsInconclusive)) {
      return transition(
        s,
        'inconclusive',
        { kind: 'inconclusive', notes, count: s.consecutiveInconclusive, limit, paused: false },
        evidence,
      );
    }
  }

  const passing: StepJudgement = verdict === 'pass' ? 'pass' : 'canary-at-zero';
  if (!step) {
    return promoted(
      policy,
      s,
      { kind: 'promoted', notes, completed: { kind: 'all-steps' }, judgement: passing },
      evidence,
      now,
    );
  }
  if (step.kind === 'setWeight' || (step.kind === 'pause' && step.durationSeconds === null)) {
    // Not a state this engine creates (it always waits on a timed pause while Progressing);
    // recover by walking the steps from here.
    const position = walkSteps(policy, s.stepIndex, s.canaryWeight);
    if (position.stepIndex === s.stepIndex && position.manualPause) {
      s.phase = 'Paused';
      s.pauseCause = 'step';
      return transition(
        s,
        'pause',
        { kind: 'manual-pause-reached', notes, at: stepRef(policy, s.stepIndex) },
        evidence,
      );
    }
    s.stepIndex = position.stepIndex - 1;
    return advance(policy, s, { notes, completed: { kind: 'recovered' }, judgement: passing }, evidence, now);
  }
  const durationSeconds = step.durationSeconds!;
  if (timeUp) {
    return advance(
      policy,
      s,
      { notes, completed: { kind: 'pause', durationSeconds }, judgement: passing },
      evidence,
      now,
    );
  }
  return transition(
    s,
    'hold',
    {
      kind: 'step',
      notes,
      at: stepRef(policy, s.stepIndex),
      elapsedSeconds: elapsed / 1000,
      durationSeconds,
      judgement: passing,
    },
    evidence,
  );
}
