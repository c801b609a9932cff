import { describe, expect, it } from 'vitest';
import { parseReplayLine } from '../../../shared/simulation/parse-replay-line';
import { createScenarioAlarmTracker } from '../../../shared/simulation/scenario-alarm-tracker';
import { createScenarioSimulator } from '../../../shared/simulation/scenario-simulator';
import { periodEndOf, periodStartOf, toReplayLine } from '../../../shared/simulation/to-replay-line';
import { variantStatistic } from '../../../shared/simulation/variant-statistic';
import { buildScenario } from './scenario-builder';

const ALARM = {
  name: 'canary-5xx',
  variant: 'canary',
  metric: 'Invocation5XXErrors',
  statistic: 'Sum',
  threshold: 30,
  evaluationPeriods: 2,
  comparisonOperator: 'GreaterThanThreshold',
};

describe('toReplayLine', () => {
  const scenario = buildScenario({
    traffic: [
      { fromMinute: 0, requestsPerMinute: 3000 },
      { fromMinute: 5, dataGap: true },
      { fromMinute: 6, dataGap: false },
    ],
    alarms: [ALARM],
  });
  const simulator = createScenarioSimulator(scenario);

  it('gives the replay input line of a minute, stamped with the end of the period', () => {
    const minute = simulator.simulateMinute(0, 5);
    const line = toReplayLine(minute, periodEndOf(0, 60), { 'canary-5xx': 'OK' });
    expect(line.time).toBe('2026-01-01T00:01:00Z');
    expect(Object.keys(line.variants)).toEqual(['primary', 'canary']);
    expect(line.variants.canary).toMatchObject({
      invocations: minute.canary.invocations,
      errors5xx: minute.canary.errors5xx,
      errors4xx: minute.canary.errors4xx,
    });
    expect(line.variants.canary?.latencyP99Ms).toBeCloseTo(minute.canary.latencyP99Ms ?? 0, 2);
    expect(line.alarms).toEqual({ 'canary-5xx': 'OK' });
  });

  it('leaves out a variant without requests and every variant in a data gap', () => {
    expect(Object.keys(toReplayLine(simulator.simulateMinute(0, 0), periodEndOf(0, 60)).variants)).toEqual([
      'primary',
    ]);
    expect(toReplayLine(simulator.simulateMinute(5, 5), periodEndOf(5, 60)).variants).toEqual({});
  });

  it('round-trips through the replay line parser', () => {
    const line = toReplayLine(simulator.simulateMinute(1, 20), periodEndOf(1, 60), { 'canary-5xx': 'ALARM' });
    const parsed = parseReplayLine(JSON.stringify(line));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.line.time).toBe(periodEndOf(1, 60));
    expect(parsed.line.observation.variants).toEqual(line.variants);
    expect(parsed.line.alarms).toEqual({ 'canary-5xx': 'ALARM' });
  });
});

describe('scenario alarms', () => {
  it('stays INSUFFICIENT_DATA until it has data, goes OK, then ALARM after two breaching minutes', () => {
    const scenario = buildScenario({
      variants: {
        primary: [{ fromMinute: 0, latencyMs: { p50: 40, p99: 180 } }],
        canary: [
          { fromMinute: 0, errorRate5xx: 0.002, latencyMs: { p50: 40, p99: 180 } },
          { fromMinute: 4, errorRate5xx: 0.2 },
        ],
      },
      alarms: [ALARM],
    });
    const simulator = createScenarioSimulator(scenario);
    const tracker = createScenarioAlarmTracker(scenario);
    const states = [0, 0, 20, 20, 20, 20].map(
      (weight, m) => tracker.observe(simulator.simulateMinute(m, weight), periodStartOf(m, 60))['canary-5xx'],
    );
    expect(states).toEqual(['INSUFFICIENT_DATA', 'INSUFFICIENT_DATA', 'OK', 'OK', 'OK', 'ALARM']);
    expect(tracker.evaluations()['canary-5xx']?.reason).toMatch(
      /^Threshold Crossed: 2 out of the last 2 datapoints/,
    );
  });
});

describe('variantStatistic', () => {
  const minute = createScenarioSimulator(buildScenario()).simulateMinute(0, 50);
  const canary = minute.canary;

  it.each([
    ['Invocations', 'Sum', canary.invocations],
    ['Invocation5XXErrors', 'Sum', canary.errors5xx],
    ['Invocation5XXErrors', 'Average', canary.errors5xx / canary.invocations],
    ['Invocation4XXErrors', 'SampleCount', canary.invocations],
    ['Invocation4XXErrors', 'Maximum', canary.errors4xx > 0 ? 1 : 0],
    ['ModelLatency', 'p99', (canary.latencyP99Ms ?? 0) * 1000],
    ['ModelLatency', 'Average', (canary.latencyAvgMs ?? 0) * 1000],
    ['ModelLatency', 'Minimum', (canary.latencyDrawsMs[0] ?? 0) * 1000],
  ] as const)('gives %s %s as CloudWatch would (latency in microseconds)', (metric, statistic, expected) => {
    expect(variantStatistic(canary, metric, statistic)).toBeCloseTo(expected, 6);
  });

  it('gives no datapoint for a variant without requests', () => {
    const quiet = createScenarioSimulator(buildScenario()).simulateMinute(0, 0).canary;
    expect(variantStatistic(quiet, 'Invocations', 'Sum')).toBeNull();
  });
});

describe('parseReplayLine', () => {
  it.each([
    ['2026-01-01T00:01:00Z', Date.UTC(2026, 0, 1, 0, 1)],
    ['2026-01-01T00:01:00.500Z', Date.UTC(2026, 0, 1, 0, 1, 0, 500)],
    ['2026-01-01T01:01:00+01:00', Date.UTC(2026, 0, 1, 0, 1)],
    ['2026-01-01T00:01:00', Date.UTC(2026, 0, 1, 0, 1)],
    [Date.UTC(2026, 0, 1, 0, 1), Date.UTC(2026, 0, 1, 0, 1)],
  ])('reads the time %s', (time, expected) => {
    const parsed = parseReplayLine(JSON.stringify({ time, variants: {} }));
    expect(parsed.ok && parsed.line.time).toBe(expected);
  });

  it.each([
    ['no time', {}],
    ['a date without a time of day', { time: '2026-01-01' }],
    ['an impossible date', { time: '2026-13-45T00:00:00Z' }],
    ['a rollback command without a reason', { time: '2026-01-01T00:01:00Z', command: { type: 'rollback' } }],
    ['an unknown command', { time: '2026-01-01T00:01:00Z', command: { type: 'explode' } }],
    ['a custom value that is not a number', { time: '2026-01-01T00:01:00Z', custom: { quality: 'good' } }],
  ])('refuses a line with %s', (_case, raw) => {
    expect(parseReplayLine(JSON.stringify(raw)).ok).toBe(false);
  });

  it('fills missing error counts with 0 and missing latencies with null, and skips null variants', () => {
    const parsed = parseReplayLine(
      JSON.stringify({
        time: '2026-01-01T00:01:00Z',
        variants: { primary: { invocations: 10 }, canary: null },
      }),
    );
    expect(parsed.ok && parsed.line.observation.variants).toEqual({
      primary: {
        invocations: 10,
        errors5xx: 0,
        errors4xx: 0,
        latencyAvgMs: null,
        latencyP50Ms: null,
        latencyP90Ms: null,
        latencyP99Ms: null,
      },
    });
  });
});
