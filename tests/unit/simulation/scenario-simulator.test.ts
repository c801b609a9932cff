import { describe, expect, it } from 'vitest';
import { latencyHistogram } from '../../../shared/simulation/latency-histogram';
import {
  createScenarioSimulator,
  MAX_LATENCY_DRAWS,
  percentileOfSorted,
} from '../../../shared/simulation/scenario-simulator';
import { buildScenario } from './scenario-builder';

const MINUTES = 300;

function averageOver(minutes: number, pick: (m: number) => number | null): number {
  let sum = 0;
  let count = 0;
  for (let m = 0; m < minutes; m++) {
    const value = pick(m);
    if (value === null) continue;
    sum += value;
    count++;
  }
  return sum / count;
}

describe('createScenarioSimulator', () => {
  const scenario = buildScenario({
    variants: {
      primary: [{ fromMinute: 0, errorRate5xx: 0.002, errorRate4xx: 0.01, latencyMs: { p50: 40, p99: 180 } }],
      canary: [{ fromMinute: 0, errorRate5xx: 0.08, errorRate4xx: 0.03, latencyMs: { p50: 60, p99: 420 } }],
    },
  });
  const simulator = createScenarioSimulator(scenario);
  const minutes = Array.from({ length: MINUTES }, (_, m) => simulator.simulateMinute(m, 20));

  it('draws Poisson total traffic around requestsPerMinute and splits it by the canary weight', () => {
    const mean = averageOver(MINUTES, (m) => minutes[m]!.totalRequests);
    expect(Math.abs(mean - 3000)).toBeLessThan(4 * Math.sqrt(3000 / MINUTES));
    const share = averageOver(MINUTES, (m) => minutes[m]!.canary.invocations / minutes[m]!.totalRequests);
    expect(Math.abs(share - 0.2)).toBeLessThan(0.005);
    for (const minute of minutes) {
      expect(minute.baseline.invocations + minute.canary.invocations).toBe(minute.totalRequests);
    }
  });

  it.each([
    ['canary', 'errors5xx', 0.08],
    ['canary', 'errors4xx', 0.03],
    ['primary', 'errors5xx', 0.002],
    ['primary', 'errors4xx', 0.01],
  ] as const)('fails %s requests with %s at the configured rate', (variant, field, rate) => {
    let errors = 0;
    let requests = 0;
    for (const minute of minutes) {
      errors += minute.variants[variant]![field];
      requests += minute.variants[variant]!.invocations;
    }
    expect(Math.abs(errors / requests - rate)).toBeLessThan(
      4 * Math.sqrt((rate * (1 - rate)) / requests) + 1e-4,
    );
  });

  it.each([
    ['primary', 40, 180],
    ['canary', 60, 420],
  ] as const)('draws %s latencies log-normally with p50 %s ms and p99 %s ms', (variant, p50, p99) => {
    const meanP50 = averageOver(MINUTES, (m) => minutes[m]!.variants[variant]!.latencyP50Ms);
    const meanP99 = averageOver(MINUTES, (m) => minutes[m]!.variants[variant]!.latencyP99Ms);
    expect(Math.abs(meanP50 / p50 - 1)).toBeLessThan(0.02);
    expect(Math.abs(meanP99 / p99 - 1)).toBeLessThan(0.04);
    // The p90 of a log-normal sits at exp(mu + 1.2816 sigma).
    const sigma = Math.log(p99 / p50) / 2.3263;
    const meanP90 = averageOver(MINUTES, (m) => minutes[m]!.variants[variant]!.latencyP90Ms);
    expect(Math.abs(meanP90 / (p50 * Math.exp(1.2816 * sigma)) - 1)).toBeLessThan(0.03);
    const meanAvg = averageOver(MINUTES, (m) => minutes[m]!.variants[variant]!.latencyAvgMs);
    expect(Math.abs(meanAvg / (p50 * Math.exp((sigma * sigma) / 2)) - 1)).toBeLessThan(0.02);
  });

  it('reports the statistics of exactly the draws it made', () => {
    const canary = minutes[3]!.canary;
    expect(canary.latencyDrawsMs.length).toBe(canary.invocations);
    expect(canary.latencyP99Ms).toBe(percentileOfSorted(canary.latencyDrawsMs, 99));
    const sum = canary.latencyDrawsMs.reduce((a, b) => a + b, 0);
    expect(canary.latencyAvgMs).toBeCloseTo(sum / canary.invocations, 9);
    for (let i = 1; i < canary.latencyDrawsMs.length; i++) {
      expect(canary.latencyDrawsMs[i]!).toBeGreaterThanOrEqual(canary.latencyDrawsMs[i - 1]!);
    }
  });

  it('counts canary requests that failed or were slower than the baseline p99 once each', () => {
    for (const minute of minutes.slice(0, 20)) {
      const slow = minute.canary.latencyDrawsMs.filter((v) => v > 180).length;
      expect(minute.canaryBadRequests).toBeGreaterThanOrEqual(Math.max(minute.canary.errors5xx, slow));
      expect(minute.canaryBadRequests).toBeLessThanOrEqual(minute.canary.errors5xx + slow);
    }
  });

  it('gives the same minute for the same seed, minute and weight, in any order', () => {
    const again = createScenarioSimulator(scenario);
    const late = again.simulateMinute(42, 20);
    const early = again.simulateMinute(3, 20);
    expect(late.canary.errors5xx).toBe(minutes[42]!.canary.errors5xx);
    expect(late.baseline.latencyP99Ms).toBe(minutes[42]!.baseline.latencyP99Ms);
    expect(early.totalRequests).toBe(minutes[3]!.totalRequests);
  });

  it('gives different traffic for a different seed', () => {
    const other = createScenarioSimulator(scenario, { seed: 8 }).simulateMinute(0, 20);
    expect([other.totalRequests, other.canary.errors5xx]).not.toEqual([
      minutes[0]!.totalRequests,
      minutes[0]!.canary.errors5xx,
    ]);
  });

  it('gives a variant without requests no latency statistics', () => {
    const minute = simulator.simulateMinute(0, 0);
    expect(minute.canary.invocations).toBe(0);
    expect(minute.canary).toMatchObject({
      errors5xx: 0,
      latencyAvgMs: null,
      latencyP50Ms: null,
      latencyP90Ms: null,
      latencyP99Ms: null,
    });
    expect(minute.canaryBadRequests).toBe(0);
  });

  it('clamps the canary weight into 0..100', () => {
    expect(simulator.simulateMinute(0, 250).baseline.invocations).toBe(0);
    expect(simulator.simulateMinute(0, -5).canary.invocations).toBe(0);
  });
});

describe('scenario segments', () => {
  it('carries unnamed fields over from earlier segments and switches at fromMinute', () => {
    const scenario = buildScenario({
      variants: {
        primary: [{ fromMinute: 0, errorRate5xx: 0.002, latencyMs: { p50: 40, p99: 180 } }],
        canary: [
          { fromMinute: 0, errorRate5xx: 0.002, errorRate4xx: 0.01, latencyMs: { p50: 40, p99: 180 } },
          { fromMinute: 25, errorRate5xx: 0.08 },
          { fromMinute: 30, latencyMs: { p99: 400 } },
        ],
      },
    });
    const simulator = createScenarioSimulator(scenario);
    expect(simulator.simulateMinute(24, 50).canary.profile.errorRate5xx).toBe(0.002);
    expect(simulator.simulateMinute(25, 50).canary.profile).toMatchObject({
      errorRate5xx: 0.08,
      errorRate4xx: 0.01,
      latencyMs: { p50: 40, p99: 180 },
    });
    expect(simulator.simulateMinute(31, 50).canary.profile).toMatchObject({
      errorRate5xx: 0.08,
      latencyMs: { p50: 40, p99: 400 },
    });
  });

  it('publishes no datapoints in a data gap, though requests still happen', () => {
    const scenario = buildScenario({
      traffic: [
        { fromMinute: 0, requestsPerMinute: 3000 },
        { fromMinute: 15, dataGap: true },
        { fromMinute: 25, dataGap: false },
      ],
    });
    const simulator = createScenarioSimulator(scenario);
    expect(simulator.simulateMinute(14, 5).dataGap).toBe(false);
    const gap = simulator.simulateMinute(15, 5);
    expect(gap.dataGap).toBe(true);
    expect(gap.totalRequests).toBeGreaterThan(2000);
    expect(simulator.simulateMinute(24, 5).dataGap).toBe(true);
    expect(simulator.simulateMinute(25, 5).dataGap).toBe(false);
  });

  it('stops traffic where requestsPerMinute is 0', () => {
    const scenario = buildScenario({
      traffic: [
        { fromMinute: 0, requestsPerMinute: 3000 },
        { fromMinute: 20, requestsPerMinute: 0 },
      ],
    });
    const minute = createScenarioSimulator(scenario).simulateMinute(22, 50);
    expect(minute.totalRequests).toBe(0);
    expect(minute.baseline.latencyP99Ms).toBeNull();
  });

  it.each([
    [5, 0.002],
    [20, 0.002],
    [21, 0.06],
    [50, 0.06],
  ])('applies load sensitivity only above its weight (canary at %s%%: 5XX rate %s)', (weight, rate) => {
    const scenario = buildScenario({
      variants: {
        primary: [{ fromMinute: 0, errorRate5xx: 0.002, latencyMs: { p50: 40, p99: 180 } }],
        canary: [
          {
            fromMinute: 0,
            errorRate5xx: 0.002,
            latencyMs: { p50: 40, p99: 180 },
            loadSensitivity: { aboveWeight: 20, errorRate5xx: 0.06 },
          },
        ],
      },
    });
    expect(createScenarioSimulator(scenario).simulateMinute(0, weight).canary.profile.errorRate5xx).toBe(
      rate,
    );
  });

  it('applies a baseline load sensitivity by the baseline share', () => {
    const scenario = buildScenario({
      variants: {
        primary: [
          {
            fromMinute: 0,
            latencyMs: { p50: 40, p99: 180 },
            loadSensitivity: { aboveWeight: 90, latencyMs: { p99: 300 } },
          },
        ],
        canary: [{ fromMinute: 0, latencyMs: { p50: 40, p99: 180 } }],
      },
    });
    const simulator = createScenarioSimulator(scenario);
    expect(simulator.simulateMinute(0, 5).baseline.profile.latencyMs.p99).toBe(300);
    expect(simulator.simulateMinute(0, 20).baseline.profile.latencyMs.p99).toBe(180);
  });

  it('draws custom metric values around their mean for variants with traffic', () => {
    const scenario = buildScenario({
      variants: {
        primary: [{ fromMinute: 0, latencyMs: { p50: 40, p99: 180 } }],
        canary: [
          {
            fromMinute: 0,
            latencyMs: { p50: 40, p99: 180 },
            customMetrics: { quality: { mean: 0.9, stddev: 0.01 } },
          },
        ],
      },
    });
    const simulator = createScenarioSimulator(scenario);
    const values = Array.from(
      { length: 200 },
      (_, m) => simulator.simulateMinute(m, 50).canary.custom.quality!,
    );
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(mean - 0.9)).toBeLessThan(0.003);
    expect(simulator.simulateMinute(0, 0).canary.custom).toEqual({});
  });

  it('caps latency draws for very large traffic and weights each draw accordingly', () => {
    const scenario = buildScenario({ traffic: [{ fromMinute: 0, requestsPerMinute: 400_000 }] });
    const minute = createScenarioSimulator(scenario).simulateMinute(0, 50);
    expect(minute.canary.latencyDrawsMs.length).toBe(MAX_LATENCY_DRAWS);
    expect(minute.canary.drawWeight).toBeCloseTo(minute.canary.invocations / MAX_LATENCY_DRAWS, 9);
    const histogram = latencyHistogram(minute.canary);
    const total = histogram.counts.reduce((a, b) => a + b, 0);
    expect(Math.abs(total / minute.canary.invocations - 1)).toBeLessThan(0.01);
  });
});

describe('latencyHistogram', () => {
  it('bins the draws into ascending microsecond values whose counts add up to the requests', () => {
    const minute = createScenarioSimulator(buildScenario()).simulateMinute(0, 20);
    const histogram = latencyHistogram(minute.canary);
    expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(minute.canary.invocations);
    for (let i = 1; i < histogram.values.length; i++) {
      expect(histogram.values[i]!).toBeGreaterThan(histogram.values[i - 1]!);
    }
    expect(histogram.values[0]! / 1000).toBeCloseTo(minute.canary.latencyDrawsMs[0]!, 0);
  });
});
