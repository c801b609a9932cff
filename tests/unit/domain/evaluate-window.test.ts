import { describe, expect, it } from 'vitest';
import { evaluateWindow } from '../../../shared/domain/index';
import type { PeriodObservation, RolloutPolicy } from '../../../shared/domain/types';
import { at, period, standardPolicy, type Traffic } from '../../fixtures/policies/policy-fixtures';

/** Five one-minute periods ending at minute 4 (the standard 5m window), judged at minute 4. */
function fiveMinutes(
  canary: Partial<Traffic>,
  baseline: Partial<Traffic> = {},
  custom?: Record<string, number | null>,
): PeriodObservation[] {
  return [0, 1, 2, 3, 4].map((minute) => period(minute, canary, baseline, custom));
}

function judge(policy: RolloutPolicy, periods: PeriodObservation[], failures: Record<string, number> = {}) {
  return evaluateWindow(policy, periods, failures, at(4));
}

const verdictOf = (policy: RolloutPolicy, periods: PeriodObservation[], name: string) =>
  judge(policy, periods).evidence.metrics.find((m) => m.name === name)!;

const onlyErrorRate = (metric: Record<string, unknown>) =>
  standardPolicy((raw) => {
    raw.analysis.metrics = [{ name: 'error-rate', type: 'errorRate', failureLimit: 2, ...metric }];
  });
const onlyLatency = (metric: Record<string, unknown>) =>
  standardPolicy((raw) => {
    raw.analysis.metrics = [
      { name: 'latency', type: 'latency', statistic: 'p99', failureLimit: 3, ...metric },
    ];
  });

describe('evaluateWindow: error rate', () => {
  const policy = standardPolicy();

  it.each<[string, RolloutPolicy, Partial<Traffic>, Partial<Traffic>, 'pass' | 'fail' | 'inconclusive']>([
    ['passes a canary that fails as often as the baseline', policy, { errorRate: 0.002 }, {}, 'pass'],
    [
      'fails a canary above the threshold (8% of 750 requests vs 5%)',
      policy,
      { errorRate: 0.08 },
      {},
      'fail',
    ],
    [
      'passes 8 errors in 150 requests against a 5% ceiling (5.3% is within noise of a healthy canary)',
      onlyErrorRate({ threshold: 0.05 }),
      { invocations: 30, errorRate: 8 / 150 },
      {},
      'pass',
    ],
    [
      'fails a canary 1.5x over the ceiling even on small samples (12% of 150 requests)',
      onlyErrorRate({ threshold: 0.05 }),
      { invocations: 30, errorRate: 0.12 },
      {},
      'fail',
    ],
    [
      'treats 750 requests at 3.4% against 14,000 at 3.0% as noise',
      onlyErrorRate({ maxIncrease: 0.002 }),
      { invocations: 150, errorRate: 0.034 },
      { invocations: 2800, errorRate: 0.03 },
      'pass',
    ],
    [
      'fails a canary failing 2.5% of 750 requests against a baseline with zero errors',
      policy,
      { errorRate: 0.025 },
      { errorRate: 0 },
      'fail',
    ],
    [
      'passes when neither variant has any error (no division by zero)',
      policy,
      { errorRate: 0 },
      { errorRate: 0 },
      'pass',
    ],
    [
      'fails an increase far beyond maxIncrease with large samples (2.2% vs 0.2%, 7,500 requests)',
      onlyErrorRate({ maxIncrease: 0.01 }),
      { invocations: 1500, errorRate: 0.022 },
      { invocations: 1500, errorRate: 0.002 },
      'fail',
    ],
    [
      'passes an increase just under maxIncrease (0.9 points)',
      onlyErrorRate({ maxIncrease: 0.01 }),
      { invocations: 1500, errorRate: 0.011 },
      { invocations: 1500, errorRate: 0.002 },
      'pass',
    ],
    [
      'ignores 4xx by default (a client storm is not the canary’s fault)',
      policy,
      { clientErrorRate: 0.15 },
      { clientErrorRate: 0.15 },
      'pass',
    ],
    [
      'counts 4xx when the policy includes client errors',
      onlyErrorRate({ threshold: 0.05, includeClientErrors: true }),
      { clientErrorRate: 0.15 },
      { clientErrorRate: 0.15 },
      'fail',
    ],
    [
      'is inconclusive on the comparison when the baseline has no traffic',
      onlyErrorRate({ maxIncrease: 0.01 }),
      { errorRate: 0.002 },
      { invocations: 0 },
      'inconclusive',
    ],
    [
      'still fails the ceiling when the baseline has no traffic',
      policy,
      { errorRate: 0.2 },
      { invocations: 0 },
      'fail',
    ],
    [
      'is inconclusive with fewer canary requests than minCanaryInvocations',
      policy,
      { invocations: 19, errorRate: 0.5 },
      {},
      'inconclusive',
    ],
  ])('%s', (_case, p, canary, baseline, expected) => {
    expect(verdictOf(p, fiveMinutes(canary, baseline), 'error-rate').verdict).toBe(expected);
  });

  it('reports the rates, the limit and the numbers in the reason', () => {
    const verdict = verdictOf(policy, fiveMinutes({ errorRate: 0.08 }), 'error-rate');
    expect(verdict).toMatchObject({ canary: 0.08, limit: 0.05, consecutiveFailures: 1 });
    expect(verdict.baseline).toBeCloseTo(0.002, 3);
    expect(verdict.reason).toBe('error-rate 8.0% > 5.0% threshold (1/2 failing judgements)');
  });

  it('names the same statistic, the lower bound of the increase, in a pass and in a failure', () => {
    const pass = verdictOf(policy, fiveMinutes({ errorRate: 0.004 }), 'error-rate');
    const fail = verdictOf(policy, fiveMinutes({ errorRate: 0.04 }), 'error-rate');
    expect([pass.verdict, fail.verdict]).toEqual(['pass', 'fail']);
    expect(pass.reason).toMatch(
      /^error-rate 0\.\d% vs baseline 0\.2%: \+0\.\d% \(99% lower bound [-+]\d\.\d\d%\) <= \+1\.0% allowed/,
    );
    expect(fail.reason).toMatch(
      /^error-rate 4\.0% vs baseline 0\.2%: \+3\.8% \(99% lower bound \+\d\.\d\d%\) > \+1\.0% allowed/,
    );
  });
});

describe('evaluateWindow: latency', () => {
  const policy = standardPolicy();

  it('names the same statistic, the increase after sampling noise, in a pass and in a failure', () => {
    const pass = verdictOf(policy, fiveMinutes({ p99: 190 }, { p99: 180 }), 'p99-latency');
    const fail = verdictOf(policy, fiveMinutes({ p50: 60, p99: 420 }, { p99: 180 }), 'p99-latency');
    expect([pass.verdict, fail.verdict]).toEqual(['pass', 'fail']);
    expect(pass.reason).toMatch(
      /^p99-latency p99 \d+ ms vs baseline \d+ ms: \+\d+% \(lower bound -?\d+% after sampling noise\) <= \+30% allowed/,
    );
    // A canary slower on every request is convicted at once, and the words say on what evidence.
    expect(fail.reason).toMatch(
      /^p99-latency p99 \d+ ms vs baseline \d+ ms: \+\d+% \(the whole distribution \(p50, p90\) slower by at least \+\d+% over the last \d+ periods\) > \+30% allowed \(decisive: rolled back without waiting for 3 failing judgements\)/,
    );
  });

  it.each<[string, RolloutPolicy, Partial<Traffic>, Partial<Traffic>, 'pass' | 'fail' | 'inconclusive']>([
    ['passes a canary as fast as the baseline', policy, { p99: 180 }, { p99: 180 }, 'pass'],
    [
      'passes a canary slightly slower than the baseline (190 vs 180 ms)',
      policy,
      { p99: 190 },
      { p99: 180 },
      'pass',
    ],
    [
      'fails p99 420 ms against a 180 ms baseline (+30% allowed)',
      policy,
      { p50: 60, p99: 420 },
      { p99: 180 },
      'fail',
    ],
    [
      'does not fail a 150-request canary just over +30% (236 vs 180 ms): within the noise of a p99',
      onlyLatency({ maxIncreasePct: 30 }),
      { invocations: 30, p99: 236 },
      { p99: 180 },
      'pass',
    ],
    [
      'fails a canary over thresholdMs with enough requests (700 ms, 3,000 requests)',
      onlyLatency({ thresholdMs: 500 }),
      { invocations: 600, p99: 700 },
      { p99: 650 },
      'fail',
    ],
    [
      'passes a canary under thresholdMs',
      onlyLatency({ thresholdMs: 500 }),
      { invocations: 600, p99: 450 },
      { p99: 650 },
      'pass',
    ],
    [
      'is inconclusive on the comparison when the baseline has no latency datapoints',
      onlyLatency({ maxIncreasePct: 30 }),
      { p99: 180 },
      { invocations: 0 },
      'inconclusive',
    ],
    [
      'judges the average when the policy asks for avg',
      onlyLatency({ statistic: 'avg', maxIncreasePct: 20 }),
      { invocations: 600, p50: 80 },
      { p50: 40 },
      'fail',
    ],
    [
      'judges the median when the policy asks for p50',
      onlyLatency({ statistic: 'p50', maxIncreasePct: 20 }),
      { invocations: 600, p50: 42 },
      { p50: 40 },
      'pass',
    ],
  ])('%s', (_case, p, canary, baseline, expected) => {
    expect(verdictOf(p, fiveMinutes(canary, baseline), p.analysis.metrics.at(-1)!.name).verdict).toBe(
      expected,
    );
  });

  it('is inconclusive when the canary has requests but no latency datapoints', () => {
    const periods = fiveMinutes({}).map((p) => ({
      ...p,
      variants: { ...p.variants, canary: { ...p.variants.canary!, latencyP99Ms: null, latencyP50Ms: null } },
    }));
    expect(verdictOf(policy, periods, 'p99-latency').verdict).toBe('inconclusive');
  });

  it.each<[string, Partial<Traffic>, number]>([
    [
      'a canary 1.6x slower on every request is failed decisively: its counter goes to failureLimit',
      { p50: 64, p99: 288 },
      3,
    ],
    ['a canary slower in its p99 alone (420 vs 180 ms) fails one judgement at a time', { p99: 420 }, 1],
  ])('%s', (_case, canary, counter) => {
    const judged = judge(policy, fiveMinutes(canary, { p50: 40, p99: 180 }));
    const verdict = judged.evidence.metrics.find((m) => m.name === 'p99-latency')!;
    expect(verdict.verdict).toBe('fail');
    expect(judged.consecutiveFailures['p99-latency']).toBe(counter);
  });

  it('does not count a decisive judgement when the window is only looked at (alarms, commands)', () => {
    const looked = evaluateWindow(policy, fiveMinutes({ p50: 64, p99: 288 }), {}, at(4), false);
    expect(looked.consecutiveFailures['p99-latency']).toBe(0);
    expect(looked.breached).toEqual([]);
  });

  it('weights periods by their requests (a quiet slow minute does not dominate)', () => {
    const periods = [
      period(0, { invocations: 10, p99: 2000 }),
      ...[1, 2, 3, 4].map((m) => period(m, { invocations: 600, p99: 180 })),
    ];
    const verdict = verdictOf(policy, periods, 'p99-latency');
    expect(verdict.verdict).toBe('pass');
    expect(verdict.canary).toBeLessThan(200);
  });
});

describe('evaluateWindow: custom metrics', () => {
  const policy = standardPolicy((raw) => {
    raw.analysis.metrics.push({
      name: 'quality',
      type: 'custom',
      namespace: 'Model',
      metricName: 'Precision',
      statistic: 'Average',
      min: 0.8,
      max: 0.99,
    });
  });

  it.each<[string, Array<number | null>, 'pass' | 'fail' | 'inconclusive']>([
    ['passes a window mean inside min and max', [0.85, 0.9, 0.88, 0.91, 0.86], 'pass'],
    ['fails a window mean below min', [0.7, 0.75, 0.9, 0.72, 0.74], 'fail'],
    ['fails a window mean above max', [1, 1, 1, 1, 1], 'fail'],
    ['judges only the periods that have datapoints', [null, null, 0.85, null, null], 'pass'],
    ['is inconclusive without datapoints', [null, null, null, null, null], 'inconclusive'],
  ])('%s', (_case, values, expected) => {
    const periods = values.map((value, minute) => period(minute, {}, {}, { quality: value }));
    expect(verdictOf(policy, periods, 'quality').verdict).toBe(expected);
  });
});

describe('evaluateWindow: window, counters and evidence', () => {
  const policy = standardPolicy();

  it('judges only periods inside (now - window, now]', () => {
    const periods = [
      period(-1, { errorRate: 0.9 }), // exactly now - 5m: outside
      ...[0, 1, 2, 3, 4].map((m) => period(m)),
      period(5, { errorRate: 0.9 }), // after now: outside
    ];
    const judgement = judge(policy, periods);
    expect(judgement.verdict).toBe('pass');
    expect(judgement.evidence.canary.invocations).toBe(750);
    expect(judgement.evidence.windowStart).toBe(at(0));
    expect(judgement.evidence.windowEnd).toBe(at(4));
  });

  it('is inconclusive overall without any datapoint', () => {
    const judgement = judge(policy, []);
    expect(judgement.verdict).toBe('inconclusive');
    expect(judgement.evidence.windowStart).toBeNull();
    expect(judgement.evidence.metrics.every((m) => m.verdict === 'inconclusive')).toBe(true);
  });

  it.each<[string, 'pass' | 'fail' | 'inconclusive', number, number]>([
    ['a failing judgement adds one to the counter', 'fail', 1, 2],
    ['a passing judgement resets the counter', 'pass', 1, 0],
    ['an inconclusive judgement neither resets nor increments it', 'inconclusive', 1, 1],
  ])('%s', (_case, verdict, before, after) => {
    const canary: Partial<Traffic> =
      verdict === 'fail' ? { errorRate: 0.08 } : verdict === 'pass' ? {} : { invocations: 10 };
    const judgement = judge(policy, fiveMinutes(canary), { 'error-rate': before });
    expect(judgement.consecutiveFailures['error-rate']).toBe(after);
  });

  it('reports a metric as breached when its failures in a row reach failureLimit', () => {
    const judgement = judge(policy, fiveMinutes({ errorRate: 0.08 }), { 'error-rate': 1 });
    expect(judgement.breached.map((m) => m.name)).toEqual(['error-rate']);
    expect(judgement.breached[0]?.reason).toContain('(2/2 failing judgements)');
  });

  it('ranks the overall verdict fail > inconclusive > pass', () => {
    const mixed = standardPolicy((raw) => {
      raw.analysis.metrics.push({
        name: 'q',
        type: 'custom',
        namespace: 'N',
        metricName: 'M',
        statistic: 'Average',
        max: 1,
      });
    });
    expect(judge(mixed, fiveMinutes({})).verdict).toBe('inconclusive');
    expect(judge(mixed, fiveMinutes({ errorRate: 0.08 })).verdict).toBe('fail');
  });

  it('summarises each variant in the evidence', () => {
    const { evidence } = judge(policy, fiveMinutes({ errorRate: 0.02, p99: 200 }));
    expect(evidence.canary).toMatchObject({
      invocations: 750,
      errors5xx: 15,
      errors4xx: 10,
      errorRate: 0.02,
    });
    expect(evidence.canary.latencyP99Ms).toBeCloseTo(200, 6);
    expect(evidence.baseline.invocations).toBe(14_250);
    expect(evidence.baseline.latencyP99Ms).toBeCloseTo(180, 6);
  });

  it.each([
    ['NaN counts', { invocations: Number.NaN, errors5xx: Number.NaN }],
    ['negative counts', { invocations: -100, errors5xx: -3 }],
    ['infinite latencies', { invocations: 500, latencyP99Ms: Number.POSITIVE_INFINITY, latencyP50Ms: -1 }],
    ['more errors than requests', { invocations: 200, errors5xx: 5000 }],
    ['null everything', { invocations: null, errors5xx: null, latencyP99Ms: null }],
  ])('treats %s as no data, never NaN', (_case, garbage) => {
    const periods = [0, 1, 2, 3, 4].map((m) => ({
      time: at(m),
      variants: { primary: period(m).variants.primary, canary: garbage as never },
    }));
    const judgement = judge(policy, periods);
    for (const metric of judgement.evidence.metrics) {
      expect(Number.isNaN(metric.canary)).toBe(false);
      expect(metric.reason).not.toContain('NaN');
    }
    expect(Number.isFinite(judgement.evidence.canary.invocations)).toBe(true);
    expect(judgement.evidence.canary.errors5xx).toBeLessThanOrEqual(judgement.evidence.canary.invocations);
  });
});
