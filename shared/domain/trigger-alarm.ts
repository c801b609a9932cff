import { describeAlarmEffect } from '../wording/describe-decision';
import type { AlarmEffectCause } from './decision-cause';
import type { AlarmRollbackPolicy, RolloutState } from './types';

export interface AlarmEffect {
  kind: 'rollback' | 'staged' | 'none';
  state: RolloutState;
  cause: AlarmEffectCause;
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
    const cause: AlarmEffectCause = {
      kind: 'alarm-rollback',
      alarmName: entry.alarmName,
      fromWeight: state.canaryWeight,
    };
    return {
      kind: 'rollback',
      cause,
      state: {
        ...state,
        phase: 'RolledBack',
        canaryWeight: 0,
        staged: null,
        pauseCause: null,
        message: describeAlarmEffect(cause),
      },
    };
  }
  if (state.staged) {
    return {
      kind: 'none',
      state,
      cause: { kind: 'alarm-already-staged', alarmName: entry.alarmName, stagedFor: state.staged.alarmName },
    };
  }
  const halved = Math.floor(state.canaryWeight / 2);
  const observeUntil = now + entry.observeSeconds * 1000;
  const cause: AlarmEffectCause = {
    kind: 'alarm-staged',
    alarmName: entry.alarmName,
    fromWeight: state.canaryWeight,
    toWeight: halved,
    observeSeconds: entry.observeSeconds,
    observeUntil,
  };
  return {
    kind: 'staged',
    cause,
    state: {
      ...state,
      canaryWeight: halved,
      staged: { alarmName: entry.alarmName, startedAt: now, observeUntil, restoreWeight: state.canaryWeight },
      message: describeAlarmEffect(cause),
    },
  };
}
