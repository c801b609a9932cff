import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyAlarm,
  applyCommand,
  isFinal,
  judgeTick,
  startRollout,
  weightsOf,
} from '../../shared/domain/index';
import type {
  AlarmStateValue,
  OperatorCommand,
  PeriodObservation,
  RolloutPolicy,
  RolloutState,
  Transition,
  VariantPeriodMetrics,
} from '../../shared/domain/types';
import { at, standardPolicy } from '../fixtures/policies/policy-fixtures';

/** Modest run counts: each run plays up to ~60 judgements, and the whole suite must stay fast. */
const RUNS = 100;

const policy = standardPolicy((raw) => {
  raw.rollback.onAlarms.push({ alarmName: 'staged-alarm', strategy: 'staged', observe: '2m' });
  raw.analysis.inconclusiveLimit = 8;
});
const policyWithManualPause = standardPolicy((raw) => {
  raw.strategy.canary.steps = [
    { setWeight: 10 },
    { pause: { duration: '3m' } },
    { setWeight: 30 },
    { pause: {} },
  ];
});

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** Any number a broken pipeline could produce. */
const wildNumber = fc.oneof(
  fc.double(),
  fc.integer({ min: -1_000_000, max: 10_000_000 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e308, -1e308),
);
const wildValue = fc.oneof(wildNumber, fc.constant(null), fc.constant(undefined), fc.string(), fc.boolean());

const wildVariant = fc.oneof(
  fc.record(
    {
      invocations: wildValue,
      errors5xx: wildValue,
      errors4xx: wildValue,
      latencyAvgMs: wildValue,
      latencyP50Ms: wildValue,
      latencyP90Ms: wildValue,
      latencyP99Ms: wildValue,
    },
    { requiredKeys: [] },
  ),
  fc.constant(null),
  fc.constant(undefined),
  wildNumber,
);

const wildPeriod = (minute: number) =>
  fc.record(
    {
      time: fc.oneof(fc.constant(at(minute)), wildNumber),
      variants: fc.oneof(
        fc.record({ primary: wildVariant, canary: wildVariant }, { requiredKeys: [] }),
        fc.dictionary(fc.string(), wildVariant),
        fc.constant(null),
      ),
      custom: fc.oneof(fc.dictionary(fc.string(), wildValue), fc.constant(undefined)),
    },
    { requiredKeys: ['time'] },
  );

const alarmValue = fc.constantFrom<AlarmStateValue>('OK', 'ALARM', 'INSUFFICIENT_DATA');
const wildAlarms = fc.oneof(
  fc.constant(undefined),
  fc.record({ 'demo-canary-5xx': alarmValue, 'staged-alarm': alarmValue }, { requiredKeys: [] }),
  fc.dictionary(fc.string(), fc.oneof(alarmValue, fc.string())),
);

const command = fc.oneof(
  fc.constantFrom<OperatorCommand>(
    { type: 'pause' },
    { type: 'resume' },
    { type: 'promote' },
    { type: 'abort' },
    { type: 'rollback', reason: 'property test' },
  ),
  fc.record({ type: fc.string(), reason: fc.option(fc.string()) }) as fc.Arbitrary<OperatorCommand>,
);

type Op =
  | { kind: 'tick'; periods: unknown[]; alarms: unknown; skewSeconds: number }
  | { kind: 'alarm'; name: string; value: AlarmStateValue }
  | { kind: 'command'; command: OperatorCommand };

const op = (minute: number): fc.Arbitrary<Op> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('tick' as const),
        periods: fc.array(wildPeriod(minute), { maxLength: 3 }),
        alarms: wildAlarms,
        skewSeconds: fc.integer({ min: -90, max: 90 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('alarm' as const),
        name: fc.constantFrom('demo-canary-5xx', 'staged-alarm', 'other'),
        value: alarmValue,
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('command' as const), command }) },
  );

const ops = fc
  .integer({ min: 1, max: 30 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => op(i))));

function apply(p: RolloutPolicy, state: RolloutState, o: Op, minute: number): Transition {
  const now = at(minute);
  switch (o.kind) {
    case 'tick':
      return judgeTick(
        p,
        state,
        { periods: o.periods as PeriodObservation[], alarms: o.alarms as never },
        now + o.skewSeconds * 1000,
      );
    case 'alarm':
      return applyAlarm(p, state, o.name, o.value, now);
    case 'command': {
      const result = applyCommand(p, state, o.command, now);
      return result.ok
        ? result.transition
        : { state, decision: { action: 'hold', reason: result.error, evidence: null as never } };
    }
  }
}

function expectValidWeights(p: RolloutPolicy, state: RolloutState): void {
  const weights = weightsOf(p, state);
  const values = Object.values(weights);
  expect(values).toHaveLength(2);
  for (const w of values) {
    expect(Number.isInteger(w)).toBe(true);
    expect(w).toBeGreaterThanOrEqual(0);
    expect(w).toBeLessThanOrEqual(100);
  }
  expect(values[0]! + values[1]!).toBe(100);
  // The state itself holds a whole percentage, not only its rendering.
  expect(Number.isInteger(state.canaryWeight)).toBe(true);
  expect(state.canaryWeight).toBe(weights[p.endpoint.canaryVariant]);
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('engine invariants (fast-check)', () => {
  it('never throws, and keeps weights whole, within 0..100 and summing to 100, on any input', () => {
    fc.assert(
      fc.property(fc.constantFrom(policy, policyWithManualPause), ops, (p, sequence) => {
        let state = startRollout(p, at(0)).state;
        expectValidWeights(p, state);
        sequence.forEach((o, minute) => {
          const next = apply(p, state, o, minute);
          expect(typeof next.decision.reason).toBe('string');
          expect(next.decision.reason).not.toMatch(/NaN|undefined/);
          state = next.state;
          expectValidWeights(p, state);
          // The state must survive storage (DynamoDB, JSON) unchanged.
          expect(JSON.parse(JSON.stringify(state.canaryWeight))).toBe(state.canaryWeight);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('never changes a final rollout: rollback, abort and promotion are final', () => {
    fc.assert(
      fc.property(
        ops,
        ops,
        fc.constantFrom<OperatorCommand>(
          { type: 'abort' },
          { type: 'rollback', reason: 'x' },
          { type: 'promote' },
        ),
        (before, after, ending) => {
          let state = startRollout(policy, at(0)).state;
          before.forEach((o, minute) => {
            state = apply(policy, state, o, minute).state;
          });
          if (!isFinal(state.phase)) {
            const ended = applyCommand(policy, state, ending, at(before.length));
            if (!ended.ok) throw new Error(ended.error);
            state = ended.transition.state;
          }
          const final = state;
          after.forEach((o, i) => {
            const next = apply(policy, state, o, before.length + 1 + i);
            expect(next.state.phase).toBe(final.phase);
            expect(weightsOf(policy, next.state)).toEqual(weightsOf(policy, final));
            expect(next.decision.action).toBe('hold');
            state = next.state;
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  // --- metrics inside every bound -------------------------------------------------------------

  /** A healthy window: per-variant rates and latencies fixed for the run, canary no worse than the baseline nor any ceiling. */
  const healthyRun = fc.record({
    baselineRate: fc.double({ min: 0, max: 0.04, noNaN: true }),
    canaryShare: fc.double({ min: 0, max: 1, noNaN: true }),
    baselineP99: fc.double({ min: 5, max: 480, noNaN: true }),
    canaryLatencyShare: fc.double({ min: 0.2, max: 1, noNaN: true }),
    traffic: fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 60 }),
    gaps: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
  });

  it('never rolls back a canary whose metrics are inside every bound', () => {
    fc.assert(
      fc.property(healthyRun, (run) => {
        let state = startRollout(policy, at(0)).state;
        run.traffic.forEach((total, minute) => {
          const canaryN = Math.round((total * state.canaryWeight) / 100);
          const baselineN = total - canaryN;
          const baselineRate = run.baselineRate;
          const canaryRate = Math.min(baselineRate * run.canaryShare, 0.05);
          const latency = (n: number, p99: number): VariantPeriodMetrics => ({
            invocations: n,
            errors5xx: 0,
            errors4xx: 0,
            latencyAvgMs: n > 0 ? p99 / 3 : null,
            latencyP50Ms: n > 0 ? p99 / 4 : null,
            latencyP90Ms: n > 0 ? p99 / 2 : null,
            latencyP99Ms: n > 0 ? p99 : null,
          });
          const variants: Record<string, VariantPeriodMetrics> = {};
          if (!run.gaps[minute]) {
            if (baselineN > 0)
              variants.primary = {
                ...latency(baselineN, run.baselineP99),
                errors5xx: Math.ceil(baselineN * baselineRate),
              };
            if (canaryN > 0) {
              variants.canary = {
                ...latency(canaryN, run.baselineP99 * run.canaryLatencyShare),
                errors5xx: Math.floor(canaryN * canaryRate),
              };
            }
          }
          const next = judgeTick(
            policy,
            state,
            { periods: [{ time: at(minute), variants }], alarms: { 'demo-canary-5xx': 'OK' } },
            at(minute),
          );
          expect(next.decision.action, next.decision.reason).not.toBe('rollback');
          expect(next.decision.evidence.metrics.filter((m) => m.verdict === 'fail')).toEqual([]);
          state = next.state;
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('never fails the latency of a canary slower than the baseline by less than maxIncreasePct on every request', () => {
    // The standard policy allows +30 %: a canary up to 1.29x slower at every percentile, at any
    // traffic and weight, for as many minutes as it takes, passes (the fast shift test included).
    const slowerRun = fc.record({
      slowdown: fc.double({ min: 0.5, max: 1.29, noNaN: true }),
      baselineP99: fc.double({ min: 20, max: 380, noNaN: true }),
      traffic: fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 2, maxLength: 40 }),
    });
    fc.assert(
      fc.property(slowerRun, (run) => {
        let state = startRollout(policy, at(0)).state;
        run.traffic.forEach((total, minute) => {
          const canaryN = Math.round((total * state.canaryWeight) / 100);
          const variant = (n: number, p99: number): VariantPeriodMetrics => ({
            invocations: n,
            errors5xx: 0,
            errors4xx: 0,
            latencyAvgMs: p99 / 3,
            latencyP50Ms: p99 / 4,
            latencyP90Ms: p99 / 2,
            latencyP99Ms: p99,
          });
          const variants: Record<string, VariantPeriodMetrics> = {};
          if (total - canaryN > 0) variants.primary = variant(total - canaryN, run.baselineP99);
          if (canaryN > 0) variants.canary = variant(canaryN, run.baselineP99 * run.slowdown);
          const next = judgeTick(policy, state, { periods: [{ time: at(minute), variants }] }, at(minute));
          const latency = next.decision.evidence.metrics.find((m) => m.type === 'latency');
          expect(latency?.verdict, next.decision.reason).not.toBe('fail');
          state = next.state;
        });
      }),
      { numRuns: RUNS },
    );
  });

  // --- worse is never milder ------------------------------------------------------------------

  /**
   * Severity of a decision: rollback (3) > failing judgement (2) > inconclusive (1) > passing (0).
   * A final phase keeps the severity it ended with.
   */
  const severity = (t: Transition): number => {
    if (t.state.phase === 'RolledBack') return 3;
    const verdicts = t.decision.evidence.metrics.map((m) => m.verdict);
    if (verdicts.includes('fail')) return 2;
    if (verdicts.includes('inconclusive')) return 1;
    return 0;
  };

  const periodPair = fc.record({
    canaryN: fc.integer({ min: 0, max: 3000 }),
    baselineN: fc.integer({ min: 0, max: 30_000 }),
    canaryRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
    baselineRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
    canaryP99: fc.double({ min: 1, max: 2000, noNaN: true }),
    baselineP99: fc.double({ min: 1, max: 2000, noNaN: true }),
    extraErrors: fc.double({ min: 0, max: 0.3, noNaN: true }),
    slowdown: fc.double({ min: 1, max: 4, noNaN: true }),
  });

  it('never gives a canary that is worse on every metric a milder decision than a better one', () => {
    fc.assert(
      fc.property(fc.array(periodPair, { minLength: 1, maxLength: 25 }), (minutes) => {
        let better = startRollout(policy, at(0)).state;
        let worse = better;
        let betterRolledBackAt: number | null = null;
        let worseRolledBackAt: number | null = null;
        minutes.forEach((m, minute) => {
          const variant = (n: number, errors: number, p99: number): VariantPeriodMetrics => ({
            invocations: n,
            errors5xx: Math.min(n, errors),
            errors4xx: 0,
            latencyAvgMs: n > 0 ? p99 / 3 : null,
            latencyP50Ms: n > 0 ? p99 / 4 : null,
            latencyP90Ms: n > 0 ? p99 / 2 : null,
            latencyP99Ms: n > 0 ? p99 : null,
          });
          const baseline = variant(m.baselineN, Math.round(m.baselineN * m.baselineRate), m.baselineP99);
          const canaryErrors = Math.round(m.canaryN * m.canaryRate);
          const good = variant(m.canaryN, canaryErrors, m.canaryP99);
          const bad = variant(
            m.canaryN,
            canaryErrors + Math.round(m.canaryN * m.extraErrors),
            m.canaryP99 * m.slowdown,
          );
          const b = judgeTick(
            policy,
            better,
            { periods: [{ time: at(minute), variants: { primary: baseline, canary: good } }] },
            at(minute),
          );
          const w = judgeTick(
            policy,
            worse,
            { periods: [{ time: at(minute), variants: { primary: baseline, canary: bad } }] },
            at(minute),
          );
          if (b.decision.action === 'rollback') betterRolledBackAt ??= minute;
          if (w.decision.action === 'rollback') worseRolledBackAt ??= minute;
          if (!isFinal(b.state.phase) || b.state.phase === 'RolledBack') {
            expect(
              severity(w),
              `minute ${minute}: worse "${w.decision.reason}" vs better "${b.decision.reason}"`,
            ).toBeGreaterThanOrEqual(severity(b));
          }
          better = b.state;
          worse = w.state;
        });
        if (betterRolledBackAt !== null) {
          expect(worseRolledBackAt).not.toBeNull();
          expect(worseRolledBackAt!).toBeLessThanOrEqual(betterRolledBackAt);
        }
        // Each metric's failure streak of the worse canary is at least the better one's.
        for (const name of Object.keys(better.consecutiveFailures)) {
          if (!isFinal(worse.phase)) {
            expect(worse.consecutiveFailures[name]!).toBeGreaterThanOrEqual(
              better.consecutiveFailures[name]!,
            );
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
