import type { RolloutPolicy, RolloutState } from './types';

/** `{ [baselineVariant]: 100 - canaryWeight, [canaryVariant]: canaryWeight }`, unchanged otherwise. */
export function splitTraffic(policy: RolloutPolicy, canaryWeight: number): Record<string, number> {
  return {
    [policy.endpoint.baselineVariant]: 100 - canaryWeight,
    [policy.endpoint.canaryVariant]: canaryWeight,
  };
}

/**
 * The traffic split in force for `state`, as whole percentages summing to 100: the canary's
 * weight clamped and rounded so a corrupted state can never produce weights SageMaker would refuse.
 */
export function weightsOf(policy: RolloutPolicy, state: RolloutState): Record<string, number> {
  const raw = state.canaryWeight;
  const canary = Number.isFinite(raw) ? Math.min(100, Math.max(0, Math.round(raw))) : 0;
  return splitTraffic(policy, canary);
}
