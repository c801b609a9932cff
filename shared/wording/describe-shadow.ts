import { isFinal } from '../domain/is-final';
import { inShadow } from '../domain/judge-shadow';
import type { RolloutPolicy, RolloutState } from '../domain/types';
import { walkSteps } from '../domain/walk-steps';
import { formatDuration, formatTime } from './format-values';

/** How a shadow phase (`strategy.canary.shadow`) reads in refusals, `status` and notifications. */

/** The start's refusal when a policy with a shadow phase comes without a model name. */
export function shadowNeedsModel(endpointName: string): string {
  return `a shadow phase (strategy.canary.shadow) needs --model: the watchdog deploys the new model on ${endpointName} as a shadow variant itself, and a canary variant already on the endpoint cannot be turned into a shadow; start again with --model MODEL`;
}

/** The start's refusal when the canary variant's name is already taken on the endpoint. */
export function shadowVariantTaken(endpointName: string, canaryVariant: string, running: string): string {
  return `${endpointName} already has variant ${canaryVariant} (model ${running}): a shadow phase deploys the new model under that name as a shadow variant, so the name must be free; remove the variant (or end the rollout that left it) first`;
}

/** Time left of a shadow judged last at `at` (its last judgement, else its start). Seconds, at least 0. */
function secondsLeft(state: RolloutState): number {
  const shadow = state.shadow;
  if (!shadow) return 0;
  const at = state.lastJudgedAt ?? shadow.startedAt;
  return Math.max(0, (shadow.until - at) / 1000);
}

/**
 * What the watchdog does next around a shadow phase, or null when the rollout is not in one (nor
 * ended in one): `describeNext` says it first.
 */
export function describeShadowNext(policy: RolloutPolicy, state: RolloutState): string | null {
  const shadow = state.shadow;
  if (!inShadow(shadow)) return null;
  const canary = policy.endpoint.canaryVariant;
  if (state.phase === 'RolledBack')
    return `The shadow failed: it is removed now, and no user traffic moved (the new model answered no user request; ${canary} was never given a weight). Fix the model, then start a new rollout.`;
  if (state.phase === 'Aborted')
    return `The shadow was stopped: it is removed now, and no user traffic moved. Start a new rollout when ready.`;
  if (isFinal(state.phase)) return null;
  const first = walkSteps(policy, 0, 0).canaryWeight;
  if (shadow.passedAt !== undefined)
    return `The shadow passed: its model is being deployed as the canary variant ${canary} at 0%; once it is InService the canary gets ${first}% and is judged on its own traffic.`;
  const sampling = policy.shadow?.samplingPercent ?? 0;
  if (state.phase === 'Paused')
    return `The shadow (${sampling}% of requests copied, answering nobody) is paused${
      state.pauseCause === 'inconclusive' ? ' because there were too few copies to judge' : ''
    }: it is still judged and removed if it fails, but it becomes the canary only after someone resumes it.`;
  const left = secondsLeft(state);
  const time =
    left > 0
      ? `for ${formatDuration(left)} more (until ${formatTime(shadow.until)})`
      : 'until a judgement passes (its time is up)';
  return `The new model stays a shadow on ${sampling}% of the requests (copies; it answers nobody) ${time}, then becomes the canary at ${first}% if the judgement passes. A failing shadow is removed and the rollout ends with no user traffic moved.`;
}

/** The shadow in one line for `status`: sampling, until when, and what it is waiting for. */
export function describeShadowStatus(policy: RolloutPolicy, state: RolloutState): string {
  const shadow = state.shadow;
  if (!shadow) return 'no shadow';
  const sampling = policy.shadow?.samplingPercent ?? 0;
  if (state.phase === 'RolledBack' || state.phase === 'Aborted')
    return `shadow ended (${state.phase}): removed; no user request was answered by the new model`;
  if (shadow.passedAt !== undefined)
    return `shadow passed at ${formatTime(shadow.passedAt)}: being deployed as the canary variant`;
  const left = secondsLeft(state);
  return `shadow on ${sampling}% of requests (copies, answering nobody) until ${formatTime(shadow.until)}${
    left > 0 ? ` (${formatDuration(left)} left)` : ' (time up: passes on the next passing judgement)'
  }${state.phase === 'Paused' ? ', paused' : ''}`;
}
