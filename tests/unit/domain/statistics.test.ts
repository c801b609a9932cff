import { describe, expect, it } from 'vitest';
import {
  differenceLowerBound,
  latencyNoiseMargin,
  normalQuantile,
  wilsonLowerBound,
} from '../../../shared/domain/statistics';

describe('normalQuantile', () => {
  it.each([
    [0.5, 0],
    [0.975, 1.959964],
    [0.99, 2.326348],
    [0.9, 1.281552],
    [0.01, -2.326348],
    [0.001, -3.090232],
    [0.999999, 4.753424],
  ])('maps %f to %f', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 5);
  });

  it.each([
    [0, Number.NEGATIVE_INFINITY],
    [1, Number.POSITIVE_INFINITY],
    [Number.NaN, Number.NEGATIVE_INFINITY],
  ])('maps the edge %f to %f', (p, z) => {
    expect(normalQuantile(p)).toBe(z);
  });
});

describe('wilsonLowerBound', () => {
  it.each([
    // successes, n, z, expected (reference values of the Wilson score interval)
    [0, 100, 1.645, 0],
    [8, 150, 1.645, 0.0306],
    [60, 750, 1.645, 0.0653],
    [50, 100, 1.96, 0.4038],
  ])('gives %i of %i at z=%f a lower bound of %f', (x, n, z, expected) => {
    expect(wilsonLowerBound(x, n, z)).toBeCloseTo(expected, 3);
  });

  it('grows with the number of successes', () => {
    let previous = -1;
    for (let x = 0; x <= 200; x += 5) {
      const bound = wilsonLowerBound(x, 200, 1.645);
      expect(bound).toBeGreaterThanOrEqual(previous);
      previous = bound;
    }
  });
});

describe('differenceLowerBound (Agresti–Caffo)', () => {
  it('stays finite and below the point estimate when the baseline has no errors', () => {
    const bound = differenceLowerBound(19, 750, 0, 14_000, 2.326);
    expect(Number.isFinite(bound)).toBe(true);
    expect(bound).toBeGreaterThan(0.01);
    expect(bound).toBeLessThan(19 / 750);
  });

  it('treats 3.4% of 750 against 3.0% of 14,000 as no evidence of a difference', () => {
    expect(differenceLowerBound(25.5, 750, 420, 14_000, 2.326)).toBeLessThan(0);
  });

  it('is finite when neither group has an error, and negative', () => {
    expect(differenceLowerBound(0, 100, 0, 100, 2.326)).toBeLessThan(0);
  });
});

describe('latencyNoiseMargin', () => {
  it.each(['p50', 'p90', 'p99', 'avg'] as const)('shrinks as the sample grows for %s', (statistic) => {
    const small = latencyNoiseMargin(statistic, 0.65, 750, 1.96);
    const large = latencyNoiseMargin(statistic, 0.65, 7500, 1.96);
    expect(large).toBeLessThan(small);
    expect(large).toBeGreaterThan(0);
  });

  it('is infinite when the sample cannot show a p99 crossing at that confidence', () => {
    expect(latencyNoiseMargin('p99', 0.65, 150, 1.96)).toBe(Number.POSITIVE_INFINITY);
  });

  it('grows with the shape of the tail', () => {
    expect(latencyNoiseMargin('p99', 1.3, 3000, 1.96)).toBeGreaterThan(
      latencyNoiseMargin('p99', 0.65, 3000, 1.96),
    );
  });

  it('lets a 750-request canary fail a p99 more than 2x over its bound, but not 1.3x', () => {
    const margin = latencyNoiseMargin('p99', 0.65, 750, 1.96);
    expect(Math.log(2)).toBeGreaterThan(margin);
    expect(Math.log(1.3)).toBeLessThan(margin);
  });
});
