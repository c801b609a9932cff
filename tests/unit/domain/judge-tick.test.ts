import { describe, expect, it } from 'vitest';
import { judgeTick, startRollout, weightsOf } from '../../../shared/domain/index';
import { at, MINUTE, period, standardPolicy } from '../../fixtures/policies/policy-fixtures';
import { play } from './play-rollout';

describe('startRollout', () => {
  it('applies the leading setWeight and waits on the first pause from now', () => {
    const policy = standardPolicy();
    const { state, decision } = startRollout(policy, at(0));
    expect(state).toMatchObject({
      phase: 'Progressing',
      stepIndex: 1,
      canaryWeight: 5,
      stepStartedAt: at(0),
      startedAt: at(0),
      consecutiveFailures: { 'error-rate': 0, 'p99-latency': 0 },
      consecutiveInconclusive: 0,
      lastJudgedAt: null,
    });
    expect(decision.action).toBe('advance');
    expect(weightsOf(policy, state)).toEqual({ primary: 95, canary: 5 });
  });

  it('collapses consecutive setWeight steps into the last one', () => {
    const policy = standardPolicy((raw) => {
      raw.strategy.canary.steps = [{ setWeight: 5 }, { setWeight: 10 }, { pause: { duration: '1m' } }];
    });
    expect(startRollout(policy, at(0)).state).toMatchObject({ canaryWeight: 10, stepIndex: 2 });
  });

  it('waits for a person when the first pause has no duration', () => {
    const policy = standardPolicy((raw) => {
      raw.strategy.canary.steps = [{ setWeight: 5 }, { pause: {} }, { setWeight: 50 }];
    });
    const { state, decision } = startRollout(policy, at(0));
    expect(state).toMatchObject({ phase: 'Paused', pauseCause: 'step', stepIndex: 1, canaryWeight: 5 });
    expect(decision.action).toBe('pause');
  });
});

describe('judgeTick: the healthy path', () => {
  it('keeps 5% for minutes 0..9, goes to 20% at 10, 50% at 20 and promotes at 40 (the minimum the steps allow)', () => {
    const policy = standardPolicy();
    const run = play(policy, 41);
    expect(run.weights.slice(0, 10)).toEqual(Array(10).fill(5));
    expect(run.weights[10]).toBe(20);
    expect(run.weights.slice(10, 20)).toEqual(Array(10).fill(20));
    expect(run.weights.slice(20, 40)).toEqual(Array(20).fill(50));
    expect(run.actions[10]).toBe('advance');
    expect(run.actions[20]).toBe('advance');
    expect(run.actions[39]).toBe('hold');
    expect(run.actions[40]).toBe('promote');
    expect(run.final).toMatchObject({ phase: 'Promoted', canaryWeight: 100, stepIndex: 6 });
    expect(weightsOf(policy, run.final)).toEqual({ primary: 0, canary: 100 });
  });

  it('explains a hold with the step, the elapsed time and the numbers', () => {
    const run = play(standardPolicy(), 5);
    expect(run.ticks[4]!.decision.reason).toMatch(
      /^step 2\/6 \(pause 10m\): 4m of 10m elapsed; all metrics pass \(error-rate 0\.\d% vs baseline 0\.\d%: -?\+?0\.\d% \(99% lower bound -0\.\d\d%\) <= \+1\.0% allowed, 5\.0% threshold; p99-latency p99 180 ms vs baseline 180 ms: \+0% \(lower bound -\d+% after sampling noise\) <= \+30% allowed, 500 ms threshold\); canary 750 req, baseline 14,250 req$/,
    );
  });

  it('promotes a policy of only setWeight steps after one passing judgement', () => {
    const policy = standardPolicy((raw) => {
      raw.strategy.canary.steps = [{ setWeight: 30 }];
    });
    const run = play(policy, 1);
    expect(run.actions).toEqual(['promote']);
    expect(run.final.phase).toBe('Promoted');
  });

  it('treats a pause at 0% as a plain wait (there is nothing to judge and nothing at risk)', () => {
    const policy = standardPolicy((raw) => {
      raw.strategy.canary.steps = [
        { pause: { duration: '2m' } },
        { setWeight: 10 },
        { pause: { duration: '2m' } },
      ];
    });
    const run = play(policy, 3);
    expect(run.weights).toEqual([0, 0, 10]);
    expect(run.final.consecutiveInconclusive).toBe(0);
  });

  it('stops at a pause without duration after the timed one', () => {
    const policy = standardPolicy((raw) => {
      raw.strategy.canary.steps = [
        { setWeight: 5 },
        { pause: { duration: '2m' } },
        { setWeight: 20 },
        { pause: {} },
      ];
    });
    const run = play(policy, 6);
    expect(run.actions[2]).toBe('advance');
    expect(run.final).toMatchObject({ phase: 'Paused', pauseCause: 'step', canaryWeight: 20, stepIndex: 3 });
    expect(run.ticks[2]!.decision.reason).toContain('for an operator to resume or promote');
    expect(run.actions.slice(3)).toEqual(['hold', 'hold', 'hold']);
  });
});

describe('judgeTick: never advancing on doubt', () => {
  it('does not complete a pause on an inconclusive judgement', () => {
    const run = play(standardPolicy(), 12, (m) => (m >= 5 ? { canary: { invocations: 5 } } : {}));
    expect(run.weights.slice(9)).toEqual([5, 5, 5]);
    expect(run.actions.slice(9)).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
    expect(run.final.consecutiveInconclusive).toBe(3);
  });

  it('does not complete a pause on a failing judgement below failureLimit', () => {
    const policy = standardPolicy((raw) => {
      raw.analysis.metrics[0].failureLimit = 10;
    });
    const run = play(policy, 12, (m) => (m >= 8 ? { canary: { errorRate: 0.2 } } : {}));
    expect(run.weights.slice(8)).toEqual([5, 5, 5, 5]);
    expect(run.actions.slice(8)).toEqual(['hold', 'hold', 'hold', 'hold']);
    expect(run.ticks[11]!.decision.reason).toMatch(
      /^holding, failing: error-rate .* \(4\/10 failing judgements\)/,
    );
  });

  it('advances once the data is back and the judgement passes', () => {
    const run = play(standardPolicy(), 16, (m) =>
      m >= 8 && m < 10 ? { canary: null, baseline: { invocations: 0 } } : {},
    );
    expect(run.weights[9]).toBe(5);
    expect(run.weights[10]).toBe(20);
  });

  it('pauses for a person after inconclusiveLimit inconclusive judgements in a row', () => {
    const policy = standardPolicy((raw) => {
      raw.analysis.inconclusiveLimit = 4;
    });
    const run = play(policy, 6, () => ({ canary: { invocations: 3 } }));
    expect(run.actions).toEqual(['inconclusive', 'inconclusive', 'inconclusive', 'pause', 'hold', 'hold']);
    expect(run.final).toMatchObject({ phase: 'Paused', pauseCause: 'inconclusive', canaryWeight: 5 });
    expect(run.ticks[3]!.decision.reason).toMatch(/^paused: 4 inconclusive judgements in a row \(limit 4\)/);
  });

  it('resets the inconclusive streak on a conclusive judgement', () => {
    const policy = standardPolicy((raw) => {
      raw.analysis.inconclusiveLimit = 3;
    });
    const run = play(policy, 6, (m) => (m % 3 === 2 ? {} : { canary: { invocations: 3 } }));
    expect(run.final.phase).toBe('Progressing');
  });
});

describe('judgeTick: rollback', () => {
  it('rolls back when the canary error rate stays above the threshold for failureLimit judgements', () => {
    const run = play(standardPolicy(), 30, (m) => (m >= 3 ? { canary: { errorRate: 0.4 } } : {}));
    expect(run.actions.slice(0, 5)).toEqual(['hold', 'hold', 'hold', 'hold', 'rollback']);
    expect(run.final).toMatchObject({ phase: 'RolledBack', canaryWeight: 0 });
    expect(run.ticks.length).toBe(30);
    expect(run.ticks[4]!.decision.reason).toMatch(
      /^rolled back: error-rate \d+\.\d% > 5\.0% threshold \(2\/2 failing judgements\); canary 750 req, baseline 14,250 req$/,
    );
  });

  it('rolls back a tail-only latency regression after its failureLimit', () => {
    // p99 420 ms against 180 ms with an unchanged median: the body does not show it, so the
    // ordinary test of the p99 decides, judgement by judgement.
    const run = play(standardPolicy(), 10, () => ({ canary: { p99: 420 } }));
    // 150 canary requests a minute: the first judgements cannot tell a p99 from noise yet.
    const firstFailure = run.ticks.findIndex((t) =>
      t.decision.reason.startsWith('holding, failing: p99-latency'),
    );
    expect(firstFailure).toBeGreaterThan(0);
    expect(run.actions.indexOf('rollback')).toBe(firstFailure + 2);
    expect(run.final.phase).toBe('RolledBack');
  });

  it('rolls back a canary slower on every request at once, on its second period, without waiting for failureLimit', () => {
    const run = play(standardPolicy(), 10, () => ({ canary: { p50: 64, p99: 288 } }));
    expect(run.actions.indexOf('rollback')).toBe(1);
    expect(run.ticks[1]!.decision.reason).toMatch(
      /^rolled back: p99-latency p99 288 ms vs baseline 180 ms: \+60%/,
    );
  });

  it('still rolls back a canary that fails badly while paused (it still takes traffic)', () => {
    const policy = standardPolicy((raw) => {
      raw.strategy.canary.steps = [{ setWeight: 20 }, { pause: {} }];
    });
    const run = play(policy, 4, (m) => (m >= 1 ? { canary: { errorRate: 0.3 } } : {}));
    expect(run.actions).toEqual(['hold', 'hold', 'rollback', 'hold']);
    expect(run.final).toMatchObject({ phase: 'RolledBack', canaryWeight: 0 });
  });

  it('never moves weight back to a rolled-back canary', () => {
    const run = play(standardPolicy(), 40, (m) => (m >= 3 && m < 6 ? { canary: { errorRate: 0.4 } } : {}));
    const rollbackAt = run.actions.indexOf('rollback');
    expect(run.weights.slice(rollbackAt)).toEqual(Array(40 - rollbackAt).fill(0));
    expect(run.actions.slice(rollbackAt + 1).every((a) => a === 'hold')).toBe(true);
  });
});

describe('judgeTick: input handling', () => {
  const policy = standardPolicy();
  const started = startRollout(policy, at(0)).state;
  const afterMinute0 = judgeTick(policy, started, { periods: [period(0)] }, at(0)).state;

  it('judges only when analysis.interval has passed since the last judgement', () => {
    const early = judgeTick(policy, afterMinute0, { periods: [] }, at(0) + 30_000);
    expect(early.decision.action).toBe('hold');
    expect(early.decision.reason).toBe('next judgement at 2026-01-01T00:01:00.000Z');
    expect(early.state.lastJudgedAt).toBe(at(0));
  });

  it('ignores a stale period and changes nothing', () => {
    const later = judgeTick(policy, afterMinute0, { periods: [period(10)] }, at(10)).state;
    const stale = judgeTick(policy, later, { periods: [period(2, { errorRate: 1 })] }, at(11));
    expect(stale.state).toBe(later);
    expect(stale.decision.action).toBe('hold');
    expect(stale.decision.reason).toMatch(/^stale input: 1 period\(s\) older than the window/);
  });

  it('replaces a period with a correction of the same time', () => {
    const corrected = judgeTick(policy, afterMinute0, { periods: [period(0, { invocations: 10 })] }, at(0));
    expect(corrected.state.recent).toHaveLength(1);
    expect(corrected.state.recent[0]!.variants.canary!.invocations).toBe(10);
  });

  it('keeps only the periods inside the window, oldest first', () => {
    let state = afterMinute0;
    for (const minute of [3, 1, 2, 7])
      state = judgeTick(policy, state, { periods: [period(minute)] }, at(7)).state;
    expect(state.recent.map((p) => (p.time - at(0)) / MINUTE)).toEqual([3, 7]);
    expect(state.lastPeriodTime).toBe(at(7));
  });

  it('ignores a period from the future', () => {
    const next = judgeTick(policy, afterMinute0, { periods: [period(30)] }, at(1));
    expect(next.state.lastPeriodTime).toBe(at(0));
    expect(next.decision.reason).toContain('1 period(s) after 2026-01-01T00:01:00.000Z ignored');
  });

  it('keeps only the policy variants in the stored window', () => {
    const p = period(1);
    const withExtra = { ...p, variants: { ...p.variants, shadow: p.variants.canary } };
    const next = judgeTick(policy, afterMinute0, { periods: [withExtra] }, at(1));
    expect(Object.keys(next.state.recent.at(-1)!.variants).sort()).toEqual(['canary', 'primary']);
  });

  it.each(['Promoted', 'RolledBack', 'Aborted'] as const)('changes nothing once %s', (phase) => {
    const final = { ...afterMinute0, phase, canaryWeight: phase === 'Promoted' ? 100 : 0 };
    const next = judgeTick(
      policy,
      final,
      { periods: [period(1, { errorRate: 1 })], alarms: { 'demo-canary-5xx': 'ALARM' } },
      at(1),
    );
    expect(next.state).toBe(final);
    expect(next.decision.action).toBe('hold');
  });
});

describe('judgeTick: alarms', () => {
  const policy = standardPolicy((raw) => {
    raw.rollback.onAlarms.push({ alarmName: 'latency-alarm', strategy: 'staged', observe: '3m' });
  });

  it('rolls back at once when an immediate alarm enters ALARM', () => {
    const run = play(policy, 5, (m) => ({ alarms: { 'demo-canary-5xx': m >= 2 ? 'ALARM' : 'OK' } }));
    expect(run.actions).toEqual(['hold', 'hold', 'rollback', 'hold', 'hold']);
    expect(run.final).toMatchObject({ phase: 'RolledBack', canaryWeight: 0 });
    expect(run.ticks[2]!.decision.evidence.alarm).toEqual({ name: 'demo-canary-5xx', state: 'ALARM' });
    expect(run.ticks[2]!.decision.reason).toBe(
      'alarm demo-canary-5xx entered ALARM: rolled back at once (canary 5% -> 0%)',
    );
  });

  it.each(['OK', 'INSUFFICIENT_DATA'] as const)('does nothing on %s', (value) => {
    const run = play(policy, 3, () => ({ alarms: { 'demo-canary-5xx': value, 'latency-alarm': value } }));
    expect(run.weights).toEqual([5, 5, 5]);
    expect(run.final.alarmStates).toEqual({ 'demo-canary-5xx': value, 'latency-alarm': value });
  });

  it('ignores alarms the policy does not name', () => {
    const run = play(policy, 3, () => ({ alarms: { 'someone-elses-alarm': 'ALARM' } }));
    expect(run.final.phase).toBe('Progressing');
    expect(run.final.alarmStates).toEqual({});
  });

  it('halves the canary on a staged alarm, observes, and restores it when the alarm clears', () => {
    const run = play(policy, 16, (m) => ({
      alarms: { 'latency-alarm': m >= 11 && m < 13 ? 'ALARM' : 'OK' },
    }));
    expect(run.weights.slice(10, 16)).toEqual([20, 10, 10, 10, 20, 20]);
    expect(run.ticks[11]!.decision.reason).toMatch(
      /^alarm latency-alarm entered ALARM: staged rollback, canary 20% -> 10%/,
    );
    expect(run.actions[14]).toBe('advance');
    expect(run.ticks[14]!.decision.reason).toMatch(
      /staged rollback for latency-alarm ended.*canary 10% -> 20%/,
    );
    expect(run.final.staged).toBeNull();
  });

  it('rolls back at the end of a staged observation when the alarm is still in ALARM', () => {
    const run = play(policy, 16, (m) => ({ alarms: { 'latency-alarm': m >= 11 ? 'ALARM' : 'OK' } }));
    expect(run.actions[14]).toBe('rollback');
    expect(run.ticks[14]!.decision.reason).toContain('alarm latency-alarm still in ALARM');
    expect(run.final).toMatchObject({ phase: 'RolledBack', canaryWeight: 0 });
  });

  it('rolls back at the end of a staged observation when a metric is failing', () => {
    const strict = standardPolicy((raw) => {
      raw.analysis.metrics[0].failureLimit = 20;
      raw.rollback.onAlarms = [{ alarmName: 'latency-alarm', strategy: 'staged', observe: '3m' }];
    });
    const run = play(strict, 16, (m) => ({
      alarms: { 'latency-alarm': m === 11 ? 'ALARM' : 'OK' },
      ...(m >= 11 ? { canary: { errorRate: 0.3 } } : {}),
    }));
    expect(run.actions[14]).toBe('rollback');
    expect(run.final.phase).toBe('RolledBack');
  });

  it('does not advance steps during a staged observation', () => {
    const run = play(policy, 12, (m) => ({ alarms: { 'latency-alarm': m >= 8 ? 'ALARM' : 'OK' } }));
    expect(run.weights.slice(8, 11)).toEqual([2, 2, 2]);
    expect(run.final.stepIndex).toBe(1);
  });
});
