import type { RolloutState } from './types';

/**
 * A shallow copy of a state, written field by field: on the judgement's hot path this is several
 * times faster than object spread, and the engine then edits the copy, never the caller's state.
 */
export function cloneState(state: RolloutState): RolloutState {
  const copy: RolloutState = {
    endpointName: state.endpointName,
    phase: state.phase,
    stepIndex: state.stepIndex,
    stepStartedAt: state.stepStartedAt,
    startedAt: state.startedAt,
    canaryWeight: state.canaryWeight,
    recent: state.recent,
    lastPeriodTime: state.lastPeriodTime,
    lastJudgedAt: state.lastJudgedAt,
    consecutiveFailures: state.consecutiveFailures,
    consecutiveInconclusive: state.consecutiveInconclusive,
    pauseCause: state.pauseCause,
    staged: state.staged,
    alarmStates: state.alarmStates,
    message: state.message,
  };
  if (state.shadow !== undefined) copy.shadow = state.shadow;
  if (state.blueGreen !== undefined) copy.blueGreen = state.blueGreen;
  return copy;
}
