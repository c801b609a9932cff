import { shadowStartOf, startShadow } from './judge-shadow';
import { emptyEvidence, makeDecision, nextStop } from './make-decision';
import type { RolloutPolicy, RolloutState, Transition } from './types';
import { walkSteps } from './walk-steps';

/**
 * Starts a rollout at `now` (epoch ms): applies the leading `setWeight` step(s) at once and
 * waits on the first pause (`stepStartedAt = startedAt = now`). Inputs that drive it: the
 * policy's steps only. A leading pause without duration leaves the rollout `Paused` for a person;
 * a policy of only `setWeight`s still needs one passing judgement before promotion. A policy
 * with a shadow phase starts in it instead: Progressing with the canary at 0 % and `state.shadow`
 * set, the steps waiting until the shadow passes (judge-shadow.ts). `by` names who started it and why, for the decision's cause.
 */
export function startRollout(
  policy: RolloutPolicy,
  now: number,
  by?: { operator: string; reason?: string },
): Transition {
  // A shadow phase comes first: the canary waits at 0 % (see judge-shadow.ts).
  const shadow = startShadow(policy, now);
  const position = shadow ? { stepIndex: 0, canaryWeight: 0, manualPause: false } : walkSteps(policy, 0, 0);
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
    ...(shadow ? { shadow } : {}),
  };
  const decision = makeDecision(
    shadow ? 'hold' : position.manualPause ? 'pause' : 'advance',
    {
      kind: 'started',
      canaryWeight: position.canaryWeight,
      next: nextStop(policy, shadow ? walkSteps(policy, 0, 0) : position),
      ...(by ? { operator: by.operator, ...(by.reason ? { reason: by.reason } : {}) } : {}),
      ...(shadow ? { shadow: shadowStartOf(policy, shadow) } : {}),
    },
    emptyEvidence(),
  );
  return { state: { ...draft, message: decision.reason }, decision };
}
