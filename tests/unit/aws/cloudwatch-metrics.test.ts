import type { MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import {
  alignedEnd,
  MAX_QUERIES_PER_CALL,
  mapMetricResults,
  planMetricQueries,
} from '../../../shared/aws/cloudwatch-metrics';
import type { MetricPolicy, RolloutPolicy } from '../../../shared/domain/types';
import type { MetricsTarget } from '../../../shared/ports/metrics-reader';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;

function policy(
  name: string,
  overrides: Partial<RolloutPolicy['analysis']> = {},
  variants = ['primary', 'canary'],
): RolloutPolicy {
  const metrics: MetricPolicy[] = [
    { type: 'errorRate', name: 'error-rate', threshold: 0.05, errorClasses: ['5xx'], failureLimit: 2 },
    { type: 'latency', name: 'p99-latency', statistic: 'p99', thresholdMs: 500, failureLimit: 3 },
  ];
  return {
    apiVersion: 'rollout-watchdog/v1',
    endpoint: {
      name,
      region: 'us-east-1',
      baselineVariant: variants[0] ?? 'a',
      canaryVariant: variants[1] ?? 'b',
    },
    steps: [{ kind: 'setWeight', weight: 5 }],
    analysis: {
      intervalSeconds: 60,
      windowSeconds: 300,
      minCanaryInvocations: 100,
      inconclusiveLimit: 5,
      metrics,
      ...overrides,
    },
    rollback: { onAlarms: [] },
    regions: [],
  };
}

const targets = (n: number): MetricsTarget[] =>
  Array.from({ length: n }, (_, i) => ({ key: `ep-${i}`, policy: policy(`ep-${i}`) }));

describe('planMetricQueries', () => {
  it('gives every query a valid unique Id whatever the endpoint and variant names', () => {
    const plan = planMetricQueries(
      [{ key: 'x', policy: policy('Fraud-Detector-prod-2', {}, ['Primary-1', 'canary-2026']) }],
      T0 + 5 * MIN + 20_000,
    );
    const ids = plan.batches.flatMap((b) => b.queries.map((q) => q.Id ?? ''));
    expect(ids.every((id) => /^[a-z][a-zA-Z0-9_]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => plan.meanings.has(id))).toBe(true);
  });

  it.each([
    [1, 1],
    [62, 1],
    [63, 2],
    [1000, 16],
  ])('packs %i rollouts into %i call(s) of at most 500 queries', (rollouts, calls) => {
    const plan = planMetricQueries(targets(rollouts), T0);
    expect(plan.batches).toHaveLength(calls);
    expect(plan.batches.every((b) => b.queries.length <= MAX_QUERIES_PER_CALL)).toBe(true);
  });

  it('aligns the range to the interval and leaves out the still-filling period', () => {
    const plan = planMetricQueries(targets(1), T0 + 10 * MIN + 42_000);
    const [batch] = plan.batches;
    expect(batch?.endTime.getTime()).toBe(T0 + 10 * MIN);
    expect(batch?.startTime.getTime()).toBe(T0 + 5 * MIN);
  });

  it('skips the newest closed periods when asked to let CloudWatch settle', () => {
    expect(alignedEnd(T0 + 10 * MIN + 5_000, 60, 90)).toBe(T0 + 8 * MIN);
  });

  it('asks for every latency statistic the policy judges plus p99, and resolves custom metric dimensions', () => {
    const p = policy('ep', {
      metrics: [
        { type: 'latency', name: 'p50', statistic: 'p50', thresholdMs: 100, failureLimit: 1 },
        {
          type: 'custom',
          name: 'quality',
          namespace: 'Model/Quality',
          metricName: 'Accuracy',
          // eslint-disable-next-line no-template-curly-in-string -- policy placeholders the adapter resolves
          dimensions: { Variant: '${canaryVariant}', Endpoint: '${endpointName}' },
          statistic: 'Average',
          min: 0.9,
          failureLimit: 1,
        },
      ],
    });
    const plan = planMetricQueries([{ key: 'ep', policy: p }], T0);
    const stats = plan.batches[0]?.queries.map(
      (q) => `${q.MetricStat?.Metric?.MetricName}:${q.MetricStat?.Stat}`,
    );
    expect(stats).toEqual(
      expect.arrayContaining(['ModelLatency:p50', 'ModelLatency:p99', 'Accuracy:Average']),
    );
    const custom = plan.batches[0]?.queries.find((q) => q.MetricStat?.Metric?.MetricName === 'Accuracy');
    expect(custom?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'Variant', Value: 'canary' },
      { Name: 'Endpoint', Value: 'ep' },
    ]);
  });
});

describe('mapMetricResults', () => {
  const now = T0 + 5 * MIN + 1_000;
  const plan = planMetricQueries(targets(2), now);
  const idOf = (target: number, variant: string, field: string) =>
    [...plan.meanings].find(
      ([, m]) => m.target === target && m.kind === 'variant' && m.variant === variant && m.field === field,
    )?.[0] ?? '';
  const result = (id: string, points: Array<[number, number]>): MetricDataResult => ({
    Id: id,
    Timestamps: points.map(([t]) => new Date(t)),
    Values: points.map(([, v]) => v),
    StatusCode: 'Complete',
  });
  const map = (results: MetricDataResult[]) => mapMetricResults(plan, results, 2, () => 60);

  it('stamps each period with its end and converts latency from microseconds to milliseconds', () => {
    const [first] = map([
      result(idOf(0, 'primary', 'invocations'), [[T0 + 3 * MIN, 1000]]),
      result(idOf(0, 'primary', 'latencyP99Ms'), [[T0 + 3 * MIN, 180_000]]),
    ]);
    expect(first).toEqual([
      {
        time: T0 + 4 * MIN,
        variants: {
          primary: {
            invocations: 1000,
            errors5xx: 0,
            errors4xx: 0,
            latencyAvgMs: null,
            latencyP50Ms: null,
            latencyP90Ms: null,
            latencyP99Ms: 180,
          },
        },
      },
    ]);
  });

  it('treats a variant without an Invocations datapoint as missing, not as zero traffic', () => {
    const [first] = map([
      result(idOf(0, 'primary', 'invocations'), [[T0 + 3 * MIN, 1000]]),
      result(idOf(0, 'canary', 'errors5xx'), [[T0 + 3 * MIN, 3]]),
    ]);
    expect(first?.[0]?.variants.canary).toBeUndefined();
  });

  it('merges a query split across pages and keeps rollouts apart, oldest period first', () => {
    const id = idOf(1, 'canary', 'invocations');
    const [, second] = map([
      result(id, [[T0 + 4 * MIN, 50]]),
      result(idOf(0, 'canary', 'invocations'), [[T0 + 4 * MIN, 999]]),
      result(id, [[T0 + 2 * MIN, 40]]),
    ]);
    expect(second?.map((p) => [p.time, p.variants.canary?.invocations])).toEqual([
      [T0 + 3 * MIN, 40],
      [T0 + 5 * MIN, 50],
    ]);
  });

  it('drops datapoints outside the analysis window', () => {
    const [first] = map([result(idOf(0, 'primary', 'invocations'), [[T0 - 10 * MIN, 1]])]);
    expect(first).toEqual([]);
  });
});
