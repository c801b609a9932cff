import { describe, expect, it } from 'vitest';
import { bakePolicy, judgeBake } from '../../../shared/domain/region-bake';
import type { PeriodObservation } from '../../../shared/domain/types';
import { at, standardPolicy } from '../../fixtures/policies/policy-fixtures';

const target = { endpointName: 'fraud-eu', region: 'eu-west-1', variantName: 'canary' };
const policy = bakePolicy(standardPolicy(), target);

/** `minutes` periods of the region's one variant ending at minute `end`. */
function periods(
  end: number,
  minutes: number,
  errorRate: number,
  p99Ms = 80,
  invocations = 1000,
): PeriodObservation[] {
  return Array.from({ length: minutes }, (_, i) => ({
    time: at(end - minutes + 1 + i),
    variants: {
      canary: {
        invocations,
        errors5xx: Math.round(invocations * errorRate),
        errors4xx: 0,
        latencyAvgMs: p99Ms / 2,
        latencyP50Ms: p99Ms / 2,
        latencyP90Ms: p99Ms * 0.8,
        latencyP99Ms: p99Ms,
      },
    },
  }));
}

describe('bakePolicy', () => {
  it("points the analysis at the region's one variant and keeps only absolute bounds", () => {
    expect(policy.endpoint).toEqual({
      name: 'fraud-eu',
      region: 'eu-west-1',
      baselineVariant: 'canary',
      canaryVariant: 'canary',
    });
    expect(policy.analysis.metrics).toEqual([
      expect.not.objectContaining({ maxIncrease: expect.anything() }),
      expect.not.objectContaining({ maxIncreasePct: expect.anything() }),
    ]);
    expect(policy.analysis.metrics[0]).toMatchObject({ threshold: 0.05, failureLimit: 2 });
    expect(policy.rollback.onAlarms).toEqual([]);
  });
});

describe('judgeBake', () => {
  const until = at(20);

  it.each([
    ['keeps baking a healthy region before its end', 10, 0.001, 'continue'],
    ['passes a healthy region at its end', 20, 0.001, 'pass'],
    ['fails a region that ends its bake on a failing look', 20, 0.2, 'fail'],
  ])('%s', (_, minute, errorRate, outcome) => {
    expect(judgeBake(policy, periods(minute, 5, errorRate), {}, at(minute), until).outcome).toBe(outcome);
  });

  it('fails at once when a metric fails failureLimit looks in a row, before the bake ends', () => {
    const first = judgeBake(policy, periods(10, 5, 0.2), {}, at(10), until);
    expect(first.outcome).toBe('continue');
    const second = judgeBake(policy, periods(11, 5, 0.2), first.failures, at(11), until);
    expect(second.outcome).toBe('fail');
    expect(second.summary).toContain('error-rate fail');
  });

  it('judges latency against its absolute ceiling, not against a baseline', () => {
    expect(judgeBake(policy, periods(20, 5, 0, 900), { 'p99-latency': 2 }, at(20), until).outcome).toBe(
      'fail',
    );
  });

  it('ends without a verdict when the region saw too few requests (a DR copy without traffic)', () => {
    const judged = judgeBake(policy, periods(20, 5, 0, 80, 10), {}, at(20), until);
    expect(judged).toMatchObject({ outcome: 'no-traffic', invocations: 50 });
    expect(judged.summary).toContain('not judged');
    expect(judgeBake(policy, [], {}, at(20), until).outcome).toBe('no-traffic');
  });
});
