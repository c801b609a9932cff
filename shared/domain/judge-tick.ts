import { cloneState } from './clone-state';
import { evaluateWindow, type WindowJudgement } from './evaluate-window';
import { formatDuration, formatTime } from '../wording/format-values';
import { isFinal } from './is-final';
import { makeDecision, stepLabel, trafficNote } from './make-decision';
import { mergePeriods } from './merge-periods';
import { triggerAlarm } from './trigger-alarm';
import type {
  Action,
  AlarmRollbackPolicy,
  AlarmStateValue,
  Evidence,
  RolloutPolicy,
  RolloutState,
  TickInput,
  Transition,
} from './types';
import { walkSteps } from './walk-steps';

const isAlarmValue = (value: unknown): value is AlarmStateValue =>
  value === 'OK' || value === 'ALARM' || value === 'INSUFFICIENT_DATA';

/** Finishes a transition on the engine's own draft copy of the state (see cloneState). */
function transition(draft: RolloutState, action: Action, reason: string, evidence: Evidence): Transition {
  draft.message = reason;
  return { state: draft, decision: makeDecision(action, reason, evidence) };
}

function metricReasons(
  judgement: WindowJudgement,
  verdict: 'pass' | 'fail' | 'inconclusive' | 'all',
): string {
  const parts: string[] = [];
  for (const metric of judgement.evidence.metrics) {
    if (verdict === 'all' || metric.verdict === verdict) parts.push(metric.reason);
  }
  return parts.join('; ');
}

/** A look at the window for decisions that are not judgements (stale input, interval not due, final phases). */
export function previewEvidence(policy: RolloutPolicy, state: RolloutState, now: number): Evidence {
  return evaluateWindow(policy, state.recent, state.consecutiveFailures, now, false).evidence;
}

function rolledBack(draft: RolloutState, reason: string, evidence: Evidence): Transition {
  draft.phase = 'RolledBack';
  draft.canaryWeight = 0;
  draft.staged = null;
  draft.pauseCause = null;
  return transition(draft, 'rollback', reason, evidence);
}

function promoted(
  policy: RolloutPolicy,
  draft: RolloutState,
  reason: string,
  evidence: Evidence,
  now: number,
): Transition {
  draft.phase = 'Promoted';
  draft.canaryWeight = 100;
  draft.stepIndex = policy.steps.length;
  draft.stepStartedAt = now;
  draft.staged = null;
  draft.pauseCause = null;
  return transition(draft, 'promote', reason, evidence);
}

/**
 * Moves past the timed pause the rollout waits on (its time is up and the judgement passed):
 * applies the following `setWeight`s, then waits on the next pause, or promotes after the last
 * step. Inputs: the policy's steps, the state's step index and weight, the judgement's evidence.
 */
function advance(
  policy: RolloutPolicy,
  draft: RolloutState,
  why: string,
  evidence: Evidence,
  now: number,
): Transition {
  const position = walkSteps(policy, draft.stepIndex + 1, draft.canaryWeight);
  if (position.stepIndex >= policy.steps.length) {
    return promoted(policy, draft, `promoted: ${why}`, evidence, now);
  }
  const before = draft.canaryWeight;
  draft.stepIndex = position.stepIndex;
  draft.stepStartedAt = now;
  draft.canaryWeight = position.canaryWeight;
  draft.phase = position.manualPause ? 'Paused' : 'Progressing';
  draft.pauseCause = position.manualPause ? 'step' : null;
  const weightChanged = position.canaryWeight !== before;
  const then = position.manualPause
    ? `waiting at ${stepLabel(policy, draft)} for an operator to resume or promote`
    : `now ${stepLabel(policy, draft)}`;
  const reason = `${weightChanged ? `canary ${before}% -> ${position.canaryWeight}%` : 'advanced'}: ${why}; ${then}`;
  return transition(draft, weightChanged || !position.manualPause ? 'advance' : 'pause', reason, evidence);
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
        `rollout already ${state.phase}; input ignored`,
        previewEvidence(policy, state, now),
      ),
    };
  }

  const merge = mergePeriods(policy, state.recent, state.lastPeriodTime, input?.periods, now);
  if (merge.accepted === 0 && merge.stale > 0) {
    return {
      state,
      decision: makeDecision(
        'hold',
        `stale input: ${merge.stale} period(s) older than the window of the last period (${formatTime(
          state.lastPeriodTime,
        )}) ignored; nothing changed`,
        previewEvidence(policy, state, now),
      ),
    };
  }
  // From here on `s` is the engine's own copy: edited in place, returned as the next state.
  let s = cloneState(state);
  s.recent = merge.recent;
  s.lastPeriodTime = merge.lastPeriodTime;
  const notes: string[] = [];
  if (merge.future > 0) notes.push(`${merge.future} period(s) after ${formatTime(now)} ignored`);

  // Alarms act on transitions into ALARM (the last seen value is kept per alarm), so a level
  // reported on every tick acts once.
  const alarms = input?.alarms;
  let alarmEvidence: Evidence['alarm'];
  if (typeof alarms === 'object' && alarms !== null && policy.rollback.onAlarms.length > 0) {
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
      const effect = triggerAlarm(immediate, s, now);
      const evidence = {
        ...previewEvidence(policy, s, now),
        alarm: { name: immediate.alarmName, state: 'ALARM' as const },
      };
      return { state: effect.state, decision: makeDecision('rollback', effect.reason, evidence) };
    }
    for (const entry of entered) {
      const effect = triggerAlarm(entry, s, now);
      s = effect.state;
      notes.push(effect.reason);
      alarmEvidence = { name: entry.alarmName, state: 'ALARM' };
    }
  }
  const prefix = notes.length > 0 ? `${notes.join('; ')}; ` : '';
  const withAlarm = (evidence: Evidence): Evidence =>
    alarmEvidence ? { ...evidence, alarm: alarmEvidence } : evidence;

  const intervalMs = policy.analysis.intervalSeconds * 1000;
  if (s.lastJudgedAt !== null && Number.isFinite(s.lastJudgedAt) && !(now - s.lastJudgedAt >= intervalMs)) {
    return transition(
      s,
      'hold',
      `${prefix}next judgement at ${formatTime(s.lastJudgedAt + intervalMs)}`,
      withAlarm(previewEvidence(policy, s, now)),
    );
  }

  const judgement = evaluateWindow(policy, s.recent, s.consecutiveFailures, now);
  const evidence = withAlarm(judgement.evidence);
  const traffic = trafficNote(evidence);
  s.consecutiveFailures = judgement.consecutiveFailures;
  s.lastJudgedAt = now;

  if (judgement.breached.length > 0) {
    const why = judgement.breached.map((metric) => metric.reason).join('; ');
    return rolledBack(s, `${prefix}rolled back: ${why}; ${traffic}`, evidence);
  }

  const countsInconclusive = s.canaryWeight > 0;
  if (judgement.verdict !== 'inconclusive') s.consecutiveInconclusive = 0;
  else if (countsInconclusive) s.consecutiveInconclusive += 1;

  if (s.staged) {
    const staged = s.staged;
    if (now >= staged.observeUntil) {
      const stillAlarming = policy.rollback.onAlarms.filter(
        (entry) => s.alarmStates[entry.alarmName] === 'ALARM',
      );
      if (stillAlarming.length > 0 || judgement.verdict === 'fail') {
        const why =
          stillAlarming.length > 0
            ? `alarm ${stillAlarming.map((entry) => entry.alarmName).join(', ')} still in ALARM`
            : metricReasons(judgement, 'fail');
        return rolledBack(
          s,
          `${prefix}rolled back after the staged observation for ${staged.alarmName}: ${why}; ${traffic}`,
          evidence,
        );
      }
      const halved = s.canaryWeight;
      s.canaryWeight = staged.restoreWeight;
      s.staged = null;
      return transition(
        s,
        'advance',
        `${prefix}staged rollback for ${staged.alarmName} ended: alarm no longer in ALARM and no metric failing; canary ${halved}% -> ${staged.restoreWeight}%; ${traffic}`,
        evidence,
      );
    }
    return transition(
      s,
      'hold',
      `${prefix}staged rollback for ${staged.alarmName}: observing at ${s.canaryWeight}% until ${formatTime(
        staged.observeUntil,
      )}; ${metricReasons(judgement, 'all')}; ${traffic}`,
      evidence,
    );
  }

  if (s.phase === 'Paused') {
    const cause =
      s.pauseCause === 'step'
        ? `at ${stepLabel(policy, s)}`
        : s.pauseCause === 'inconclusive'
          ? 'after too many inconclusive judgements'
          : 'by an operator';
    return transition(
      s,
      'hold',
      `${prefix}paused ${cause}: waiting for resume, promote, abort or rollback; ${judgement.verdict}: ${metricReasons(
        judgement,
        'all',
      )}; ${traffic}`,
      evidence,
    );
  }

  if (judgement.verdict === 'fail') {
    return transition(
      s,
      'hold',
      `${prefix}holding, failing: ${metricReasons(judgement, 'fail')}; ${traffic}`,
      evidence,
    );
  }

  const step = policy.steps[s.stepIndex];
  const elapsed = now - s.stepStartedAt;
  const timeUp =
    step?.kind === 'pause' && step.durationSeconds !== null && elapsed >= step.durationSeconds * 1000;

  if (judgement.verdict === 'inconclusive') {
    const limit = policy.analysis.inconclusiveLimit;
    if (countsInconclusive && s.consecutiveInconclusive >= limit) {
      s.phase = 'Paused';
      s.pauseCause = 'inconclusive';
      return transition(
        s,
        'pause',
        `${prefix}paused: ${s.consecutiveInconclusive} inconclusive judgements in a row (limit ${limit}): ${metricReasons(
          judgement,
          'inconclusive',
        )}; a person should check the traffic, then resume, promote or abort`,
        evidence,
      );
    }
    // With the canary at 0 % there is nothing to judge and nothing at risk: a timed pause is a plain wait.
    if (!(timeUp && !countsInconclusive)) {
      return transition(
        s,
        'inconclusive',
        `${prefix}inconclusive (${s.consecutiveInconclusive}/${limit} in a row), not advancing: ${metricReasons(
          judgement,
          'inconclusive',
        )}; ${traffic}`,
        evidence,
      );
    }
  }

  const passing =
    judgement.verdict === 'pass'
      ? `all metrics pass (${metricReasons(judgement, 'pass')}); ${traffic}`
      : 'canary at 0%, nothing to judge';
  if (!step) {
    return promoted(policy, s, `${prefix}promoted: all steps complete and ${passing}`, evidence, now);
  }
  if (step.kind === 'setWeight' || (step.kind === 'pause' && step.durationSeconds === null)) {
    // Not a state this engine creates (it always waits on a timed pause while Progressing);
    // recover by walking the steps from here.
    const position = walkSteps(policy, s.stepIndex, s.canaryWeight);
    if (position.stepIndex === s.stepIndex && position.manualPause) {
      s.phase = 'Paused';
      s.pauseCause = 'step';
      return transition(s, 'pause', `${prefix}waiting at ${stepLabel(policy, s)} for an operator`, evidence);
    }
    s.stepIndex = position.stepIndex - 1;
    return advance(policy, s, `${prefix}${passing}`, evidence, now);
  }
  if (timeUp) {
    const duration = formatDuration(step.durationSeconds!);
    return advance(policy, s, `${prefix}pause ${duration} complete and ${passing}`, evidence, now);
  }
  return transition(
    s,
    'hold',
    `${prefix}${stepLabel(policy, s)}: ${formatDuration(elapsed / 1000)} of ${formatDuration(step.durationSeconds!)} elapsed; ${passing}`,
    evidence,
  );
}
