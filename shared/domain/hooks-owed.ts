import { hooksAt } from './gate-points';
import { isFinal } from './is-final';
import type { HookPoint, Phase, RolloutPolicy, RolloutState } from './types';

/** One notify-hook point owed for an end decided outside the tick: what the end was, as the hooks are told it. */
export interface HookOwed {
  point: Extract<HookPoint, 'afterEnd' | 'onRollback'>;
  phase: Phase;
  canaryWeight: number;
  stepIndex: number;
  /** When the end was decided, ISO. */
  at: string;
  /** Who decided it. */
  source: 'tick' | 'alarm' | 'operator';
}

/**
 * The notify-hook points a move from `before` to `after` owes under `policy`: `afterEnd` when it
 * ends the rollout (a final phase it was not in), `onRollback` when it rolls it back, each only
 * when the policy has a notify hook there. Empty for every other move.
 */
export function hooksOwedBy(
  policy: RolloutPolicy,
  before: Pick<RolloutState, 'phase'>,
  after: Pick<RolloutState, 'phase' | 'canaryWeight' | 'stepIndex'>,
  decided: { source: HookOwed['source']; now: number },
): HookOwed[] {
  const points: Array<HookOwed['point']> = [];
  if (after.phase === 'RolledBack' && before.phase !== 'RolledBack') points.push('onRollback');
  if (isFinal(after.phase) && after.phase !== before.phase) points.push('afterEnd');
  return points
    .filter((point) => hooksAt(policy, point, 'notify').length > 0)
    .map((point) => ({
      point,
      phase: after.phase,
      canaryWeight: after.canaryWeight,
      stepIndex: after.stepIndex,
      at: new Date(decided.now).toISOString(),
      source: decided.source,
    }));
}
