import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateAlarm } from '../../../shared/simulation/evaluate-alarm';
import { createScenarioSimulator } from '../../../shared/simulation/scenario-simulator';
import { buildScenario } from './scenario-builder';

const scenario = buildScenario({
  traffic: [
    { fromMinute: 0, requestsPerMinute: 800 },
    { fromMinute: 30, requestsPerMinute: 0 },
    { fromMinute: 40, requestsPerMinute: 20 },
  ],
  variants: {
    primary: [{ fromMinute: 0, errorRate5xx: 0.01, errorRate4xx: 0.05, latencyMs: { p50: 40, p99: 180 } }],
    canary: [
      { fromMinute: 0, errorRate5xx: 0.3, errorRate4xx: 0.2, latencyMs: { p50: 60, p99: 900 } },
      { fromMinute: 20, errorRate5xx: 1, latencyMs: { p50: 5, p99: 5 } },
    ],
  },
});

describe('simulated minutes (properties)', () => {
  it('always split all requests, never fail more than they serve, and order their latency statistics', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 60 }),
        fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ noNaN: false })),
        fc.integer(),
        (minute, weight, seed) => {
          const m = createScenarioSimulator(scenario, { seed }).simulateMinute(minute, weight);
          expect(m.baseline.invocations + m.canary.invocations).toBe(m.totalRequests);
          expect(m.canaryWeightPercent).toBeGreaterThanOrEqual(0);
          expect(m.canaryWeightPercent).toBeLessThanOrEqual(100);
          for (const v of [m.baseline, m.canary]) {
            expect(v.errors5xx).toBeGreaterThanOrEqual(0);
            expect(v.errors5xx).toBeLessThanOrEqual(v.invocations);
            expect(v.errors4xx).toBeLessThanOrEqual(v.invocations);
            if (v.invocations === 0) {
              expect(v.latencyP99Ms).toBeNull();
            } else {
              expect(v.latencyP50Ms!).toBeLessThanOrEqual(v.latencyP90Ms!);
              expect(v.latencyP90Ms!).toBeLessThanOrEqual(v.latencyP99Ms!);
              expect(v.latencyAvgMs!).toBeGreaterThan(0);
            }
          }
          expect(m.canaryBadRequests).toBeGreaterThanOrEqual(m.canary.errors5xx);
          expect(m.canaryBadRequests).toBeLessThanOrEqual(m.canary.invocations);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('alarm evaluation (properties)', () => {
  it('with a full range, alarms exactly when at least datapointsToAlarm datapoints breach', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.integer({ min: 1, max: n }),
              fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: n, maxLength: n }),
              fc.double({ min: -1e6, max: 1e6, noNaN: true }),
            ),
          ),
        fc.constantFrom('missing', 'ignore', 'breaching', 'notBreaching' as const),
        ([n, m, values, threshold], treatMissingData) => {
          const datapoints = values.map((value, i) => ({ timestamp: i * 60_000, value }));
          const result = evaluateAlarm(
            {
              threshold,
              comparisonOperator: 'GreaterThanThreshold',
              evaluationPeriods: n,
              datapointsToAlarm: m,
              treatMissingData,
            },
            datapoints,
          );
          const breaching = values.filter((v) => v > threshold).length;
          expect(result.state).toBe(breaching >= m ? 'ALARM' : 'OK');
        },
      ),
      { numRuns: 200 },
    );
  });
});
