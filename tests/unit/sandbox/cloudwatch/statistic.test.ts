import { describe, expect, it } from 'vitest';
import { createMetricStore, type MetricIdentity } from '../../../../sandbox/services/cloudwatch/metric-store';
import {
  computeStatistic,
  parseStatistic,
  percentileOf,
} from '../../../../sandbox/services/cloudwatch/statistic';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const MINUTE = 60_000;
const METRIC: MetricIdentity = { namespace: 'Unit', metricName: 'Latency', dimensions: { B: '2', A: '1' } };

describe('CloudWatch statistics', () => {
  it.each([
    ['Sum', { kind: 'simple', name: 'Sum' }],
    ['SampleCount', { kind: 'simple', name: 'SampleCount' }],
    ['p99', { kind: 'percentile', percent: 99 }],
    ['p99.9', { kind: 'percentile', percent: 99.9 }],
    ['p100', { kind: 'percentile', percent: 100 }],
    ['p0', undefined],
    ['p101', undefined],
    ['avg', undefined],
    ['P99', undefined],
    ['tm99', undefined],
  ])('parses %s', (stat, expected) => {
    expect(parseStatistic(stat)).toEqual(expected);
  });

  it.each([
    [50, 2],
    [75, 3],
    [76, 4],
    [99, 4],
    [100, 4],
    [1, 1],
  ])('takes the nearest-rank p%s of 1, 2, 3, 4', (percent, expected) => {
    expect(
      percentileOf(
        new Map([
          [4, 1],
          [2, 1],
          [1, 1],
          [3, 1],
        ]),
        percent,
      ),
    ).toBe(expected);
  });

  it('weights percentile ranks by counts', () => {
    // 98 fast requests and 2 slow ones: p98 is fast, p99 is slow.
    const histogram = new Map([
      [10, 98],
      [500, 2],
    ]);
    expect(percentileOf(histogram, 98)).toBe(10);
    expect(percentileOf(histogram, 99)).toBe(500);
  });

  it('has no percentile for statistic sets or negative values, but has the simple statistics', () => {
    const set = { sampleCount: 4, sum: 20, min: 2, max: 8, histogram: null };
    expect(computeStatistic({ kind: 'percentile', percent: 50 }, set)).toBeNull();
    expect(computeStatistic({ kind: 'simple', name: 'Average' }, set)).toBe(5);
    const negative = {
      sampleCount: 2,
      sum: 0,
      min: -1,
      max: 1,
      histogram: new Map([
        [-1, 1],
        [1, 1],
      ]),
    };
    expect(computeStatistic({ kind: 'percentile', percent: 50 }, negative)).toBeNull();
  });
});

describe('the metric store', () => {
  it('finds a metric whatever the order of its dimensions', () => {
    const store = createMetricStore();
    store.put('us-east-1', { metric: METRIC, timestamp: T0, value: 3 });
    const reordered = { ...METRIC, dimensions: { A: '1', B: '2' } };
    expect(
      store.aggregate('us-east-1', reordered, { start: T0, end: T0 + MINUTE, periodSeconds: 60 }),
    ).toHaveLength(1);
  });

  it('aligns periods to the start time and leaves empty periods out', () => {
    const store = createMetricStore();
    for (const minute of [1, 2, 7])
      store.put('us-east-1', { metric: METRIC, timestamp: T0 + minute * MINUTE + 5_000, value: minute });
    const periods = store.aggregate('us-east-1', METRIC, {
      start: T0 + MINUTE,
      end: T0 + 10 * MINUTE,
      periodSeconds: 300,
    });
    expect(periods.map((p) => [(p.timestamp - T0) / MINUTE, p.aggregate.sum])).toEqual([
      [1, 3],
      [6, 7],
    ]);
  });

  it('keeps the distribution through merges until a statistic set without one joins', () => {
    const store = createMetricStore();
    store.put('us-east-1', { metric: METRIC, timestamp: T0, values: [1, 2], counts: [3, 1] });
    store.put('us-east-1', { metric: METRIC, timestamp: T0 + MINUTE, values: [2] });
    const window = { start: T0, end: T0 + 3 * MINUTE, periodSeconds: 180 };
    expect(store.aggregate('us-east-1', METRIC, window)[0]?.aggregate.histogram).toEqual(
      new Map([
        [1, 3],
        [2, 2],
      ]),
    );
    store.put('us-east-1', {
      metric: METRIC,
      timestamp: T0 + 2 * MINUTE,
      statistics: { sampleCount: 2, sum: 5, minimum: 1, maximum: 4 },
    });
    expect(store.aggregate('us-east-1', METRIC, window)[0]?.aggregate).toMatchObject({
      sampleCount: 7,
      sum: 12,
      min: 1,
      max: 4,
      histogram: null,
    });
  });

  it('separates units and filters by them', () => {
    const store = createMetricStore();
    store.put('us-east-1', { metric: METRIC, timestamp: T0, value: 1, unit: 'Milliseconds' });
    store.put('us-east-1', { metric: METRIC, timestamp: T0, value: 1000, unit: 'Microseconds' });
    const window = { start: T0, end: T0 + MINUTE, periodSeconds: 60 };
    expect(store.aggregate('us-east-1', METRIC, { ...window, unit: 'Microseconds' })[0]?.aggregate.sum).toBe(
      1000,
    );
    expect(store.aggregate('us-east-1', METRIC, window)[0]?.aggregate.sampleCount).toBe(2);
  });
});
