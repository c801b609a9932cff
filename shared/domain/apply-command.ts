import type { DecisionCause } from './decision-cause';
import { isFinal } from './is-final';
import { isShadowing, refusedDuringShadow } from './judge-shadow';
import { previewEvidence } from './judge-tick';
import { makeDecision, nextStop, stepRef } from './make-decision';
import type { CommandResult, OperatorCommand, RolloutPolicy, RolloutState } from './types';
import { walkSteps } from './walk-steps';

/** The operator's own words, when there are any. */
const ownReason = (command: OperatorCommand): string | undefined =>
  typeof command.reason === 'string' && command.reason.trim() !== '' ? command.reason.trim() : undefined;

/**
 * Applies an operator command. Inputs that drive it: the command type and the phase.
 * - `pause`: Progressing → Paused ('operator').
 * - `resume`: Paused → Progressing, clearing the inconclusive streak; from a pause step without
 *   duration it moves past that step (applying the following `setWeight`s).
 * - `promote`: any non-final phase → Promoted (canary 100), skipping the remaining steps; refused
 *   during a shadow phase (no user request has reached the new model yet).
 * - `abort`: any non-final phase → Aborted (canary 0).
 * - `rollback`: any non-final phase → RolledBack (canary 0); needs a reason.
 * - `rollback` of a `Promoted` rollout whose baseline still runs (`options.baselineHeld`: the
 *   retirement's hold-back) → RolledBack (canary 0).
 * A command that does not fit the phase is refused as `{ ok: false, error }` (the API's 409).
 * `operator` (an IAM identity) is named in the decision's cause, so history says who acted.
 */
export function applyCommand(
  policy: RolloutPolicy,
  state: RolloutState,
  command: OperatorCommand,
  now: number,
  operator?: string,
  options: { baselineHeld?: boolean } = {},
): CommandResult {
  const type = (command as { type?: unknown } | null)?.type;
  // During the hold-back after a promotion the baseline still runs: a rollback sends it all the
  // traffic again, at once, as if the promotion had not happened.
  const rollbackPromoted = state.phase === 'Promoted' && type === 'rollback' && options.baselineHeld === true;
  if (isFinal(state.phase) && !rollbackPromoted) {
    return { ok: false, error: `cannot ${String(type)}: the rollout is already ${state.phase} (final)` };
  }
  const duringShadow = refusedDuringShadow(state, command);
  if (duringShadow) return { ok: false, error: duringShadow };
  const evidence = previewEvidence(policy, state, now);
  const done = (
    next: RolloutState,
    action: Parameters<typeof makeDecision>[0],
    cause: Omit<Extract<DecisionCause, { kind: 'command' }>, 'kind' | 'fromWeight' | 'toWeight'>,
  ): CommandResult => {
    const decision = makeDecision(
      action,
      {
        kind: 'command',
        ...(operator ? { operator } : {}),
        ...cause,
        fromWeight: state.canaryWeight,
        toWeight: next.canaryWeight,
      },
      evidence,
    );
    return { ok: true, transition: { state: { ...next, message: decision.reason }, decision } };
  };
  const reason = ownReason(command);
  const own = reason === undefined ? {} : { reason };

  switch (type) {
    case 'pause':
      if (state.phase !== 'Progressing')
        return { ok: false, error: `cannot pause: the rollout is already ${state.phase}` };
      return done({ ...state, phase: 'Paused', pauseCause: 'operator' }, 'pause', {
        command: 'pause',
        ...own,
      });
    case 'resume': {
      if (state.phase !== 'Paused')
        return { ok: false, error: `cannot resume: the rollout is ${state.phase}, not Paused` };
      const resumed: RolloutState = {
        ...state,
        phase: 'Progressing',
        pauseCause: null,
        consecutiveInconclusive: 0,
      };
      const step = policy.steps[state.stepIndex];
      // A paused shadow resumes as a shadow: the steps begin only once it passes.
      if (
        !isShadowing(state) &&
        (state.pauseCause === 'step' || (step?.kind === 'pause' && step.durationSeconds === null))
      ) {
        const position = walkSteps(policy, state.stepIndex + 1, state.canaryWeight);
        const next: RolloutState = {
          ...resumed,
          stepIndex: position.stepIndex,
          stepStartedAt: now,
          canaryWeight: position.canaryWeight,
          phase: position.manualPause ? 'Paused' : 'Progressing',
          pauseCause: position.manualPause ? 'step' : null,
        };
        return done(next, position.canaryWeight !== state.canaryWeight ? 'advance' : 'hold', {
          command: 'resume',
          ...own,
          next: nextStop(policy, position),
        });
      }
      return done(resumed, 'hold', { command: 'resume', ...own, at: stepRef(policy, resumed.stepIndex) });
    }
    case 'promote':
      return done(
        {
          ...state,
          phase: 'Promoted',
          canaryWeight: 100,
          stepIndex: policy.steps.length,
          stepStartedAt: now,
          staged: null,
          pauseCause: null,
        },
        'promote',
        { command: 'promote', ...own },
      );
    case 'abort':
      return done(
        { ...state, phase: 'Aborted', canaryWeight: 0, staged: null, pauseCause: null },
        'rollback',
        { command: 'abort', ...own },
      );
    case 'rollback': {
      if (reason === undefined) return { ok: false, error: 'cannot rollback: a reason is required' };
      return done(
        {
          ...state,
          phase: 'RolledBack',
          canaryWeight: 0,
          staged: null,
          pauseCause: null,
          ...(rollbackPromoted ? { stepStartedAt: now } : {}),
        },
        'rollback',
        { command: 'rollback', reason },
      );
    }
    default:
      return {
        ok: false,
        error: `unknown command ${JSON.stringify(type)}: expected pause, resume, promote, abort or rollback`,
      };
  }
}
