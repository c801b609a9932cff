import type { RolloutPolicy, RolloutState } from './types';

/**
 * The traffic split in force for `state`, as whole percentages summing to 100:
 * `{ [baselineVariant]: 100 - w, [canaryVariant]: w }` with `w = state.canaryWeight`, clamped
 * and rounded so a corrupted state can never produce weights SageMaker would refuse.
 */
export function weightsOf(policy: RolloutPolicy, state: RolloutState): Record<string, number> {
  const raw = state.canaryWeight;
  const canary = Number.isFinite(raw) ? Math.min(100, Math.max(0, Math.round(raw))) : 0;
  return { [policy.endpoint.baselineVariant]: 100 - canary, [policy.endpoint.canaryVariant]: canary };
}
