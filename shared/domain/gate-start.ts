import { gateLimits, hooksAt } from './gate-points';
import { makeDecision, nextStop } from './make-decision';
import type { Evidence, RolloutPolicy, RolloutState, Transition } from './types';
import { walkSteps } from './walk-steps';

/**
 * The start of a rollout whose policy has gates at `beforeStart`, for callers where hooks apply
 * (the control API's start and the start after a canary's deployment; `replay` and `simulate`
 * never call it, so their output is the engine's alone): the rollout starts at 0% on its first
 * step, waiting at the gate, and the first `setWeight` applies only once the gates allow (the
 * tick asks them, see `gateProposal`). A start that sends no traffic to the canary, or a policy
 * without such gates, is returned as it is. Inputs: the policy's hooks and the start transition.
 */
export function withStartGate(policy: RolloutPolicy, started: Transition, now: number): Transition {
  const gates = hooksAt(policy, 'beforeStart', 'gate');
  if (gates.length === 0 || started.state.canaryWeight === 0) return started;
  const cause = started.decision.cause;
  const limits = gateLimits(gates);
  const state: RolloutState = {
    ...started.state,
    phase: 'Progressing',
    pauseCause: null,
    stepIndex: 0,
    canaryWeight: 0,
    gate: {
      point: 'beforeStart',
      hooks: gates.map((hook) => hook.name),
      since: now,
      failures: 0,
      reason: 'not asked yet',
      ...limits,
      nextWeight: started.state.canaryWeight,
    },
  };
  const decision =
    cause?.kind === 'started'
      ? makeDecision(
          'hold',
          {
            ...cause,
            canaryWeight: 0,
            gate: {
              point: 'beforeStart',
              hooks: gates.map((hook) => hook.name),
              nextWeight: started.state.canaryWeight,
            },
          },
          started.decision.evidence,
        )
      : { ...started.decision, action: 'hold' as const };
  return { state: { ...state, message: decision.reason }, decision };
}

/**
 * What a rollout waiting at its `beforeStart` gate does once the gate allows: the start's first
 * weights, as `startRollout` would have applied them, from `now` (the rollout's start time and
 * what it judged so far stay). Inputs: the policy's steps, the waiting state and the tick's evidence.
 */
export function releaseStart(
  policy: RolloutPolicy,
  state: RolloutState,
  evidence: Evidence,
  now: number,
): Transition {
  const position = walkSteps(policy, 0, 0);
  const next: RolloutState = {
    ...state,
    phase: position.manualPause ? 'Paused' : 'Progressing',
    pauseCause: position.manualPause ? 'step' : null,
    stepIndex: position.stepIndex,
    stepStartedAt: now,
    canaryWeight: position.canaryWeight,
    consecutiveInconclusive: 0,
  };
  const decision = makeDecision(
    position.manualPause ? 'pause' : 'advance',
    { kind: 'started', canaryWeight: position.canaryWeight, next: nextStop(policy, position) },
    evidence,
  );
  return { state: { ...next, message: decision.reason }, decision };
}

/**
 * An operator's `resume` past a manual pause, where hooks apply (the control API): when the
 * move raises the canary into a point with gates (`beforeStep`, or `beforeStart` from 0%), the
 * rollout goes on at its weight, waiting at the gate, and the tick makes the move once the gates
 * allow (`releaseResume`). The person decided to go on; the team's checks still decide when.
 * Any other command, or a policy without such gates, is returned as it is.
 * Inputs: the policy's hooks, the state before, the command's transition.
 */
export function withResumeGate(
  policy: RolloutPolicy,
  before: RolloutState,
  resumed: Transition,
  now: number,
): Transition {
  const cause = resumed.decision.cause;
  if (cause?.kind !== 'command' || cause.command !== 'resume') return resumed;
  const nextWeight = resumed.state.canaryWeight;
  if (!(nextWeight > before.canaryWeight)) return resumed;
  const point = before.canaryWeight === 0 ? 'beforeStart' : 'beforeStep';
  const gates = hooksAt(policy, point, 'gate');
  if (gates.length === 0) return resumed;
  const hooks = gates.map((hook) => hook.name);
  const state: RolloutState = {
    ...before,
    phase: 'Progressing',
    pauseCause: null,
    consecutiveInconclusive: 0,
    gate: {
      point,
      hooks,
      since: now,
      failures: 0,
      reason: 'not asked yet',
      ...gateLimits(gates),
      nextWeight,
      resume: true,
    },
  };
  const { next: _next, ...rest } = cause;
  const decision = makeDecision(
    'hold',
    { ...rest, toWeight: before.canaryWeight, gate: { point, hooks, nextWeight } },
    resumed.decision.evidence,
  );
  return { state: { ...state, message: decision.reason }, decision };
}

/**
 * The move an operator's `resume` waits to make at a gate (see `withResumeGate`), once the gates
 * allow: past the manual pause to the following `setWeight`s, from `now`, as `resume` does.
 * Inputs: the policy's steps, the waiting state and the tick's evidence.
 */
export function releaseResume(
  policy: RolloutPolicy,
  state: RolloutState,
  evidence: Evidence,
  now: number,
): Transition {
  const position = walkSteps(policy, state.stepIndex + 1, state.canaryWeight);
  const next: RolloutState = {
    ...state,
    phase: position.manualPause ? 'Paused' : 'Progressing',
    pauseCause: position.manualPause ? 'step' : null,
    stepIndex: position.stepIndex,
    stepStartedAt: now,
    canaryWeight: position.canaryWeight,
  };
  const decision = makeDecision(
    position.canaryWeight !== state.canaryWeight ? 'advance' : 'hold',
    {
      kind: 'command',
      command: 'resume',
      fromWeight: state.canaryWeight,
      toWeight: position.canaryWeight,
      next: nextStop(policy, position),
    },
    evidence,
  );
  return { state: { ...next, message: decision.reason }, decision };
}
