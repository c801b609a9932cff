import { describe, expect, it } from 'vitest';
import { createQuotas, DEFAULT_QUOTAS } from '../../../sandbox/quotas';

const describeCall = { service: 'sagemaker', operation: 'DescribeEndpoint', region: 'us-east-1' };
const metricsCall = { service: 'monitoring', operation: 'GetMetricData', region: 'us-east-1' };

/** A wall clock the test moves by hand. */
function manualWall(start = 50_000) {
  let now = start;
  return { wallNow: () => now, advance: (ms: number) => void (now += ms) };
}

describe('createQuotas', () => {
  it('starts with GetMetricData at 50 a second and the two SageMaker calls at 10 a second', () => {
    expect(createQuotas().snapshot().limits).toEqual({
      'monitoring.GetMetricData': 50,
      'sagemaker.DescribeEndpoint': 10,
      'sagemaker.UpdateEndpointWeightsAndCapacities': 10,
    });
    expect(DEFAULT_QUOTAS['sagemaker.DescribeEndpoint']).toBe(10);
  });

  it('throttles the calls above the quota within a sliding second, and admits again once it has passed', () => {
    const wall = manualWall();
    const quotas = createQuotas({ wallNow: wall.wallNow });
    const answers = Array.from({ length: 12 }, () => quotas.check(describeCall)?.code);
    expect(answers.filter((code) => code === undefined)).toHaveLength(10);
    expect(answers.slice(10)).toEqual(['ThrottlingException', 'ThrottlingException']);
    wall.advance(999);
    expect(quotas.check(describeCall)).toMatchObject({ code: 'ThrottlingException', statusCode: 400 });
    wall.advance(1);
    expect(quotas.check(describeCall)).toBeUndefined();
    expect(quotas.snapshot().throttled).toEqual({ 'sagemaker.DescribeEndpoint': 3 });
  });

  it('answers CloudWatch with its own throttling code, Throttling', () => {
    const quotas = createQuotas({ limits: { 'monitoring.GetMetricData': 0 } });
    expect(quotas.check(metricsCall)).toMatchObject({
      code: 'Throttling',
      message: 'Rate exceeded',
      statusCode: 400,
    });
  });

  it('counts each region and each operation against its own quota', () => {
    const quotas = createQuotas({
      wallNow: manualWall().wallNow,
      limits: { 'sagemaker.DescribeEndpoint': 1 },
    });
    expect(quotas.check(describeCall)).toBeUndefined();
    expect(quotas.check({ ...describeCall, region: 'eu-west-1' })).toBeUndefined();
    expect(
      quotas.check({ ...describeCall, operation: 'UpdateEndpointWeightsAndCapacities' }),
    ).toBeUndefined();
    expect(quotas.check(describeCall)?.code).toBe('ThrottlingException');
  });

  it('leaves operations without a quota alone', () => {
    const quotas = createQuotas({ limits: { 'sagemaker.DescribeEndpoint': 0 } });
    const listCall = { ...describeCall, operation: 'ListEndpoints' };
    expect(Array.from({ length: 100 }, () => quotas.check(listCall))).toEqual(Array(100).fill(undefined));
  });

  it('changes one quota or lifts it with null, keeping the others', () => {
    const quotas = createQuotas({
      limits: { 'sagemaker.DescribeEndpoint': 3, 'monitoring.GetMetricData': null },
    });
    expect(quotas.snapshot().limits).toEqual({
      'sagemaker.DescribeEndpoint': 3,
      'sagemaker.UpdateEndpointWeightsAndCapacities': 10,
    });
    quotas.set({ 'sagemaker.DescribeEndpoint': null });
    expect(Object.keys(quotas.snapshot().limits)).toEqual(['sagemaker.UpdateEndpointWeightsAndCapacities']);
    quotas.liftAll();
    expect(quotas.snapshot().limits).toEqual({});
  });

  it('runs without any quota when turned off', () => {
    const quotas = createQuotas(false);
    expect(quotas.snapshot().limits).toEqual({});
    expect(Array.from({ length: 50 }, () => quotas.check(describeCall))).toEqual(Array(50).fill(undefined));
  });

  it.each([
    [{ 'sagemaker.DescribeEndpoint': -1 }],
    [{ 'sagemaker.DescribeEndpoint': 2.5 }],
    [{ DescribeEndpoint: 5 }],
  ])('refuses a quota it cannot enforce: %j', (limits) => {
    expect(() => createQuotas({ limits })).toThrow(RangeError);
  });
});
