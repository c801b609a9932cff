/**
 * Small, allocation-free statistics used by the judgement. Pure functions of numbers; every
 * input may be 0 and the functions stay finite (callers guard against n = 0 before calling).
 */

/**
 * Lower confidence bound (one-sided, quantile `z`) of a binomial proportion by the Wilson score
 * interval: unlike the plain normal interval it stays sensible for 0 successes and small `n`.
 * Inputs: `successes` out of `n` trials (n > 0).
 */
export function wilsonLowerBound(successes: number, n: number, z: number): number {
  const p = successes / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - spread) / (1 + z2 / n));
}

/**
 * Lower confidence bound (one-sided, quantile `z`) of the difference of two proportions
 * `pA - pB`, by the Agresti–Caffo adjustment (add one success and one failure to each group).
 * The adjustment keeps the variance positive when a group has no errors at all, so a zero-error
 * baseline neither divides by zero nor makes a small canary sample look certain.
 * Inputs: `xA` of `nA`, `xB` of `nB` (both n > 0).
 */
export function differenceLowerBound(xA: number, nA: number, xB: number, nB: number, z: number): number {
  const nA2 = nA + 2;
  const nB2 = nB + 2;
  const pA = (xA + 1) / nA2;
  const pB = (xB + 1) / nB2;
  return pA - pB - z * Math.sqrt((pA * (1 - pA)) / nA2 + (pB * (1 - pB)) / nB2);
}

/** Standard normal density. */
function normalDensity(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** z-scores of the percentiles the latency metric supports. */
export const PERCENTILE_Z = { p50: 0, p90: 1.2816, p99: 2.3263 } as const;

/**
 * Standard error, in natural-log units, of a latency statistic estimated from `n` requests of a
 * log-normal distribution with shape `sigma`, used to tell a slower canary from sampling noise.
 * - percentile p at z: the asymptotic variance of a sample quantile, p(1-p) / (n f(q)^2), which
 *   in log space is p(1-p) sigma^2 / (n phi(z)^2);
 * - mean: the coefficient of variation of a log-normal, sqrt(e^(sigma^2) - 1), over sqrt(n).
 * Averaging per-period statistics weighted by their request counts has about the same variance
 * as one estimate from all `n` requests, so `n` is the window's total.
 */
export function latencyLogStandardError(
  statistic: 'avg' | 'p50' | 'p90' | 'p99',
  sigma: number,
  n: number,
): number {
  if (statistic === 'avg') return Math.sqrt(Math.expm1(sigma * sigma)) / Math.sqrt(n);
  const z = PERCENTILE_Z[statistic];
  const p = statistic === 'p50' ? 0.5 : statistic === 'p90' ? 0.9 : 0.99;
  return (Math.sqrt(p * (1 - p)) * sigma) / (normalDensity(z) * Math.sqrt(n));
}
