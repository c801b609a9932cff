import type { RolloutPolicy, RolloutState } from '../domain/types';
import { formatDuration, formatTime } from './format-values';

/** The next setWeight after `index`, or null when promotion comes next. */
function nextWeightAfter(policy: RolloutPolicy, index: number): number | null {
  for (let i = index + 1; i < policy.steps.length; i++) {
    const step = policy.steps[i];
    if (step?.kind === 'setWeight') return step.weight;
  }
  return null;
}

/**
 * Plain words for what the watchdog does next, from the new phase, the step in progress and
 * a staged rollback's observation window.
 */
export function describeNext(policy: RolloutPolicy, state: RolloutState): string {
  const canary = policy.endpoint.canaryVariant;
  switch (state.phase) {
    case 'Promoted': {
      const regions = policy.regions.map((r) => `${r.endpointName} (${r.region})`);
      return regions.length > 0
        ? `The canary (${canary}) now takes all traffic. Region sync will make ${regions.join(', ')} run the promoted model. Nothing else is needed.`
        : `The canary (${canary}) now takes all traffic. The rollout is complete; nothing else is needed.`;
    }
    case 'RolledBack':
      return `The canary (${canary}) gets no traffic and the watchdog stops acting on this endpoint. Fix the canary, then start a new rollout.`;
    case 'Aborted':
      return `The canary (${canary}) gets no traffic and the watchdog stops acting on this endpoint. Start a new rollout when ready.`;
    case 'Paused':
      if (state.pauseCause === 'inconclusive') {
        return `Paused at ${state.canaryWeight}% because there was too little canary data to judge. Nothing changes until a person resumes (judging starts again) or promotes; automatic rollback still applies.`;
      }
      if (state.pauseCause === 'operator') {
        return `Paused by an operator at ${state.canaryWeight}%. Nothing advances until someone resumes; automatic rollback still applies.`;
      }
      return `Waiting for a person at ${state.canaryWeight}%: resume to continue with the next step, or promote. Automatic rollback still applies.`;
    case 'Progressing': {
      if (state.staged) {
        const until = formatTime(state.staged.observeUntil);
        return `Staged rollback for alarm ${state.staged.alarmName}: the canary is held at ${state.canaryWeight}% and observed until ${until}; then it is rolled back if the alarm or a metric still fails, otherwise restored to ${state.staged.restoreWeight}%.`;
      }
      const step = policy.steps[state.stepIndex];
      const after = nextWeightAfter(policy, state.stepIndex);
      const then = after === null ? 'promoted' : `moved to ${after}%`;
      if (step?.kind === 'pause' && step.durationSeconds !== null) {
        const at = formatTime(state.stepStartedAt + step.durationSeconds * 1000);
        return `The canary stays at ${state.canaryWeight}% until ${at} (${formatDuration(step.durationSeconds)} pause), then is ${then} if the judgement passes. A failing canary is rolled back.`;
      }
      return `The canary stays at ${state.canaryWeight}% and is judged every ${formatDuration(policy.analysis.intervalSeconds)}; then it is ${then} if the judgement passes.`;
    }
  }
}
