import type { DecisionCause } from './decision-cause';
import type { GateState, HookPoint, HookPolicy, RolloutPolicy, RolloutState, Transition } from './types';

/** The points where a gate's "no" holds the rollout. */
export type GatePoint = Extract<HookPoint, 'beforeStart' | 'beforeStep' | 'beforePromotion'>;

/** The gate points in the order a rollout reaches them. */
export const GATE_POINTS: ReadonlyArray<GatePoint> = ['beforeStart', 'beforeStep', 'beforePromotion'];

/** The policy's hooks of `kind` that run at `point`, in policy order. */
export function hooksAt(policy: RolloutPolicy, point: HookPoint, kind: HookPolicy['kind']): HookPolicy[] {
  return (policy.hooks ?? []).filter((hook) => hook.kind === kind && hook.at.includes(point));
}

/**
 * The gate points an engine transition crosses, in the order they are reached:
 * - `beforeStart`: the canary's weight leaves 0 for the first time (its first `setWeight`, or the
 *   first weight after a shadow phase);
 * - `beforeStep`: a later `setWeight` raises the canary's weight (an `advanced` decision);
 * - `beforePromotion`: the engine promotes the canary.
 * Operator commands cross none: `promote`, `resume` and the others are a person's decision, and
 * a person is not asked to wait for a gate. Rollbacks and holds cross none either.
 * Inputs: the state before, the transition's state and its cause.
 */
export function gatePointsCrossed(before: RolloutState, transition: Transition): GatePoint[] {
  const after = transition.state;
  const cause = engineCause(transition.decision.cause);
  if (!cause || cause.kind === 'command') return [];
  const points: GatePoint[] = [];
  const rises = after.canaryWeight > before.canaryWeight;
  if (rises && before.canaryWeight === 0 && !after.staged) points.push('beforeStart');
  else if (rises && cause.kind === 'advanced') points.push('beforeStep');
  if (after.phase === 'Promoted' && before.phase !== 'Promoted' && cause.kind === 'promoted')
    points.push('beforePromotion');
  return points;
}

/**
 * How long gates may say no, and what then: the smallest `failureLimit` of `gates`, and
 * `rollback` when any of them says so (the safer choice wins), else `pause`.
 */
export function gateLimits(gates: ReadonlyArray<HookPolicy>): Pick<GateState, 'failureLimit' | 'onFailure'> {
  const limits = gates.map((gate) => gate.failureLimit).filter((n) => Number.isFinite(n) && n >= 1);
  return {
    failureLimit: limits.length > 0 ? Math.min(...limits) : 1,
    onFailure: gates.some((gate) => gate.onFailure !== 'pause') ? 'rollback' : 'pause',
  };
}

/**
 * The engine's own cause of a decision: a move that went through after a gate had held it is
 * worded as `gate-passed` and carries the engine's cause in `then`. Code that acts on what the
 * engine decided (a shadow that passed, an advance) reads it through this.
 */
export function engineCause(cause: DecisionCause | undefined): DecisionCause | undefined {
  return cause?.kind === 'gate-passed' ? cause.then : cause;
}
