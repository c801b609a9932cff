import { isFinal } from '../domain/is-final';
import type { RolloutPolicy, RolloutState } from '../domain/types';
import { describeShadowStatus } from '../wording/describe-shadow';
import type { ShadowView } from './control-contract';

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/** The API's view of a rollout's shadow phase (`state.shadow` set): sampling, clock, evidence so far. */
export function shadowView(policy: RolloutPolicy, state: RolloutState): ShadowView {
  const shadow = state.shadow!;
  const { baselineVariant, canaryVariant } = policy.endpoint;
  const window = { shadowRequests: 0, shadowErrors5xx: 0, baselineRequests: 0, baselineErrors5xx: 0 };
  // The window is the shadow's own until it passes (its copies arrive under the canary variant's name).
  for (const period of shadow.passedAt === undefined ? state.recent : []) {
    const copies = period.variants[canaryVariant];
    const baseline = period.variants[baselineVariant];
    window.shadowRequests += copies?.invocations ?? 0;
    window.shadowErrors5xx += copies?.errors5xx ?? 0;
    window.baselineRequests += baseline?.invocations ?? 0;
    window.baselineErrors5xx += baseline?.errors5xx ?? 0;
  }
  const status: ShadowView['status'] = isFinal(state.phase)
    ? 'ended'
    : shadow.passedAt !== undefined
      ? 'passed'
      : state.phase === 'Paused'
        ? 'paused'
        : 'judging';
  return {
    samplingPercent: policy.shadow?.samplingPercent ?? 0,
    startedAt: iso(shadow.startedAt),
    until: iso(shadow.until),
    status,
    ...(shadow.passedAt !== undefined ? { passedAt: iso(shadow.passedAt) } : {}),
    window,
    consecutiveFailures: { ...state.consecutiveFailures },
    description: describeShadowStatus(policy, state),
  };
}
