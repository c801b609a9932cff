import { formatDuration, formatTime } from '../wording/format-values';
import type { AlarmRollbackPolicy, RolloutState } from './types';

export interface AlarmEffect {
  kind: 'rollback' | 'staged' | 'none';
  state: RolloutState;
  reason: string;
}

/**
 * What an alarm entering `ALARM` does to a non-final rollout. Inputs: the alarm's policy entry
 * (`immediate` or `staged` with `observeSeconds`) and the current canary weight and staged state.
 * `immediate`: canary to 0 now, final. `staged`: halve the canary weight (floor, whole percent)
 * and observe; a second staged alarm during an observation changes nothing more (the weight is
 * already halved and the first observation's end decides for both, since it checks every alarm).
 */
export function triggerAlarm(entry: AlarmRollbackPolicy, state: RolloutState, now: number): AlarmEffect {
  if (entry.strategy === 'immediate') {
    const reason = `alarm ${entry.alarmName} entered ALARM: rolled back at once (canary ${state.canaryWeight}% -> 0%)`;
    return {
      kind: 'rollback',
      reason,
      state: {
        ...state,
        phase: 'RolledBack',
        canaryWeight: 0,
        staged: null,
        pauseCause: null,
        message: reason,
      },
    };
  }
  if (state.staged) {
    return {
      kind: 'none',
      state,
      reason: `alarm ${entry.alarmName} entered ALARM during the staged rollback for ${state.staged.alarmName}: already at half weight`,
    };
  }
  const halved = Math.floor(state.canaryWeight / 2);
  const observeUntil = now + entry.observeSeconds * 1000;
  const reason = `alarm ${entry.alarmName} entered ALARM: staged rollback, canary ${state.canaryWeight}% -> ${halved}%, observing for ${formatDuration(
    entry.observeSeconds,
  )} (until ${formatTime(observeUntil)})`;
  return {
    kind: 'staged',
    reason,
    state: {
      ...state,
      canaryWeight: halved,
      staged: { alarmName: entry.alarmName, startedAt: now, observeUntil, restoreWeight: state.canaryWeight },
      message: reason,
    },
  };
}
