import type { RolloutPolicy, Step } from './types';

/** The variants of a region running as a canary of its own: what it ran, and the promoted copy beside it. */
export interface RegionCanaryTarget {
  endpointName: string;
  region: string;
  /** The variant the region ran before the ladder reached it. */
  baselineVariant: string;
  /** The variant serving the promoted copy. */
  canaryVariant: string;
}

/**
 * The policy a region's own canary runs on: the rollout's analysis, whole (a region canary has a
 * baseline beside it, so the comparisons with it apply as in the primary region), with the
 * region's own steps, pointed at the region endpoint's two variants. Alarms, regions and the
 * lifecycle are the primary rollout's and stay out: the ladder makes the region's endpoint
 * changes itself. The engine (startRollout, judgeTick, applyCommand) runs it unchanged.
 */
export function regionCanaryPolicy(
  policy: RolloutPolicy,
  target: RegionCanaryTarget,
  steps: ReadonlyArray<Step>,
): RolloutPolicy {
  const { lifecycle: _lifecycle, artifacts: _artifacts, ...rest } = policy;
  return {
    ...rest,
    endpoint: {
      name: target.endpointName,
      region: target.region,
      baselineVariant: target.baselineVariant,
      canaryVariant: target.canaryVariant,
    },
    steps,
    rollback: { onAlarms: [] },
    regions: [],
  };
}
