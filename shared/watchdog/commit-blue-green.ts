import { emptyEvidence } from '../domain/make-decision';
import type { Action, Evidence, RolloutState, Transition } from '../domain/types';
import { notificationFromTransition, type RolloutNotification } from '../notify/notification';
import type { RolloutRecord } from '../ports/rollout-repository';
import { commitTransition } from './commit-transition';
import type { WatchdogDeps } from './watchdog-deps';

/** What one tick did to a blue/green rollout (or to its start held at a gate). */
export type BlueGreenWatch =
  | { kind: 'conflict' }
  | {
      kind: 'watched';
      outcome: 'held' | 'judged' | 'applied';
      action?: Action;
      reason: string;
      notified?: boolean;
      canaryWeight?: number;
      /** The transition this tick wrote (for the policy's notify hooks: afterEnd, onRollback). */
      committed?: Transition;
    };

/** Writes the new state with its history entry and notification; never a weights call (the share is SageMaker's). */
export async function commitBlueGreen(
  deps: WatchdogDeps,
  record: RolloutRecord,
  ctx: { correlationId: string; now: number },
  draft: RolloutState,
  action: Action,
  reason: string,
  alert?: RolloutNotification,
  evidence: Evidence = emptyEvidence(),
  quiet = false,
): Promise<BlueGreenWatch> {
  const state: RolloutState = { ...draft, message: reason };
  const transition: Transition = { state, decision: { action, reason, evidence } };
  const notification =
    alert ??
    (quiet
      ? undefined
      : notificationFromTransition({
          policy: record.policy,
          before: record.state,
          transition,
          source: 'tick',
          correlationId: ctx.correlationId,
          now: ctx.now,
          ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
        }));
  const committed = await commitTransition(deps, record, transition, {
    source: 'tick',
    correlationId: ctx.correlationId,
    now: ctx.now,
    skipWeights: true,
    ...(notification ? { notification } : { silent: true }),
  });
  if (committed.outcome === 'conflict') return { kind: 'conflict' };
  return {
    kind: 'watched',
    outcome: committed.outcome === 'unchanged' ? 'judged' : 'applied',
    action,
    reason,
    notified: notification !== undefined && committed.outcome !== 'unchanged',
    canaryWeight: state.canaryWeight,
    ...(committed.outcome !== 'unchanged' ? { committed: transition } : {}),
  };
}
