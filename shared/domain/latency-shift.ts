/**
 * The fast path of the latency comparison with the baseline (`maxIncreasePct`): a sequential
 * test of the shift of the canary's whole latency distribution, period by period.
 *
 * Why: a p99 measured on the ~75 requests a 5 % canary gets in a minute is nearly the slowest of
 * them; its noise is so wide that the window's geometric mean needs 4 to 13 minutes to convict
 * even a canary 1.6 times slower. A real regression moves the body of the distribution too (a
 * slower model is slower on every request), and the body is measured far more precisely: the
 * median of 75 requests has about a third of the p99's spread in log space. So each period's
 * p50 and p90 ratios (canary over baseline, same minute: a slow minute of both variants cancels)
 * are combined into one shift estimate, the periods are accumulated from the newest backwards
 * as long as every one of them is beyond the allowance (a sequential, CUSUM-like run that a
 * period within the allowance resets), and the judgement is decisive once the run's lower
 * confidence bound is beyond the allowance. The policy's own statistic must agree: its point
 * estimate over the same periods has to be beyond the allowance too, so a canary whose body
 * slowed while its tail did not is left to the ordinary test of that statistic.
 */
import {
  FAST_LATENCY_MIN_PERIODS,
  FAST_LATENCY_MIN_REQUESTS,
  LATENCY_PERIOD_Z,
  LATENCY_SHIFT_Z,
  LATENCY_STATISTIC_Z,
} from './defaults';
import { PERCENTILE_LEVEL, PERCENTILE_Z } from './statistics';
import type { VariantPeriodMetrics } from './types';

/** One period of both variants, as the window holds it. */
export interface LatencyPair {
  /** End of the period, epoch ms. */
  time: number;
  baseline: VariantPeriodMetrics;
  canary: VariantPeriodMetrics;
}

/** What the shift test found over the shortest decisive run (or the most convincing run when none is). */
export interface LatencyShift {
  /** Periods in the run (newest first, each beyond the allowance). */
  periods: number;
  /** Estimated shift of the body, ln(canary / baseline). */
  shift: number;
  /** Lower confidence bound of `shift` at LATENCY_SHIFT_Z. */
  lowerBound: number;
  /** ln(canary / baseline) of the policy's statistic over the run, request-weighted (the p99 from p50, p90 and p99). */
  statisticShift: number;
  /** The run convicts the canary at once. */
  decisive: boolean;
}

const standardNormalDensity = (z: number): number => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

/**
 * Asymptotic covariance of ln q_p and ln q_r (sample quantiles of a log-normal of n requests with
 * shape sigma), in units of sigma^2 / n: p(1 - r) / (phi(z_p) phi(z_r)) for p <= r.
 */
function quantileCovariance(p: 'p50' | 'p90' | 'p99', r: 'p50' | 'p90' | 'p99'): number {
  const low = Math.min(PERCENTILE_LEVEL[p], PERCENTILE_LEVEL[r]);
  const high = Math.max(PERCENTILE_LEVEL[p], PERCENTILE_LEVEL[r]);
  return (
    (low * (1 - high)) / (standardNormalDensity(PERCENTILE_Z[p]) * standardNormalDensity(PERCENTILE_Z[r]))
  );
}

/**
 * The body's shift: the best linear unbiased combination (generalised least squares) of the p50
 * and p90 ratios, which weighs them by the inverse covariance matrix's row sums. `variance` is
 * in units of sigma^2 / n.
 */
const SHIFT_WEIGHTS = (() => {
  const v50 = quantileCovariance('p50', 'p50');
  const v90 = quantileCovariance('p90', 'p90');
  const c = quantileCovariance('p50', 'p90');
  const det = v50 * v90 - c * c;
  const a50 = (v90 - c) / det;
  const a90 = (v50 - c) / det;
  const total = a50 + a90;
  return { w50: a50 / total, w90: a90 / total, variance: 1 / total };
})();

/**
 * The p99's shift, estimated with less noise than the p99 alone: p50 and p90 fix a log-normal's
 * location and scale, which extrapolate to the p99 (ln q99 = ln q50 + (ln q90 - ln q50) z99 /
 * z90, so a tail that grows faster than the body still shows), and that extrapolation is combined
 * with the measured p99 at the weight that minimises the variance (about half the p99's own).
 * `extrapolated` is the weight of the extrapolation; `variance` in units of sigma^2 / n.
 */
const P99_WEIGHTS = (() => {
  const k = PERCENTILE_Z.p99 / PERCENTILE_Z.p90;
  const c = (a: 'p50' | 'p90' | 'p99', b: 'p50' | 'p90' | 'p99') => quantileCovariance(a, b);
  const vExtrapolated =
    (1 - k) ** 2 * c('p50', 'p50') + k * k * c('p90', 'p90') + 2 * (1 - k) * k * c('p50', 'p90');
  const vMeasured = c('p99', 'p99');
  const cov = (1 - k) * c('p50', 'p99') + k * c('p90', 'p99');
  const extrapolated = (vMeasured - cov) / (vExtrapolated + vMeasured - 2 * cov);
  const m = 1 - extrapolated;
  return {
    k,
    extrapolated,
    variance: extrapolated ** 2 * vExtrapolated + m * m * vMeasured + 2 * extrapolated * m * cov,
  };
})();

/** Variance of the statistic's shift estimate, in units of sigma^2 / n. */
const STATISTIC_VARIANCE = {
  p50: quantileCovariance('p50', 'p50'),
  p90: quantileCovariance('p90', 'p90'),
  p99: P99_WEIGHTS.variance,
} as const;

const positive = (value: number | null): value is number =>
  value !== null && value > 0 && Number.isFinite(value);

/**
 * Runs the shift test over `pairs` (oldest first). Inputs that drive it: per period each
 * variant's requests, p50, p90 and the policy's `statistic`; the allowance `allowedLog`
 * (ln(1 + maxIncreasePct / 100)); the log-normal shapes `sigmaBaseline` and `sigmaCanary` (the
 * noise of a period's ratio is sigma_c^2 / n_c + sigma_b^2 / n_b, scaled by SHIFT_WEIGHTS).
 * Periods with fewer than FAST_LATENCY_MIN_REQUESTS requests on either side, or without the
 * percentiles, end the run (too little to judge a shift on). Null when no run was possible.
 */
export function judgeLatencyShift(
  pairs: ReadonlyArray<LatencyPair>,
  statistic: 'p50' | 'p90' | 'p99',
  allowedLog: number,
  sigmaBaseline: number,
  /** Called at most once, and only when a period is beyond the allowance (most judgements never need it). */
  sigmaCanary: () => number,
): LatencyShift | null {
  let precision = 0;
  let weightedShift = 0;
  let statisticWeight = 0;
  let statisticSum = 0;
  let statisticNoise = 0;
  let best: LatencyShift | null = null;
  let canarySigma: number | null = null;
  for (let i = pairs.length - 1; i >= 0; i--) {
    const { baseline, canary } = pairs[i]!;
    const nB = baseline.invocations;
    const nC = canary.invocations;
    if (!(nB >= FAST_LATENCY_MIN_REQUESTS && nC >= FAST_LATENCY_MIN_REQUESTS)) break;
    const { latencyP50Ms: b50, latencyP90Ms: b90, latencyP99Ms: b99 } = baseline;
    const { latencyP50Ms: c50, latencyP90Ms: c90, latencyP99Ms: c99 } = canary;
    if (!positive(b50) || !positive(b90) || !positive(c50) || !positive(c90)) break;
    if (statistic === 'p99' && !(positive(b99) && positive(c99))) break;
    const r50 = Math.log(c50) - Math.log(b50);
    const r90 = Math.log(c90) - Math.log(b90);
    const shift = SHIFT_WEIGHTS.w50 * r50 + SHIFT_WEIGHTS.w90 * r90;
    if (!(shift > allowedLog)) break; // the usual case of a healthy canary: nothing more to compute
    canarySigma ??= sigmaCanary();
    // Noise of a period's ratio, in units of the (co)variance constants above.
    const noise = (canarySigma * canarySigma) / nC + (sigmaBaseline * sigmaBaseline) / nB;
    const variance = SHIFT_WEIGHTS.variance * noise;
    // A period not clearly beyond the allowance ends the run: the evidence must be persistent,
    // so one slow minute of the canary alone, followed by a minute that is beyond the allowance
    // only by luck, never convicts it.
    if (!(shift - LATENCY_PERIOD_Z * Math.sqrt(variance) > allowedLog)) break;
    precision += 1 / variance;
    weightedShift += shift / variance;
    const statisticRatio =
      statistic === 'p50'
        ? r50
        : statistic === 'p90'
          ? r90
          : P99_WEIGHTS.extrapolated * (r50 + (r90 - r50) * P99_WEIGHTS.k) +
            (1 - P99_WEIGHTS.extrapolated) * (Math.log(c99!) - Math.log(b99!));
    statisticWeight += nC;
    statisticSum += nC * statisticRatio;
    statisticNoise += nC * nC * noise;
    const periods = pairs.length - i;
    const pooled = weightedShift / precision;
    const lowerBound = pooled - LATENCY_SHIFT_Z / Math.sqrt(precision);
    const statisticShift = statisticSum / statisticWeight;
    // The policy's statistic must agree beyond its own noise (at a modest confidence: the body
    // carries the evidence, the statistic only must not contradict it).
    const statisticMargin =
      (LATENCY_STATISTIC_Z * Math.sqrt(STATISTIC_VARIANCE[statistic] * statisticNoise)) / statisticWeight;
    const decisive =
      periods >= FAST_LATENCY_MIN_PERIODS &&
      lowerBound > allowedLog &&
      statisticShift - statisticMargin > allowedLog;
    if (best === null || (!best.decisive && (decisive || lowerBound > best.lowerBound))) {
      best = { periods, shift: pooled, lowerBound, statisticShift, decisive };
    }
  }
  return best;
}
