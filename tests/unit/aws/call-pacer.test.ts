import { describe, expect, it } from 'vitest';
import { CallPacer, DEFAULT_PACED_RATES } from '../../../shared/aws/call-pacer';

/** A fake wall clock that the fake sleep moves, so no test waits or depends on wall time. */
function fakeTime() {
  let now = 1_000_000;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => void (now += ms),
  };
}

describe('CallPacer', () => {
  it('paces the quota-bound calls just under the sandbox quotas', () => {
    expect(DEFAULT_PACED_RATES).toEqual({
      'SageMaker.DescribeEndpoint': 9,
      'SageMaker.UpdateEndpointWeightsAndCapacities': 9,
      'CloudWatch.GetMetricData': 45,
    });
  });

  it('spaces a burst of one operation evenly at its rate, the first call leaving at once', async () => {
    // Every caller asks at the same instant: the sleep here does not move the clock.
    const pacer = new CallPacer({
      rates: { 'SageMaker.DescribeEndpoint': 10 },
      now: fakeTime().now,
      sleep: async () => {},
    });
    const waits = await Promise.all(
      Array.from({ length: 5 }, () => pacer.acquire('SageMaker.DescribeEndpoint', 'us-east-1')),
    );
    expect(waits).toEqual([0, 100, 200, 300, 400]);
    expect(pacer.waited()).toEqual({ 'SageMaker.DescribeEndpoint': 1_000 });
  });

  it('never lets more calls than the rate leave within any second', async () => {
    const time = fakeTime();
    const pacer = new CallPacer({ rates: { 'SageMaker.DescribeEndpoint': 9 }, ...time });
    const start = time.now();
    const leftAt: number[] = [];
    for (let i = 0; i < 40; i++) {
      const wait = await pacer.acquire('SageMaker.DescribeEndpoint', 'us-east-1');
      leftAt.push(time.now());
      time.advance(-wait); // every caller asked at the same instant
    }
    for (const t of leftAt) {
      expect(leftAt.filter((u) => u >= t && u - t < 1_000).length).toBeLessThanOrEqual(9);
    }
    expect(leftAt[0]).toBe(start);
  });

  it('keeps a separate pace per region and per operation', async () => {
    const pacer = new CallPacer({
      rates: { 'SageMaker.DescribeEndpoint': 1, 'CloudWatch.GetMetricData': 1 },
      ...fakeTime(),
    });
    expect(await pacer.acquire('SageMaker.DescribeEndpoint', 'us-east-1')).toBe(0);
    expect(await pacer.acquire('SageMaker.DescribeEndpoint', 'eu-west-1')).toBe(0);
    expect(await pacer.acquire('CloudWatch.GetMetricData', 'us-east-1')).toBe(0);
  });

  it('lets operations without a rate through at once', async () => {
    const pacer = new CallPacer({ rates: {}, ...fakeTime() });
    const waits = await Promise.all(
      Array.from({ length: 20 }, () => pacer.acquire('SSM.GetParameter', 'us-east-1')),
    );
    expect(waits).toEqual(Array(20).fill(0));
  });

  it('saves up no burst while idle: after a quiet spell the next calls are spaced again', async () => {
    const time = fakeTime();
    const pacer = new CallPacer({
      rates: { 'SageMaker.DescribeEndpoint': 10 },
      now: time.now,
      sleep: async () => {},
    });
    await pacer.acquire('SageMaker.DescribeEndpoint', 'us-east-1');
    time.advance(60_000);
    const waits = await Promise.all([
      pacer.acquire('SageMaker.DescribeEndpoint', 'us-east-1'),
      pacer.acquire('SageMaker.DescribeEndpoint', 'us-east-1'),
    ]);
    expect(waits).toEqual([0, 100]);
  });

  it.each([0, -1, Number.POSITIVE_INFINITY])('refuses a rate of %d calls per second', (rate) => {
    expect(() => new CallPacer({ rates: { 'SageMaker.DescribeEndpoint': rate } })).toThrow(RangeError);
  });
});
