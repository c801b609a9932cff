/** Drives the engine minute by minute the way `replay` does, for state-machine tests. */
import { judgeTick, startRollout, weightsOf } from '../../../shared/domain/index';
import type { AlarmStateValue, RolloutPolicy, RolloutState, Transition } from '../../../shared/domain/types';
import { at, period, type Traffic } from '../../fixtures/policies/policy-fixtures';

export interface Minute {
  canary?: Partial<Traffic> | null;
  baseline?: Partial<Traffic>;
  alarms?: Record<string, AlarmStateValue>;
  custom?: Record<string, number | null>;
}

export interface Played {
  start: Transition;
  ticks: Transition[];
  final: RolloutState;
  /** Canary weight in force after each minute's decision. */
  weights: number[];
  actions: string[];
}

/**
 * Starts a rollout at minute 0 and judges `minutes` one-minute periods. The canary's share of
 * 3,000 requests a minute follows the weight in force, like the simulator's traffic.
 */
export function play(
  policy: RolloutPolicy,
  minutes: number,
  at_: (minute: number) => Minute = () => ({}),
): Played {
  const start = startRollout(policy, at(0));
  let state = start.state;
  const ticks: Transition[] = [];
  for (let minute = 0; minute < minutes; minute++) {
    const spec = at_(minute);
    const weight = weightsOf(policy, state)[policy.endpoint.canaryVariant]!;
    const canaryInvocations = Math.round(3000 * (weight / 100));
    const p = period(
      minute,
      { invocations: canaryInvocations, ...(spec.canary ?? {}) },
      { invocations: 3000 - canaryInvocations, ...spec.baseline },
      spec.custom,
    );
    if (spec.canary === null) delete (p.variants as Record<string, unknown>).canary;
    const next = judgeTick(
      policy,
      state,
      { periods: [p], ...(spec.alarms ? { alarms: spec.alarms } : {}) },
      at(minute),
    );
    ticks.push(next);
    state = next.state;
  }
  return {
    start,
    ticks,
    final: state,
    weights: ticks.map((t) => t.state.canaryWeight),
    actions: ticks.map((t) => t.decision.action),
  };
}
