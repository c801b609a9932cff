import { isFinal } from './is-final';
import { failShadowOnAlarm, isShadowing } from './judge-shadow';
import { previewEvidence } from './judge-tick';
import { makeDecision } from './make-decision';
import type { DecisionCause } from './decision-cause';
import { triggerAlarm } from './trigger-alarm';
import type { AlarmStateValue, RolloutPolicy, RolloutState, Transition } from './types';

/**
 * Applies one CloudWatch alarm state change (from the alarm-rollback function) to a rollout.
 * Inputs that drive it: whether the policy names `alarmName` and with which strategy, the alarm's
 * last seen value in `state.alarmStates` (only a transition INTO `ALARM` acts, so a duplicate
 * delivery is a no-op), and the phase (a final rollout never changes).
 * `immediate` → RolledBack with the canary at 0; `staged` → canary halved and observed (the
 * next judgement after `observeSeconds` rolls back or restores); during a shadow phase either
 * strategy fails the shadow (see judge-shadow.ts). OK and INSUFFICIENT_DATA only
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
  const hold = (cause: DecisionCause): Transition => ({
    state,
    decision: makeDecision('hold', cause, evidence),
  });
  const ignored = (why: Extract<DecisionCause, { kind: 'alarm-ignored' }>['ignored']): Transition =>
    hold({ kind: 'alarm-ignored', ignored: why, alarmName, state: String(value), phase: state.phase });
  if (isFinal(state.phase)) return ignored('rollout-final');
  const entry = policy.rollback.onAlarms.find((candidate) => candidate.alarmName === alarmName);
  if (!entry) return ignored('not-in-policy');
  if (value !== 'OK' && value !== 'ALARM' && value !== 'INSUFFICIENT_DATA') return ignored('unknown-state');
  const previous = state.alarmStates[alarmName];
  if (previous === value) return ignored('unchanged');
  const recorded: RolloutState = { ...state, alarmStates: { ...state.alarmStates, [alarmName]: value } };
  if (value !== 'ALARM') {
    const decision = makeDecision('hold', { kind: 'alarm-recorded', alarmName, state: value }, evidence);
    return { state: { ...recorded, message: decision.reason }, decision };
  }
  if (isShadowing(state)) return failShadowOnAlarm(policy, recorded, alarmName, evidence);
  const effect = triggerAlarm(entry, recorded, now);
  const decision = makeDecision(effect.kind === 'rollback' ? 'rollback' : 'hold', effect.cause, evidence);
  return {
    state: effect.kind === 'none' ? { ...effect.state, message: decision.reason } : effect.state,
    decision,
  };
}
