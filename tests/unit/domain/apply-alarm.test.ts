import { describe, expect, it } from 'vitest';
import { applyAlarm, judgeTick, startRollout } from '../../../shared/domain/index';
import type { RolloutState } from '../../../shared/domain/types';
import { at, period, standardPolicy } from '../../fixtures/policies/policy-fixtures';

const policy = standardPolicy((raw) => {
  raw.rollback.onAlarms.push({ alarmName: 'slow', strategy: 'staged', observe: '2m' });
});
const progressing = (canaryWeight = 20): RolloutState => ({
  ...startRollout(policy, at(0)).state,
  canaryWeight,
});

describe('applyAlarm', () => {
  it('rolls back at once when an immediate alarm enters ALARM', () => {
    const { state, decision } = applyAlarm(policy, progressing(), 'demo-canary-5xx', 'ALARM', at(3));
    expect(state).toMatchObject({
      phase: 'RolledBack',
      canaryWeight: 0,
      alarmStates: { 'demo-canary-5xx': 'ALARM' },
    });
    expect(decision).toMatchObject({
      action: 'rollback',
      evidence: { alarm: { name: 'demo-canary-5xx', state: 'ALARM' } },
    });
  });

  it("carries CloudWatch's reason for the alarm into the evidence (the numbers between two judgements)", () => {
    const reason =
      'Threshold Crossed: 2 out of the last 2 datapoints [131.0, 112.0] were greater than the threshold (30.0)';
    const { decision } = applyAlarm(policy, progressing(), 'demo-canary-5xx', 'ALARM', at(3), { reason });
    expect(decision.evidence.alarm).toEqual({ name: 'demo-canary-5xx', state: 'ALARM', reason });
  });

  it.each([
    [20, 10],
    [5, 2],
    [1, 0],
    [50, 25],
  ])('halves a %i%% canary to %i%% on a staged alarm and observes for its observe time', (weight, halved) => {
    const { state } = applyAlarm(policy, progressing(weight), 'slow', 'ALARM', at(3));
    expect(state).toMatchObject({
      phase: 'Progressing',
      canaryWeight: halved,
      staged: { alarmName: 'slow', startedAt: at(3), observeUntil: at(5), restoreWeight: weight },
    });
  });

  it.each<[string, () => RolloutState, string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', string]>([
    [
      'a duplicate ALARM delivery',
      () => applyAlarm(policy, progressing(), 'slow', 'ALARM', at(3)).state,
      'slow',
      'ALARM',
      'alarm slow already ALARM; nothing to do',
    ],
    [
      'an ALARM after the rollback',
      () => applyAlarm(policy, progressing(), 'demo-canary-5xx', 'ALARM', at(3)).state,
      'demo-canary-5xx',
      'ALARM',
      'rollout already RolledBack; alarm demo-canary-5xx ALARM ignored',
    ],
    [
      'an alarm the policy does not name',
      () => progressing(),
      'other',
      'ALARM',
      'alarm other is not named by the policy; ignored',
    ],
  ])('is a no-op hold for %s', (_case, before, alarm, value, reason) => {
    const state = before();
    const result = applyAlarm(policy, state, alarm, value, at(4));
    expect(result.state).toBe(state);
    expect(result.decision).toMatchObject({ action: 'hold', reason });
  });

  it.each(['OK', 'INSUFFICIENT_DATA'] as const)('records %s and changes no weight', (value) => {
    const { state, decision } = applyAlarm(policy, progressing(), 'demo-canary-5xx', value, at(3));
    expect(state).toMatchObject({
      phase: 'Progressing',
      canaryWeight: 20,
      alarmStates: { 'demo-canary-5xx': value },
    });
    expect(decision.action).toBe('hold');
  });

  it('acts on ALARM again after the alarm went back to OK', () => {
    const staged = applyAlarm(policy, progressing(), 'slow', 'ALARM', at(3)).state;
    const cleared = applyAlarm(policy, staged, 'slow', 'OK', at(4)).state;
    const restored = judgeTick(policy, cleared, { periods: [period(5, { invocations: 600 })] }, at(5)).state;
    expect(restored).toMatchObject({ canaryWeight: 20, staged: null });
    const again = applyAlarm(policy, restored, 'slow', 'ALARM', at(6)).state;
    expect(again.canaryWeight).toBe(10);
  });

  it('does not halve twice when a second staged alarm fires during an observation', () => {
    const twoStaged = standardPolicy((raw) => {
      raw.rollback.onAlarms = [
        { alarmName: 'a', strategy: 'staged' },
        { alarmName: 'b', strategy: 'staged' },
      ];
    });
    const start = { ...startRollout(twoStaged, at(0)).state, canaryWeight: 40 };
    const first = applyAlarm(twoStaged, start, 'a', 'ALARM', at(1)).state;
    const second = applyAlarm(twoStaged, first, 'b', 'ALARM', at(2));
    expect(second.state.canaryWeight).toBe(20);
    expect(second.state.staged?.alarmName).toBe('a');
    expect(second.decision.reason).toContain('already at half weight');
  });
});
