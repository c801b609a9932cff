import { describe, expect, it } from 'vitest';
import { createFaults } from '../../../sandbox/faults';

const call = { service: 'sagemaker', operation: 'DescribeEndpoint', region: 'us-east-1' };

describe('createFaults', () => {
  it('lets every call through when nothing is configured', () => {
    expect(createFaults().beforeCall(call)).toEqual({ latencyMs: 0 });
  });

  it('throttles the next N matching calls, then expires the rule', () => {
    const faults = createFaults();
    faults.throttle({ operation: 'DescribeEndpoint', times: 2 });
    const codes = [1, 2, 3].map(() => faults.beforeCall(call).error?.code);
    expect(codes).toEqual(['ThrottlingException', 'ThrottlingException', undefined]);
    expect(faults.snapshot().rules).toEqual([]);
  });

  it.each([
    [0.5, [false, true, false, true, false, true]],
    [1 / 3, [false, false, true, false, false, true]],
    [1, [true, true, true, true, true, true]],
  ])('hits an even fraction %d of matching calls', (fraction, expected) => {
    const faults = createFaults();
    faults.throttle({ fraction });
    expect(expected.map(() => faults.beforeCall(call).error !== undefined)).toEqual(expected);
  });

  it('throttles only the calls above maxPerSecond within a sliding second of wall time', () => {
    let wall = 10_000;
    const faults = createFaults({ wallNow: () => wall });
    faults.throttle({ maxPerSecond: 2 });
    const throttled = () => faults.beforeCall(call).error !== undefined;
    expect([throttled(), throttled(), throttled()]).toEqual([false, false, true]);
    wall += 999;
    expect(throttled()).toBe(true);
    wall += 1;
    expect([throttled(), throttled(), throttled()]).toEqual([false, false, true]);
  });

  it('does not count calls the rule does not match', () => {
    const faults = createFaults();
    faults.fail('ServiceUnavailable', { service: 'ssm', times: 1 });
    expect(faults.beforeCall(call).error).toBeUndefined();
    const verdict = faults.beforeCall({ ...call, service: 'ssm' });
    expect(verdict.error).toMatchObject({ code: 'ServiceUnavailable', statusCode: 503 });
  });

  it('adds latency on top of an error', () => {
    const faults = createFaults();
    faults.delay(40);
    faults.delay(2);
    faults.fail('InternalFailure');
    const verdict = faults.beforeCall(call);
    expect(verdict.latencyMs).toBe(42);
    expect(verdict.error).toMatchObject({ code: 'InternalFailure', statusCode: 500 });
  });

  it('reports a region that was taken away before any other rule', () => {
    const faults = createFaults();
    faults.throttle();
    faults.takeRegionDown('us-east-1', 'unavailable');
    expect(faults.beforeCall(call)).toEqual({ latencyMs: 0, regionDown: 'unavailable' });
    expect(faults.beforeCall({ ...call, region: 'eu-west-1' }).error?.code).toBe('ThrottlingException');
    faults.restoreRegion('us-east-1');
    expect(faults.beforeCall(call).regionDown).toBeUndefined();
  });

  it('drops and duplicates deliveries per channel, in the order they were asked for', () => {
    const faults = createFaults();
    faults.dropDeliveries(1, 'events');
    faults.duplicateDeliveries(2);
    expect(faults.nextDelivery('sns')).toBe('duplicate');
    expect(faults.nextDelivery('events')).toBe('drop');
    expect(faults.nextDelivery('events')).toBe('duplicate');
    expect(faults.nextDelivery('events')).toBe('deliver');
  });

  it('loses the reply of the next N matching calls after they run, resetting by default', () => {
    const faults = createFaults();
    faults.loseReply({ operation: 'DescribeEndpoint', times: 1 });
    faults.loseReply({ service: 'sns', times: 1 }, 'ServiceUnavailable');
    expect(faults.beforeCall(call)).toEqual({ latencyMs: 0, lostReply: 'reset' });
    expect(faults.beforeCall(call)).toEqual({ latencyMs: 0 });
    const sns = faults.beforeCall({ ...call, service: 'sns', operation: 'Publish' });
    expect(sns.lostReply).toMatchObject({ code: 'ServiceUnavailable', statusCode: 503 });
  });

  it('keeps a lost reply for a later call when an error stops this one before it runs', () => {
    const faults = createFaults();
    faults.loseReply({ times: 1 });
    faults.fail('InternalFailure', { times: 1 });
    expect(faults.beforeCall(call)).toMatchObject({ error: { code: 'InternalFailure' } });
    expect(faults.beforeCall(call).lostReply).toBe('reset');
  });

  it('tells hold observers before holding, and releases', () => {
    const faults = createFaults();
    const seen: string[] = [];
    faults.onEndpointHold((region, name) =>
      seen.push(`${region}/${name}:${faults.isEndpointHeld(region, name)}`),
    );
    faults.holdEndpoint('us-east-1', 'ep');
    expect(seen).toEqual(['us-east-1/ep:false']);
    expect(faults.isEndpointHeld('us-east-1', 'ep')).toBe(true);
    faults.releaseEndpoint('us-east-1', 'ep');
    expect(faults.isEndpointHeld('us-east-1', 'ep')).toBe(false);
  });

  it.each([
    ['times 0', { times: 0 }],
    ['fraction 0', { fraction: 0 }],
    ['fraction above 1', { fraction: 1.5 }],
    ['a fractional maxPerSecond', { maxPerSecond: 1.5 }],
  ])('refuses a rule with %s', (_case, scope) => {
    expect(() => createFaults().throttle(scope)).toThrow(RangeError);
  });
});
