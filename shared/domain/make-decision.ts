import { describeStepPosition } from '../wording/describe-step';
import { formatCount } from '../wording/format-values';
import type { Action, Decision, Evidence, RolloutPolicy, RolloutState, VariantSummary } from './types';

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

export function makeDecision(action: Action, reason: string, evidence: Evidence): Decision {
  return { action, reason, evidence };
}

/** `canary 742 req, baseline 14,103 req` — the sample sizes every judgement reason ends with. */
export function trafficNote(evidence: Evidence): string {
  return `canary ${formatCount(evidence.canary.invocations)} req, baseline ${formatCount(evidence.baseline.invocations)} req`;
}

/** `step 2/6 (pause 10m)` — where the rollout is, for reasons. */
export function stepLabel(policy: RolloutPolicy, state: RolloutState): string {
  return describeStepPosition(policy.steps, state.stepIndex);
}
