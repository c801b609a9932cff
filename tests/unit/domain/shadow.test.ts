import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyAlarm,
  applyCommand,
  isFinal,
  judgeTick,
  startRollout,
  weightsOf,
} from '../../../shared/domain/index';
import { canaryAfterShadow, inShadow, shadowShare } from '../../../shared/domain/judge-shadow';
import type { RolloutPolicy, RolloutState, Transition } from '../../../shared/domain/types';
import { at, MINUTE, period, type RawDraft, standardPolicy } from '../../fixtures/policies/policy-fixtures';

/** The standard policy with a 10-minute shadow on 20 % of the requests before its steps. */
const shadowPolicy = (edit?: (raw: RawDraft) => void): RolloutPolicy =>
  standardPolicy((raw) => {
    raw.strategy.canary.shadow = { samplingPercent: 20, duration: '10m' };
    edit?.(raw);
  });

/** The shadow's copies of one minute (20 % of 3,000 requests) under the canary variant's name. */
interface ShadowMinute {
  errorRate?: number;
  p99?: number;
  copies?: number;
  alarms?: Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>;
}

/** Plays `minutes` of a rollout from minute 0; during the shadow the canary's entry is the copies. */
function playShadow(
  policy: RolloutPolicy,
  minutes: number,
  spec: (minute: number) => ShadowMinute = () => ({}),
): { start: Transition; ticks: Transition[]; final: RolloutState } {
  const start = startRollout(policy, at(0));
  let state = start.state;
  const ticks: Transition[] = [];
  for (let minute = 0; minute < minutes; minute++) {
    const s = spec(minute);
    const weight = weightsOf(policy, state)[policy.endpoint.canaryVariant]!;
    const shadow = shadowShare(policy, state);
    const canaryInvocations =
      shadow !== null ? (s.copies ?? Math.round(3000 * (shadow / 100))) : Math.round(3000 * (weight / 100));
    const p = period(
      minute,
      {
        invocations: canaryInvocations,
        ...(s.errorRate !== undefined ? { errorRate: s.errorRate } : {}),
        ...(s.p99 !== undefined ? { p99: s.p99 } : {}),
      },
      { invocations: 3000 - Math.round(3000 * (weight / 100)) },
    );
    const next = judgeTick(
      policy,
      state,
      { periods: [p], ...(s.alarms ? { alarms: s.alarms } : {}) },
      at(minute),
    );
    ticks.push(next);
    state = next.state;
    if (isFinal(state.phase)) break;
  }
  return { start, ticks, final: state };
}

describe('a rollout with a shadow phase starts as a shadow', () => {
  it('starts Progressing with the canary at 0% and the shadow judged until its duration is up', () => {
    const policy = shadowPolicy();
    const { state, decision } = startRollout(policy, at(0));
    expect(state).toMatchObject({
      phase: 'Progressing',
      canaryWeight: 0,
      stepIndex: 0,
      shadow: { startedAt: at(0), until: at(10) },
    });
    expect(weightsOf(policy, state)).toEqual({ primary: 100, canary: 0 });
    expect(shadowShare(policy, state)).toBe(20);
    expect(decision.action).toBe('hold');
    expect(decision.cause).toMatchObject({
      kind: 'started',
      canaryWeight: 0,
      shadow: { samplingPercent: 20, durationSeconds: 600, until: at(10), firstWeight: 5 },
    });
    expect(decision.reason).toMatch(
      /^rollout started as a shadow: 20% of production requests copied to the new model, which answers nobody, for 10m .*; canary 0%, then 5% if the shadow passes$/,
    );
  });

  it('starts as before without a shadow policy (no shadow state, no shadow share)', () => {
    const policy = standardPolicy();
    const { state } = startRollout(policy, at(0));
    expect(state.shadow).toBeUndefined();
    expect(shadowShare(policy, state)).toBeNull();
  });
});

describe('judgeShadow: a healthy shadow passes into the canary steps', () => {
  it('holds at 0% while the shadow is judged, then applies the first step once its time is up and it passes', () => {
    const policy = shadowPolicy();
    const run = playShadow(policy, 12);
    expect(run.ticks.slice(0, 10).map((t) => t.state.canaryWeight)).toEqual(Array(10).fill(0));
    expect(run.ticks.slice(0, 10).map((t) => t.decision.action)).toEqual(Array(10).fill('hold'));
    expect(run.ticks[4]!.decision.reason).toMatch(
      /^shadow \(20% of requests copied, answering nobody\): 4m of 10m elapsed; all metrics pass \(.*\); shadow 3,000 req \(copies\), baseline 15,000 req$/,
    );
    const passed = run.ticks[10]!;
    expect(passed.decision.action).toBe('advance');
    expect(passed.decision.cause).toMatchObject({ kind: 'shadow-passed', toWeight: 5, samplingPercent: 20 });
    expect(passed.decision.reason).toMatch(
      /^shadow passed: 10m on 20% of requests copied and all metrics pass/,
    );
    expect(passed.decision.reason).toMatch(
      /canary 0% -> 5%, judged on its own traffic from now; next: step 2\/6 \(pause 10m\)$/,
    );
    expect(passed.state).toMatchObject({
      phase: 'Progressing',
      canaryWeight: 5,
      stepIndex: 1,
      stepStartedAt: at(10),
      // Kept as the record of the shadow that passed: the canary's window starts after it.
      shadow: { startedAt: at(0), until: at(10), canaryFrom: at(10) },
      recent: [],
      consecutiveInconclusive: 0,
      consecutiveFailures: { 'error-rate': 0, 'p99-latency': 0 },
    });
    expect(shadowShare(policy, passed.state)).toBeNull();
  });

  it('judges the canary afterwards on its own evidence: the window starts empty after the shadow', () => {
    const run = playShadow(shadowPolicy(), 12);
    const firstCanaryJudgement = run.ticks[11]!;
    expect(firstCanaryJudgement.decision.evidence.canary.invocations).toBe(150);
    expect(firstCanaryJudgement.state.recent).toHaveLength(1);
  });

  it('never lets the shadow’s periods back into the canary’s window (CloudWatch hands recent periods back as corrections)', () => {
    const policy = shadowPolicy();
    const passed = playShadow(policy, 11).ticks[10]!.state;
    // The next read repeats the last minutes of the shadow, copies failing badly, with one new period.
    const reread = [7, 8, 9, 10].map((m) => period(m, { invocations: 600, errorRate: 0.5 }));
    const next = judgeTick(policy, passed, { periods: [...reread, period(11)] }, at(11));
    expect(next.state.recent.map((p) => p.time)).toEqual([at(11)]);
    expect(next.decision.evidence.canary.invocations).toBe(150);
    expect(next.state.consecutiveFailures).toEqual({ 'error-rate': 0, 'p99-latency': 0 });
  });

  it('goes on to promote after the shadow and every step (shadow 10m + the steps 40m)', () => {
    const run = playShadow(shadowPolicy(), 60);
    expect(run.final.phase).toBe('Promoted');
    expect(run.ticks.findIndex((t) => t.decision.action === 'promote')).toBe(50);
  });

  it('does not pass while its judgement is inconclusive, even with the time up', () => {
    const policy = shadowPolicy();
    const run = playShadow(policy, 14, (minute) => (minute < 12 ? { copies: 10 } : {}));
    expect(run.ticks[10]!.decision.action).toBe('inconclusive');
    expect(run.ticks[10]!.decision.reason).toMatch(
      /^shadow .*: 10m done, waiting for a passing judgement; inconclusive/,
    );
    expect(run.ticks[10]!.state.canaryWeight).toBe(0);
    // Enough copies again: the window has 100 of them on minute 12 (5 minutes of 10 + 600) and passes.
    expect(run.ticks[12]!.decision.cause?.kind).toBe('shadow-passed');
  });

  it('does not pass while a metric fails below its failureLimit', () => {
    const policy = shadowPolicy((raw) => {
      raw.analysis.metrics[0].failureLimit = 5;
    });
    const run = playShadow(policy, 11, (minute) => (minute === 10 ? { errorRate: 0.5 } : {}));
    expect(run.ticks[10]!.decision.action).toBe('hold');
    expect(run.ticks[10]!.decision.reason).toMatch(
      /10m done, waiting for a passing judgement; failing: error-rate/,
    );
    expect(run.ticks[10]!.state.shadow).not.toBeNull();
  });

  it('waits on a manual first pause for a person after the shadow passed', () => {
    const policy = shadowPolicy((raw) => {
      raw.strategy.canary.steps = [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }];
    });
    const passed = playShadow(policy, 11).ticks[10]!;
    expect(passed.state).toMatchObject({
      phase: 'Paused',
      pauseCause: 'step',
      canaryWeight: 10,
      stepIndex: 1,
    });
  });
});

describe('judgeShadow: a failing shadow ends the rollout with no user traffic moved', () => {
  it.each([
    ['error rate', { errorRate: 0.08 }, 'error-rate'],
    ['p99 latency', { p99: 900 }, 'p99-latency'],
  ])('rolls back when the shadow’s %s stays failing for failureLimit judgements', (_name, bad, metric) => {
    const policy = shadowPolicy();
    const run = playShadow(policy, 10, (minute) => (minute >= 2 ? bad : {}));
    const last = run.ticks.at(-1)!;
    expect(last.decision.action).toBe('rollback');
    expect(last.decision.cause).toMatchObject({
      kind: 'shadow-failed',
      samplingPercent: 20,
      metrics: [expect.objectContaining({ metric })],
    });
    expect(last.state).toMatchObject({ phase: 'RolledBack', canaryWeight: 0 });
    // Kept so the watchdog knows the endpoint has a shadow variant to remove.
    expect(last.state.shadow).toEqual({ startedAt: at(0), until: at(10) });
    expect(shadowShare(policy, last.state)).toBeNull();
    expect(last.decision.reason).toMatch(
      /^shadow failed, rolled back: .*; the shadow is removed and no user request was answered by the new model \(canary 0% throughout\); shadow [\d,]+ req \(copies\), baseline [\d,]+ req$/,
    );
    expect(run.ticks.every((t) => t.state.canaryWeight === 0)).toBe(true);
  });

  it.each(['immediate', 'staged'])(
    'fails at once when a policy alarm (%s) enters ALARM during the tick',
    (strategy) => {
      const policy = shadowPolicy((raw) => {
        raw.rollback.onAlarms = [
          { alarmName: 'demo-canary-5xx', strategy, ...(strategy === 'staged' ? { observe: '2m' } : {}) },
        ];
      });
      const run = playShadow(policy, 5, (minute) =>
        minute === 3 ? { alarms: { 'demo-canary-5xx': 'ALARM' } } : {},
      );
      const last = run.ticks.at(-1)!;
      expect(run.ticks).toHaveLength(4);
      expect(last.decision.cause).toMatchObject({
        kind: 'shadow-failed',
        alarmName: 'demo-canary-5xx',
        metrics: [],
      });
      expect(last.decision.reason).toMatch(
        /^shadow failed, rolled back: alarm demo-canary-5xx entered ALARM;/,
      );
      expect(last.state).toMatchObject({ phase: 'RolledBack', canaryWeight: 0, staged: null });
    },
  );

  it('fails on an alarm event between ticks, whatever the alarm’s strategy', () => {
    const policy = shadowPolicy((raw) => {
      raw.rollback.onAlarms = [{ alarmName: 'demo-canary-5xx', strategy: 'staged', observe: '2m' }];
    });
    const started = startRollout(policy, at(0)).state;
    const alarmed = applyAlarm(policy, started, 'demo-canary-5xx', 'ALARM', at(1));
    expect(alarmed.decision.action).toBe('rollback');
    expect(alarmed.decision.cause).toMatchObject({ kind: 'shadow-failed', alarmName: 'demo-canary-5xx' });
    expect(alarmed.state).toMatchObject({ phase: 'RolledBack', canaryWeight: 0, staged: null });
  });
});

describe('operator commands during a shadow', () => {
  it('refuses promote: the new model has answered no user request yet', () => {
    const policy = shadowPolicy();
    const result = applyCommand(policy, startRollout(policy, at(0)).state, { type: 'promote' }, at(1));
    expect(result).toEqual({
      ok: false,
      error: expect.stringMatching(/^cannot promote: the new model is still a shadow/),
    });
  });

  it('pauses a shadow (still judged, never passed) and resumes it as a shadow', () => {
    const policy = shadowPolicy();
    let state = startRollout(policy, at(0)).state;
    const paused = applyCommand(policy, state, { type: 'pause' }, at(0));
    if (!paused.ok) throw new Error(paused.error);
    state = paused.transition.state;
    for (let minute = 0; minute <= 11; minute++) {
      state = judgeTick(policy, state, { periods: [period(minute, { invocations: 600 })] }, at(minute)).state;
    }
    expect(state).toMatchObject({ phase: 'Paused', canaryWeight: 0, shadow: { until: at(10) } });
    expect(state.message).toMatch(
      /^shadow .* paused by an operator: still judged, not passed until resumed; all metrics pass/,
    );
    const resumed = applyCommand(policy, state, { type: 'resume' }, at(11) + 1);
    if (!resumed.ok) throw new Error(resumed.error);
    expect(resumed.transition.state).toMatchObject({ phase: 'Progressing', canaryWeight: 0 });
    const next = judgeTick(
      policy,
      resumed.transition.state,
      { periods: [period(12, { invocations: 600 })] },
      at(12),
    );
    expect(next.decision.cause?.kind).toBe('shadow-passed');
  });

  it('aborts a shadow to 0% and keeps the shadow in the state for its removal', () => {
    const policy = shadowPolicy();
    const result = applyCommand(policy, startRollout(policy, at(0)).state, { type: 'abort' }, at(1));
    if (!result.ok) throw new Error(result.error);
    expect(result.transition.state).toMatchObject({
      phase: 'Aborted',
      canaryWeight: 0,
      shadow: { until: at(10) },
    });
  });

  it('pauses after inconclusiveLimit inconclusive judgements in a row, like a canary', () => {
    const policy = shadowPolicy((raw) => {
      raw.analysis.inconclusiveLimit = 3;
    });
    const run = playShadow(policy, 3, () => ({ copies: 5 }));
    const last = run.ticks.at(-1)!;
    expect(last.decision.action).toBe('pause');
    expect(last.state).toMatchObject({ phase: 'Paused', pauseCause: 'inconclusive', canaryWeight: 0 });
    expect(last.decision.reason).toMatch(/paused: 3 inconclusive judgements in a row \(limit 3\)/);
  });
});

describe('canaryAfterShadow (on an endpoint, once the shadow is a production variant)', () => {
  it('applies the first step’s weight from the moment the canary is in service, on an empty window', () => {
    const policy = shadowPolicy();
    const waiting: RolloutState = {
      ...startRollout(policy, at(0)).state,
      shadow: { startedAt: at(0), until: at(10), passedAt: at(10) },
      lastPeriodTime: at(10),
    };
    const ready = canaryAfterShadow(policy, waiting, at(13));
    expect(ready.decision.action).toBe('advance');
    expect(ready.decision.cause).toMatchObject({ kind: 'shadow-canary-ready', toWeight: 5 });
    expect(ready.decision.reason).toBe(
      "the shadow's model now serves as the canary: canary 0% -> 5%; next: step 2/6 (pause 10m)",
    );
    expect(ready.state).toMatchObject({
      phase: 'Progressing',
      canaryWeight: 5,
      stepIndex: 1,
      stepStartedAt: at(13),
      lastPeriodTime: at(13),
      recent: [],
      shadow: { startedAt: at(0), until: at(10), passedAt: at(10), canaryFrom: at(13) },
    });
    expect(shadowShare(policy, ready.state)).toBeNull();
  });
});

describe('property: a shadow never gets a user weight above 0 before it passed', () => {
  it('holds for any sequence of shadow metrics, alarms and commands', () => {
    const policy = shadowPolicy((raw) => {
      raw.analysis.inconclusiveLimit = 4;
    });
    // Mostly healthy minutes, so that many runs pass the shadow and go on as a canary.
    const often = <T>(usual: T, other: fc.Arbitrary<T>) =>
      fc.oneof({ arbitrary: fc.constant(usual), weight: 12 }, { arbitrary: other, weight: 1 });
    const minute = fc.record({
      copies: often(600, fc.integer({ min: 0, max: 2000 })),
      errorRate: often(0.002, fc.double({ min: 0, max: 0.3, noNaN: true })),
      p99: often(180, fc.integer({ min: 50, max: 2000 })),
      alarm: often<'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | undefined>(
        'OK',
        fc.constantFrom('ALARM', 'INSUFFICIENT_DATA', undefined),
      ),
      command: often<'pause' | 'resume' | 'promote' | undefined>(
        undefined,
        fc.constantFrom('pause', 'resume', 'promote'),
      ),
    });
    let passes = 0;
    fc.assert(
      fc.property(fc.array(minute, { minLength: 1, maxLength: 30 }), (minutes) => {
        let state = startRollout(policy, at(0)).state;
        for (const [i, m] of minutes.entries()) {
          const before = state;
          if (m.command) {
            const result = applyCommand(policy, state, { type: m.command } as never, at(i) - MINUTE / 2);
            if (result.ok) state = result.transition.state;
          }
          const next = judgeTick(
            policy,
            state,
            {
              periods: [period(i, { invocations: m.copies, errorRate: m.errorRate, p99: m.p99 })],
              ...(m.alarm ? { alarms: { 'demo-canary-5xx': m.alarm } } : {}),
            },
            at(i),
          );
          state = next.state;
          const passedNow = next.decision.cause?.kind === 'shadow-passed';
          if (passedNow) passes++;
          // In the shadow (before it passed, or ended in it) the canary has no weight at all.
          if (inShadow(state.shadow) && state.canaryWeight !== 0) return false;
          if (inShadow(before.shadow) && !passedNow && state.canaryWeight !== 0) return false;
          if (passedNow && !(at(i) >= before.shadow!.until)) return false;
          if (isFinal(state.phase)) break;
        }
        return true;
      }),
      { numRuns: 200 },
    );
    // The property saw shadows pass, not only shadows that never got there.
    expect(passes).toBeGreaterThan(0);
  });
});
