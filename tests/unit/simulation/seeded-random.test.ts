import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../../shared/simulation/seeded-random';

const DRAWS = 40_000;

function meanAndVariance(draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < DRAWS; i++) {
    const x = draw();
    sum += x;
    squares += x * x;
  }
  const mean = sum / DRAWS;
  return { mean, variance: squares / DRAWS - mean * mean };
}

describe('createSeededRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const c = createSeededRandom(43);
    const seqA = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(seqA);
  });

  it('draws uniforms in [0, 1)', () => {
    const random = createSeededRandom(1);
    for (let i = 0; i < 10_000; i++) {
      const u = random.next();
      expect(u >= 0 && u < 1).toBe(true);
    }
  });

  it.each([0.5, 3, 9.9, 10, 40, 3000])('draws Poisson(%s) with the right mean and variance', (mean) => {
    const random = createSeededRandom(11);
    const stats = meanAndVariance(() => random.poisson(mean));
    const tolerance = 5 * Math.sqrt(mean / DRAWS);
    expect(Math.abs(stats.mean - mean)).toBeLessThan(tolerance);
    expect(Math.abs(stats.variance / mean - 1)).toBeLessThan(0.05);
  });

  it.each([
    [20, 0.1],
    [150, 0.08],
    [3000, 0.002],
    [3000, 0.05],
    [600, 0.5],
    [1000, 0.97],
  ])('draws Binomial(%s, %s) with the right mean and variance', (n, p) => {
    const random = createSeededRandom(5);
    const stats = meanAndVariance(() => random.binomial(n, p));
    const variance = n * p * (1 - p);
    expect(Math.abs(stats.mean - n * p)).toBeLessThan(5 * Math.sqrt(variance / DRAWS));
    expect(Math.abs(stats.variance / variance - 1)).toBeLessThan(0.05);
  });

  it.each([
    ['no trials', 0, 0.5, 0],
    ['p = 0', 100, 0, 0],
    ['p = 1', 100, 1, 100],
    ['p not a number', 100, Number.NaN, 0],
  ])('gives the only possible Binomial count for %s', (_case, n, p, expected) => {
    expect(createSeededRandom(3).binomial(n, p)).toBe(expected);
  });

  it('keeps Binomial draws within 0..n', () => {
    const random = createSeededRandom(9);
    for (let i = 0; i < 5000; i++) {
      const k = random.binomial(50, 0.3);
      expect(k >= 0 && k <= 50 && Number.isInteger(k)).toBe(true);
    }
  });

  it('draws standard normals', () => {
    const random = createSeededRandom(2);
    const stats = meanAndVariance(() => random.normal());
    expect(Math.abs(stats.mean)).toBeLessThan(0.03);
    expect(Math.abs(stats.variance - 1)).toBeLessThan(0.03);
  });
});
