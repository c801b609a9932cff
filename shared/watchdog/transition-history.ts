import type { Transition } from '../domain/types';
import type { HistoryEntry } from '../ports/rollout-repository';

/** Who, when and which version a history entry of a transition records. */
export interface HistoryStamp {
  /** ISO time of the decision (the event's time). */
  time: string;
  rolloutId: string;
  /** Record version the decision produced. */
  version: number;
  source: HistoryEntry['source'];
  kind: HistoryEntry['kind'];
  correlationId: string;
}

/** The history entry of a decision: the engine's action, the state it leads to, why, and the numbers. */
export function transitionHistory(transition: Transition, stamp: HistoryStamp): HistoryEntry {
  return {
    ...stamp,
    action: transition.decision.action,
    phase: transition.state.phase,
    stepIndex: transition.state.stepIndex,
    canaryWeight: transition.state.canaryWeight,
    reason: transition.decision.reason,
    ...(transition.decision.cause ? { cause: transition.decision.cause } : {}),
    evidence: transition.decision.evidence,
  };
}
