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

/** z-scores of the percentiles the latency metric supports. */
export const PERCENTILE_Z = { p50: 0, p90: 1.2816, p99: 2.3263 } as const;

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9).
 * Input: a probability in (0, 1); 0 and 1 give -Infinity and Infinity.
 */
export function normalQuantile(probability: number): number {
  if (!(probability > 0)) return Number.NEGATIVE_INFINITY;
  if (!(probability < 1)) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (probability < low) {
    const q = Math.sqrt(-2 * Math.log(probability));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (probability > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - probability));
    return (
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  const q = probability - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Probability level of each percentile statistic. */
export const PERCENTILE_LEVEL = { p50: 0.5, p90: 0.9, p99: 0.99 } as const;

/**
 * How far above its true value (in natural-log units) a latency statistic estimated from
 * `samples` requests can land by chance, at one-sided confidence `z`, for a log-normal of shape
 * `sigma`. Used as the margin a canary must exceed a bound by before the bound counts as crossed.
 *
 * - Percentiles are judged in probability space: the level of a sample p-quantile is nearly
 *   normal around p with variance p(1-p)/n, and the log-normal quantile function maps that
 *   interval back to latency. Unlike a symmetric error in log space, this keeps the heavy right
 *   skew of a p99 estimated from a few hundred requests (its level can only rise by 1 - p), so a
 *   few unlucky minutes cannot fake a regression. When `p + z * sd` reaches 1 the sample cannot
 *   show a crossing at that confidence: the margin is Infinity.
 * - The mean: the coefficient of variation of a log-normal, sqrt(e^(sigma^2) - 1), over sqrt(n).
 * `samples` may combine two variants' uncertainty as 1 / (1/nA + 1/nB).
 */
export function latencyNoiseMargin(
  statistic: 'avg' | 'p50' | 'p90' | 'p99',
  sigma: number,
  samples: number,
  z: number,
): number {
  if (statistic === 'avg') return (z * Math.sqrt(Math.expm1(sigma * sigma))) / Math.sqrt(samples);
  const p = PERCENTILE_LEVEL[statistic];
  const upper = p + z * Math.sqrt((p * (1 - p)) / samples);
  if (upper >= 1) return Number.POSITIVE_INFINITY;
  return sigma * (normalQuantile(upper) - PERCENTILE_Z[statistic]);
}
