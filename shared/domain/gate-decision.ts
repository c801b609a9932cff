import type { DecisionCause } from './decision-cause';
import { type GatePoint, gateLimits, gatePointsCrossed, hooksAt } from './gate-points';
import { releaseResume, releaseStart } from './gate-start';
import { isFinal } from './is-final';
import { makeDecision } from './make-decision';
import type { GateState, RolloutPolicy, RolloutState, Transition } from './types';

/** One gate's answer for one point: allowed, or not with its reason (a failed call counts as a "no"). */
export interface GateAnswer {
  hook: string;
  allow: boolean;
  /** The hook's own reason, or why the call failed. */
  reason: string;
  /** True when the call itself failed (timeout, network, error status after its retries, a malformed answer). */
  failed: boolean;
}

/** The move the gates are asked about, and the points it crosses (none: nothing to ask). */
export interface GateProposal {
  transition: Transition;
  points: GatePoint[];
}

/**
 * What the gates are asked about after the engine decided `engine` for a rollout in `before`,
 * where hooks apply (the live watchdog; `replay` never calls this):
 * - a rollout that ends (rollback, alarm, abort) asks nothing and leaves its gate;
 * - a rollout waiting at its `beforeStart` gate proposes its first weights (`releaseStart`);
 * - otherwise the engine's own move, with the points it crosses (`gatePointsCrossed`); a move
 *   that crosses none keeps the gate the rollout waits at.
 * Inputs: the policy's hooks, the state before, the engine's transition, `now`.
 */
export function gateProposal(
  policy: RolloutPolicy,
  before: RolloutState,
  engine: Transition,
  now: number,
): GateProposal {
  const gate = before.gate ?? null;
  if ((policy.hooks ?? []).length === 0 && gate === null) return { transition: engine, points: [] };
  if (isFinal(engine.state.phase)) {
    return {
      transition: gate === null ? engine : withGate(engine, null),
      points: gatePointsCrossed(before, engine),
    };
  }
  if (
    gate?.resume &&
    before.phase === 'Progressing' &&
    (gate.point === 'beforeStart' || gate.point === 'beforeStep')
  ) {
    const release = releaseResume(policy, engine.state, engine.decision.evidence, now);
    // The resume is the operator's command: its point is the gate's, not one the engine crosses.
    return { transition: release, points: [gate.point] };
  }
  if (gate?.point === 'beforeStart' && before.canaryWeight === 0 && before.phase === 'Progressing') {
    const release = releaseStart(policy, engine.state, engine.decision.evidence, now);
    return { transition: release, points: gatePointsCrossed(before, release) };
  }
  const points = gatePointsCrossed(before, engine);
  if (points.length > 0 || gate === null) return { transition: engine, points };
  return { transition: withGate(engine, gate), points };
}

/**
 * The decision at one gate point whose gates answered `answers`: null when every gate allowed
 * (the move may go on to the next point), otherwise the rollout held where it was, with the
 * gates' reasons and the refusals counted in a row; at the refusing gates' `failureLimit` it is
 * rolled back or paused, as their `onFailure` says. The metric window, alarm states and counters
 * of the proposal are kept (the judgement happened); only the move is withheld.
 * Inputs: the policy's gates at `point`, the state before (its gate's count), the proposal, `now`.
 */
export function decideAtGate(
  policy: RolloutPolicy,
  before: RolloutState,
  proposal: Transition,
  point: GatePoint,
  answers: ReadonlyArray<GateAnswer>,
  now: number,
): Transition | null {
  const refusing = answers.filter((answer) => !answer.allow);
  if (refusing.length === 0) return null;
  const names = refusing.map((answer) => answer.hook);
  const gates = hooksAt(policy, point, 'gate').filter((gate) => names.includes(gate.name));
  const limits = gateLimits(gates);
  const previous = before.gate ?? null;
  // A gate that already reached its limit (and paused the rollout) counts afresh once resumed.
  const counting = previous?.point === point && previous.failures < previous.failureLimit ? previous : null;
  const failures = (counting?.failures ?? 0) + 1;
  const reason =
    refusing.length === 1 ? refusing[0]!.reason : refusing.map((a) => `${a.hook}: ${a.reason}`).join('; ');
  const nextWeight = proposal.state.phase === 'Promoted' ? null : proposal.state.canaryWeight;
  const held: RolloutState = {
    ...proposal.state,
    phase: before.phase,
    stepIndex: before.stepIndex,
    stepStartedAt: before.stepStartedAt,
    canaryWeight: before.canaryWeight,
    pauseCause: before.pauseCause,
    staged: before.staged,
  };
  const gate: GateState = {
    point,
    hooks: names,
    since: counting?.since ?? now,
    failures,
    reason,
    ...limits,
    nextWeight,
    // A resume waiting at its gate stays one, so the tick keeps proposing the operator's move.
    ...(counting?.resume || (previous?.resume && previous.point === point) ? { resume: true } : {}),
  };
  const evidence = proposal.decision.evidence;
  const about = {
    point,
    hooks: names,
    failures,
    failureLimit: limits.failureLimit,
    reason,
    fromWeight: before.canaryWeight,
    nextWeight,
  };
  if (failures < limits.failureLimit) {
    return finish({ ...held, gate }, 'hold', { kind: 'gate-held', ...about }, evidence);
  }
  if (limits.onFailure === 'pause') {
    return finish(
      { ...held, phase: 'Paused', pauseCause: 'gate', gate },
      'pause',
      { kind: 'gate-failed', ...about, onFailure: 'pause' },
      evidence,
    );
  }
  return finish(
    { ...held, phase: 'RolledBack', canaryWeight: 0, staged: null, pauseCause: null, gate: null },
    'rollback',
    { kind: 'gate-failed', ...about, onFailure: 'rollback' },
    evidence,
  );
}

/**
 * The proposal once every gate of every point it crosses allowed: the move goes through and the
 * gate is cleared. When the rollout had been held at a gate, the decision says the gate let go
 * (`gate-passed`, wrapping the engine's own cause).
 */
export function passGateProposal(
  before: RolloutState,
  proposal: Transition,
  points: ReadonlyArray<GatePoint>,
  hooks: ReadonlyArray<string>,
): Transition {
  const previous = before.gate ?? null;
  if (previous === null) return proposal.state.gate === undefined ? proposal : withGate(proposal, null);
  const inner = proposal.decision.cause;
  if (!inner) return withGate(proposal, null);
  const decision = makeDecision(
    proposal.decision.action,
    {
      kind: 'gate-passed',
      point: points[0] ?? (previous.point as GatePoint),
      hooks: hooks.length > 0 ? [...hooks] : [...previous.hooks],
      failures: previous.failures,
      then: inner,
    },
    proposal.decision.evidence,
  );
  return { state: { ...proposal.state, gate: null, message: decision.reason }, decision };
}

function withGate(transition: Transition, gate: GateState | null): Transition {
  return { ...transition, state: { ...transition.state, gate } };
}

function finish(
  state: RolloutState,
  action: 'hold' | 'pause' | 'rollback',
  cause: DecisionCause,
  evidence: Transition['decision']['evidence'],
): Transition {
  const decision = makeDecision(action, cause, evidence);
  return { state: { ...state, message: decision.reason }, decision };
}
