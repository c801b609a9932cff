import { isFinal } from './is-final';
import { previewEvidence } from './judge-tick';
import { makeDecision } from './make-decision';
import { triggerAlarm } from './trigger-alarm';
import type { AlarmStateValue, RolloutPolicy, RolloutState, Transition } from './types';

/**
 * Applies one CloudWatch alarm state change (from the alarm-rollback function) to a rollout.
 * Inputs that drive it: whether the policy names `alarmName` and with which strategy, the alarm's
 * last seen value in `state.alarmStates` (only a transition INTO `ALARM` acts, so a duplicate
 * delivery is a no-op), and the phase (a final rollout never changes).
 * `immediate` → RolledBack with the canary at 0; `staged` → canary halved and observed (the
 * next judgement after `observeSeconds` rolls back or restores). OK and INSUFFICIENT_DATA only
 * record the value. `detail.reason` (CloudWatch's state reason, which names the breaching
 * datapoints) is carried into the evidence: an alarm can fire between two judgements, when the
 * rollout's own window holds no numbers yet.
 */
export function applyAlarm(
  policy: RolloutPolicy,
  state: RolloutState,
  alarmName: string,
  value: AlarmStateValue,
  now: number,
  detail: { reason?: string } = {},
): Transition {
  const alarm = { name: alarmName, state: value, ...(detail.reason ? { reason: detail.reason } : {}) };
  const evidence = { ...previewEvidence(policy, state, now), alarm };
  const hold = (reason: string, next: RolloutState = state): Transition => ({
    state: next,
    decision: makeDecision('hold', reason, evidence),
  });
  if (isFinal(state.phase))
    return hold(`rollout already ${state.phase}; alarm ${alarmName} ${value} ignored`);
  const entry = policy.rollback.onAlarms.find((candidate) => candidate.alarmName === alarmName);
  if (!entry) return hold(`alarm ${alarmName} is not named by the policy; ignored`);
  if (value !== 'OK' && value !== 'ALARM' && value !== 'INSUFFICIENT_DATA') {
    return hold(`alarm ${alarmName}: unknown state ${String(value)}; ignored`);
  }
  const previous = state.alarmStates[alarmName];
  if (previous === value) return hold(`alarm ${alarmName} already ${value}; nothing to do`);
  const recorded: RolloutState = { ...state, alarmStates: { ...state.alarmStates, [alarmName]: value } };
  if (value !== 'ALARM') {
    const reason = `alarm ${alarmName} is ${value}${value === 'INSUFFICIENT_DATA' ? ' (neither healthy nor breaching)' : ''}; nothing to do`;
    return hold(reason, { ...recorded, message: reason });
  }
  const effect = triggerAlarm(entry, recorded, now);
  return {
    state: effect.kind === 'none' ? { ...effect.state, message: effect.reason } : effect.state,
    decision: makeDecision(effect.kind === 'rollback' ? 'rollback' : 'hold', effect.reason, evidence),
  };
}
