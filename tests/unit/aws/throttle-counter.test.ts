import { describe, expect, it } from 'vitest';
import { ThrottleCounter } from '../../../shared/aws/throttle-counter';

describe('ThrottleCounter', () => {
  it('counts every throttle of a call that finally succeeded as retried', () => {
    const counter = new ThrottleCounter();
    counter.record('SageMaker.DescribeEndpoint', 2, false);
    counter.record('SageMaker.DescribeEndpoint', 1, false);
    expect(counter.snapshot()).toEqual({ 'SageMaker.DescribeEndpoint': { retried: 3, failed: 0 } });
  });

  it('counts the last throttle of a call that ended throttled as failed, the ones before it as retried', () => {
    const counter = new ThrottleCounter();
    counter.record('CloudWatch.GetMetricData', 4, true);
    expect(counter.snapshot()).toEqual({ 'CloudWatch.GetMetricData': { retried: 3, failed: 1 } });
  });

  it('leaves calls that were never throttled out of the counts', () => {
    const counter = new ThrottleCounter();
    counter.record('SageMaker.DescribeEndpoint', 0, false);
    expect(counter.snapshot()).toEqual({});
    expect(counter.total()).toEqual({ retried: 0, failed: 0 });
  });

  it('adds up every operation in its total, and starts again after a reset', () => {
    const counter = new ThrottleCounter();
    counter.record('SageMaker.DescribeEndpoint', 2, false);
    counter.record('CloudWatch.GetMetricData', 2, true);
    expect(counter.total()).toEqual({ retried: 3, failed: 1 });
    counter.reset();
    expect(counter.snapshot()).toEqual({});
  });
});
