import type { RolloutPolicy } from './types';

export interface StepPosition {
  /** Index of the pause the rollout now waits on, or steps.length when no step is left. */
  stepIndex: number;
  canaryWeight: number;
  /** True when the rollout waits on a pause without duration (a person must resume). */
  manualPause: boolean;
}

/**
 * Applies the steps from `fromIndex` the way Argo Rollouts does: a `setWeight` completes at
 * once and the next step starts at the same moment, so consecutive `setWeight`s collapse into
 * the last one and the walk stops at the first pause (or past the last step).
 * Inputs: the policy's steps, where to start, and the canary weight in force before the walk.
 */
export function walkSteps(policy: RolloutPolicy, fromIndex: number, canaryWeight: number): StepPosition {
  const steps = policy.steps;
  let weight = canaryWeight;
  let index = fromIndex;
  while (index < steps.length) {
    const step = steps[index]!;
    if (step.kind === 'pause')
      return { stepIndex: index, canaryWeight: weight, manualPause: step.durationSeconds === null };
    weight = step.weight;
    index++;
  }
  return { stepIndex: steps.length, canaryWeight: weight, manualPause: false };
}
