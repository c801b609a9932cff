import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeLatencyShift, type LatencyPair } from '../../../shared/domain/latency-shift';
import type { VariantPeriodMetrics } from '../../../shared/domain/types';

/** ln(1.3): the standard policy's `maxIncreasePct: 30`. */
const ALLOWED = Math.log1p(0.3);
/** Shape of a 40 ms / 180 ms (p50 / p99) log-normal. */
const SIGMA = Math.log(180 / 40) / 2.3263;

/** A variant `factor` times slower than a 40 / 92 / 180 ms (p50 / p90 / p99) baseline; `tail` factors for p90 and p99 when they differ. */
function variant(
  invocations: number,
  factor: number,
  tail?: { p90: number; p99: number },
): VariantPeriodMetrics {
  return {
    invocations,
    errors5xx: 0,
    errors4xx: 0,
    latencyAvgMs: 50 * factor,
    latencyP50Ms: 40 * factor,
    latencyP90Ms: 92 * (tail?.p90 ?? factor),
    latencyP99Ms: 180 * (tail?.p99 ?? factor),
  };
}

/** Periods of a 5 % canary at `rpm` requests a minute, the canary `factors[i]` times slower in period i. */
function periods(rpm: number, factors: number[], tail?: { p90: number; p99: number }): LatencyPair[] {
  const canaryN = Math.round(rpm * 0.05);
  return factors.map((factor, i) => ({
    time: i * 60_000,
    baseline: variant(rpm - canaryN, 1),
    canary: variant(canaryN, factor, tail),
  }));
}

const shiftOf = (pairs: LatencyPair[]) => judgeLatencyShift(pairs, 'p99', ALLOWED, SIGMA, () => SIGMA);

describe('judgeLatencyShift', () => {
  it.each<[string, LatencyPair[], boolean]>([
    [
      'convicts a canary 1.6x slower on every request after two periods at 1,500 req/min',
      periods(1500, [1.6, 1.6]),
      true,
    ],
    ['does not convict on a single period, however slow', periods(1500, [1, 1, 1, 1, 3]), false],
    [
      'does not convict a canary 20% slower (30% allowed), even at 6,000 req/min',
      periods(6000, [1.2, 1.2, 1.2, 1.2, 1.2]),
      false,
    ],
    ['does not convict a canary as fast as the baseline', periods(1500, [1, 1, 1, 1, 1]), false],
    [
      'lets a period within the allowance end the run (the regression must persist)',
      periods(1500, [2, 2, 1, 1.6]),
      false,
    ],
    [
      'leaves a slower median with an unchanged tail (p50 1.6x, p90 1.25x, p99 1x) to the ordinary test of the p99',
      periods(1500, [1.6, 1.6, 1.6, 1.6, 1.6], { p90: 1.25, p99: 1 }),
      false,
    ],
    ['convicts a run that began mid-window', periods(1500, [1, 1, 1, 1.6, 1.6]), true],
    [
      'convicts a tail that grows faster than the body once the body is past the allowance (p50 1.5x, p90 1.9x, p99 2.3x)',
      periods(1500, [1.5, 1.5, 1.5], { p90: 1.9, p99: 2.3 }),
      true,
    ],
  ])('%s', (_case, pairs, decisive) => {
    expect(shiftOf(pairs)?.decisive ?? false).toBe(decisive);
  });

  it('needs more periods when the canary has fewer requests', () => {
    const runOf = (rpm: number) => shiftOf(periods(rpm, [1.45, 1.45, 1.45, 1.45, 1.45]));
    expect(runOf(20_000)?.periods).toBeLessThan(runOf(3000)?.periods ?? Infinity);
  });

  it('ignores periods with too few requests to judge a shift on', () => {
    expect(shiftOf(periods(200, [3, 3, 3, 3, 3]))).toBeNull();
  });

  it('never convicts a canary within the allowance on every request', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.3, max: 1.3, noNaN: true }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 100, max: 100_000 }),
        (factors, rpm) => {
          expect(shiftOf(periods(rpm, factors))?.decisive ?? false).toBe(false);
        },
      ),
    );
  });

  it('never judges a uniformly slower canary less severely', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.5, max: 4, noNaN: true }), { minLength: 1, maxLength: 5 }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        fc.integer({ min: 600, max: 50_000 }),
        (factors, slowdown, rpm) => {
          const better = shiftOf(periods(rpm, factors));
          const worse = shiftOf(
            periods(
              rpm,
              factors.map((f) => f * slowdown),
            ),
          );
          if (better?.decisive) expect(worse?.decisive).toBe(true);
        },
      ),
    );
  });
});
