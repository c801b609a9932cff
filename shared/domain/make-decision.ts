import { describeDecision } from '../wording/describe-decision';
import type { DecisionCause, NextStop, StepRef } from './decision-cause';
import type { Action, Decision, Evidence, RolloutPolicy, VariantSummary } from './types';
import type { StepPosition } from './walk-steps';

const EMPTY_SUMMARY: VariantSummary = Object.freeze({
  invocations: 0,
  errors5xx: 0,
  errors4xx: 0,
  errorRate: null,
  latencyP99Ms: null,
});

/** Evidence with no data, for decisions taken before anything was observed. */
export function emptyEvidence(): Evidence {
  return { windowStart: null, windowEnd: null, baseline: EMPTY_SUMMARY, canary: EMPTY_SUMMARY, metrics: [] };
}

/** A decision: what it did, why as data, and the reason worded from that cause and the evidence. */
export function makeDecision(action: Action, cause: DecisionCause, evidence: Evidence): Decision {
  return { action, cause, reason: describeDecision(cause, evidence), evidence };
}

/** The step at `stepIndex` of the policy, as a decision cause names it. */
export function stepRef(policy: RolloutPolicy, stepIndex: number): StepRef {
  return { index: stepIndex, count: policy.steps.length, step: policy.steps[stepIndex] ?? null };
}

/** Where a rollout waits after a walk of the steps (see walkSteps). */
export function nextStop(policy: RolloutPolicy, position: StepPosition): NextStop {
  if (position.stepIndex >= policy.steps.length) return { kind: 'promotion' };
  const at = stepRef(policy, position.stepIndex);
  return position.manualPause ? { kind: 'manual-pause', at } : { kind: 'step', at };
}
