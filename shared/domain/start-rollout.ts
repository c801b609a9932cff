import { emptyEvidence, makeDecision, stepLabel } from './make-decision';
import type { RolloutPolicy, RolloutState, Transition } from './types';
import { walkSteps } from './walk-steps';

/**
 * Starts a rollout at `now` (epoch ms): applies the leading `setWeight` step(s) at once and
 * waits on the first pause (`stepStartedAt = startedAt = now`). Inputs that drive it: the
 * policy's steps only. A leading pause without duration leaves the rollout `Paused` for a person;
 * a policy of only `setWeight`s still needs one passing judgement before promotion.
 */
export function startRollout(policy: RolloutPolicy, now: number): Transition {
  const position = walkSteps(policy, 0, 0);
  const consecutiveFailures: Record<string, number> = {};
  for (const metric of policy.analysis.metrics) consecutiveFailures[metric.name] = 0;
  const draft: RolloutState = {
    endpointName: policy.endpoint.name,
    phase: position.manualPause ? 'Paused' : 'Progressing',
    stepIndex: position.stepIndex,
    stepStartedAt: now,
    startedAt: now,
    canaryWeight: position.canaryWeight,
    recent: [],
    lastPeriodTime: null,
    lastJudgedAt: null,
    consecutiveFailures,
    consecutiveInconclusive: 0,
    pauseCause: position.manualPause ? 'step' : null,
    staged: null,
    alarmStates: {},
    message: '',
  };
  const next = position.manualPause
    ? `waiting at ${stepLabel(policy, draft)} for an operator to resume or promote`
    : position.stepIndex < policy.steps.length
      ? `next: ${stepLabel(policy, draft)}`
      : 'next: promotion after a passing judgement';
  const reason = `rollout started: canary ${position.canaryWeight}%; ${next}`;
  const state: RolloutState = { ...draft, message: reason };
  return {
    state,
    decision: makeDecision(position.manualPause ? 'pause' : 'advance', reason, emptyEvidence()),
  };
}
