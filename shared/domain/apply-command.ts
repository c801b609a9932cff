import { isFinal } from './is-final';
import { previewEvidence } from './judge-tick';
import { makeDecision, stepLabel } from './make-decision';
import type { CommandResult, OperatorCommand, RolloutPolicy, RolloutState } from './types';
import { walkSteps } from './walk-steps';

const by = (command: OperatorCommand): string =>
  typeof command.reason === 'string' && command.reason.trim() !== '' ? ` (${command.reason.trim()})` : '';

/**
 * Applies an operator command. Inputs that drive it: the command type and the phase.
 * - `pause`: Progressing → Paused ('operator').
 * - `resume`: Paused → Progressing, clearing the inconclusive streak; from a pause step without
 *   duration it moves past that step (applying the following `setWeight`s).
 * - `promote`: any non-final phase → Promoted (canary 100), skipping the remaining steps.
 * - `abort`: any non-final phase → Aborted (canary 0).
 * - `rollback`: any non-final phase → RolledBack (canary 0); needs a reason.
 * A command that does not fit the phase is refused as `{ ok: false, error }` (the API's 409).
 */
export function applyCommand(
  policy: RolloutPolicy,
  state: RolloutState,
  command: OperatorCommand,
  now: number,
): CommandResult {
  const type = (command as { type?: unknown } | null)?.type;
  if (isFinal(state.phase)) {
    return { ok: false, error: `cannot ${String(type)}: the rollout is already ${state.phase} (final)` };
  }
  const evidence = previewEvidence(policy, state, now);
  const done = (
    next: RolloutState,
    action: Parameters<typeof makeDecision>[0],
    reason: string,
  ): CommandResult => ({
    ok: true,
    transition: { state: { ...next, message: reason }, decision: makeDecision(action, reason, evidence) },
  });

  switch (type) {
    case 'pause':
      if (state.phase !== 'Progressing')
        return { ok: false, error: `cannot pause: the rollout is already ${state.phase}` };
      return done(
        { ...state, phase: 'Paused', pauseCause: 'operator' },
        'pause',
        `paused by an operator${by(command)} at canary ${state.canaryWeight}%`,
      );
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
      if (state.pauseCause === 'step' || (step?.kind === 'pause' && step.durationSeconds === null)) {
        const position = walkSteps(policy, state.stepIndex + 1, state.canaryWeight);
        const next: RolloutState = {
          ...resumed,
          stepIndex: position.stepIndex,
          stepStartedAt: now,
          canaryWeight: position.canaryWeight,
          phase: position.manualPause ? 'Paused' : 'Progressing',
          pauseCause: position.manualPause ? 'step' : null,
        };
        const where =
          position.stepIndex >= policy.steps.length
            ? 'promotion follows the next passing judgement'
            : position.manualPause
              ? `waiting at ${stepLabel(policy, next)} for an operator`
              : `now ${stepLabel(policy, next)}`;
        return done(
          next,
          position.canaryWeight !== state.canaryWeight ? 'advance' : 'hold',
          `resumed by an operator${by(command)}: canary ${state.canaryWeight}% -> ${position.canaryWeight}%; ${where}`,
        );
      }
      return done(resumed, 'hold', `resumed by an operator${by(command)} at ${stepLabel(policy, resumed)}`);
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
        `promoted by an operator${by(command)}: remaining steps skipped, canary ${state.canaryWeight}% -> 100%`,
      );
    case 'abort':
      return done(
        { ...state, phase: 'Aborted', canaryWeight: 0, staged: null, pauseCause: null },
        'rollback',
        `aborted by an operator${by(command)}: canary ${state.canaryWeight}% -> 0%`,
      );
    case 'rollback': {
      const reason = (command as { reason?: unknown }).reason;
      if (typeof reason !== 'string' || reason.trim() === '') {
        return { ok: false, error: 'cannot rollback: a reason is required' };
      }
      return done(
        { ...state, phase: 'RolledBack', canaryWeight: 0, staged: null, pauseCause: null },
        'rollback',
        `rolled back by an operator: ${reason.trim()}; canary ${state.canaryWeight}% -> 0%`,
      );
    }
    default:
      return {
        ok: false,
        error: `unknown command ${JSON.stringify(type)}: expected pause, resume, promote, abort or rollback`,
      };
  }
}
