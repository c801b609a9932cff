import { lifecycleOf } from '../domain/endpoint-change';
import { describeShadowNext } from './describe-shadow';
import type { GateState, RolloutPolicy, RolloutState } from '../domain/types';
import { describeBlueGreenNext } from './describe-blue-green';
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
  // SageMaker's blue/green deployment carries the traffic: its phase says what comes next.
  if (policy.blueGreen && state.blueGreen) return describeBlueGreenNext(policy, state);
  // A shadow phase (running, passed, or the one the rollout ended in) says what comes next itself.
  const shadow = describeShadowNext(policy, state);
  if (shadow !== null) return shadow;
  const canary = policy.endpoint.canaryVariant;
  switch (state.phase) {
    case 'Promoted': {
      const regions = policy.regions.map((r) => `${r.endpointName} (${r.region})`);
      const sync =
        regions.length > 0 ? ` Region sync will make ${regions.join(', ')} run the promoted model.` : '';
      return `The canary (${canary}) now takes all traffic. ${describeRetirement(policy)}${sync}`;
    }
    case 'RolledBack':
      return `The canary (${canary}) gets no traffic. ${describeCleanUp(policy)} Fix the canary, then start a new rollout.`;
    case 'Aborted':
      return `The canary (${canary}) gets no traffic. ${describeCleanUp(policy)} Start a new rollout when ready.`;
    case 'Paused':
      if (state.pauseCause === 'gate' && state.gate) {
        return `Paused at ${state.canaryWeight}% because gate ${state.gate.hooks.join(', ')} said no ${state.gate.failures} times in a row: ${state.gate.reason}. Resume asks the gate again; promote skips it (a person's decision); automatic rollback still applies.`;
      }
      if (state.pauseCause === 'inconclusive') {
        return `Paused at ${state.canaryWeight}% because there was too little canary data to judge. Nothing changes until a person resumes (judging starts again) or promotes; automatic rollback still applies.`;
      }
      if (state.pauseCause === 'operator') {
        return `Paused by an operator at ${state.canaryWeight}%. Nothing advances until someone resumes; automatic rollback still applies.`;
      }
      return `Waiting for a person at ${state.canaryWeight}%: resume to continue with the next step, or promote. Automatic rollback still applies.`;
    case 'Progressing': {
      if (state.gate) return describeGateWait(state.gate);
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

/**
 * `Waits at gate load-test (2 of 6 failures) before 20%; asked again next minute.`: a rollout
 * held at a gate, and what its limit then does.
 */
export function describeGateWait(gate: GateState): string {
  const before = gate.nextWeight === null ? 'promotion' : `${gate.nextWeight}%`;
  const then = gate.onFailure === 'pause' ? 'paused for a person' : 'rolled back';
  return `Waits at gate ${gate.hooks.join(', ')} (${gate.failures} of ${gate.failureLimit} failures) before ${before}; asked again next minute. Reason: ${gate.reason}. At ${gate.failureLimit} failures in a row it is ${then}; a failing canary is still rolled back.`;
}

/** What a promotion leaves to do on the endpoint, from the policy's lifecycle. */
function describeRetirement(policy: RolloutPolicy): string {
  const after = lifecycleOf(policy).retireBaselineAfterSeconds;
  const baseline = policy.endpoint.baselineVariant;
  if (after === null) return `The baseline (${baseline}) is kept as it is (the policy never retires it).`;
  if (after === 0)
    return `The baseline (${baseline}) is retired now: the promoted model becomes the endpoint's only variant and the old instances are released.`;
  return `The baseline (${baseline}) is retired in ${formatDuration(after)}, releasing its instances; until then \`rollback\` sends it all the traffic again at once.`;
}

/** What a rollback or an abort leaves to do on the endpoint, from the policy's lifecycle. */
function describeCleanUp(policy: RolloutPolicy): string {
  const after = lifecycleOf(policy).cleanUpAfterRollbackSeconds;
  if (after === null) return 'Its variant is kept on the endpoint (the policy never removes it).';
  if (after === 0) return 'Its variant is removed now, releasing its instances.';
  return `Its variant is removed in ${formatDuration(after)} (time to inspect it), releasing its instances; a new start before then reuses it.`;
}
