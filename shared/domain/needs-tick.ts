import { type EndpointChange, isChangePending } from './endpoint-change';
import { isFinal } from './is-final';
import type { RolloutState } from './types';

/**
 * True while the tick must still visit a rollout: not final, or final with weights not yet
 * confirmed on the endpoint (`appliedCanaryWeight`, null before the first confirmation). A crash
 * between a final decision and its weights call is repaired because the rollout stays on the
 * tick's work list until the weights land; likewise until its outbox is drained, and while an
 * endpoint change it owes (deploying the canary, retiring the baseline, removing the canary) is
 * waiting or under way, and while notify hooks are owed for an end another writer decided.
 */
export function needsTick(rollout: {
  state: Pick<RolloutState, 'phase' | 'canaryWeight'>;
  appliedCanaryWeight: number | null;
  /** Effects of decisions not yet carried out (history, notifications): the next tick drains them. */
  outbox?: ReadonlyArray<unknown>;
  endpointChange?: EndpointChange;
  /** Notify hooks owed for an end decided outside the tick: the next tick tells them. */
  hooksOwed?: ReadonlyArray<unknown>;
}): boolean {
  return (
    !isFinal(rollout.state.phase) ||
    rollout.state.canaryWeight !== rollout.appliedCanaryWeight ||
    (rollout.outbox?.length ?? 0) > 0 ||
    isChangePending(rollout.endpointChange) ||
    (rollout.hooksOwed?.length ?? 0) > 0
  );
}
