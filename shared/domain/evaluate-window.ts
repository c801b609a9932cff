import {
  CEILING_CONFIDENCE_Z,
  CONFIDENCE_Z,
  DEFAULT_LATENCY_LOG_SIGMA,
  LATENCY_CONFIDENCE_Z,
  MAX_LATENCY_LOG_SIGMA,
  MIN_LATENCY_LOG_SIGMA,
} from './defaults';
import { judgeLatencyShift, type LatencyPair } from './latency-shift';
import { cleanCount } from './merge-periods';
import { describeMetricVerdict } from '../wording/describe-verdict';
import type { MetricFinding } from './decision-cause';
import { differenceLowerBound, latencyNoiseMargin, PERCENTILE_Z, wilsonLowerBound } from './statistics';
import type {
  CustomMetric,
  ErrorRateMetric,
  Evidence,
  LatencyMetric,
  LatencyStatistic,
  MetricVerdict,
  PeriodObservation,
  RolloutPolicy,
  VariantPeriodMetrics,
  VariantSummary,
  Verdict,
} from './types';

/** Latency statistics in the order the accumulators keep them. */
const LATENCY_INDEX: Readonly<Record<LatencyStatistic, number>> = { avg: 0, p50: 1, p90: 2, p99: 3 };

/** Per-variant sums over the window. Latencies are kept as invocation-weighted sums of ln(ms). */
interface VariantTotals {
  invocations: number;
  errors5xx: number;
  errors4xx: number;
  /** Sum of invocations of the periods that had the statistic, per LATENCY_INDEX. */
  latencyWeight: [number, number, number, number];
  /** Sum of invocations × ln(value), per LATENCY_INDEX. */
  latencyLogSum: [number, number, number, number];
}

const newTotals = (): VariantTotals => ({
  invocations: 0,
  errors5xx: 0,
  errors4xx: 0,
  latencyWeight: [0, 0, 0, 0],
  latencyLogSum: [0, 0, 0, 0],
});

function addLatency(totals: VariantTotals, index: number, value: unknown, weight: number): void {
  if (typeof value === 'number' && value > 0 && value < Infinity) {
    totals.latencyWeight[index]! += weight;
    totals.latencyLogSum[index]! += weight * Math.log(value);
  }
}

/** Bit per LATENCY_INDEX: which latency statistics a policy needs (logarithms are the costly part). */
const NEEDED_LATENCY = new WeakMap<RolloutPolicy, number>();
/** Extra bit: p90 stands in for p99 in the noise shape when a period has no p99. */
const P90_FOR_SHAPE = 16;

function neededLatency(policy: RolloutPolicy): number {
  let mask = NEEDED_LATENCY.get(policy);
  if (mask === undefined) {
    // p50 and p90/p99 estimate the noise shape; p99 is in every decision's evidence.
    mask = (1 << LATENCY_INDEX.p50) | (1 << LATENCY_INDEX.p99) | P90_FOR_SHAPE;
    for (const metric of policy.analysis.metrics) {
      if (metric.type === 'latency') mask |= 1 << LATENCY_INDEX[metric.statistic];
    }
    NEEDED_LATENCY.set(policy, mask);
  }
  return mask;
}

/** Whether a policy has a latency comparison with the baseline the fast shift test can judge. */
const JUDGES_SHIFT = new WeakMap<RolloutPolicy, boolean>();

function judgesShift(policy: RolloutPolicy): boolean {
  let judges = JUDGES_SHIFT.get(policy);
  if (judges === undefined) {
    judges = policy.analysis.metrics.some(
      (metric) =>
        metric.type === 'latency' && metric.maxIncreasePct !== undefined && metric.statistic !== 'avg',
    );
    JUDGES_SHIFT.set(policy, judges);
  }
  return judges;
}

/** Both variants of a period, when both had requests: one step of the fast latency test. */
function pairOf(time: number, baseline: unknown, canary: unknown): LatencyPair | null {
  if (typeof baseline !== 'object' || baseline === null || typeof canary !== 'object' || canary === null) {
    return null;
  }
  const b = baseline as VariantPeriodMetrics;
  const c = canary as VariantPeriodMetrics;
  if (!(cleanCount(b.invocations) > 0 && cleanCount(c.invocations) > 0)) return null;
  return { time, baseline: b, canary: c };
}

function addPeriod(totals: VariantTotals, metrics: unknown, needed: number): void {
  if (typeof metrics !== 'object' || metrics === null) return;
  const m = metrics as Record<string, unknown>;
  const invocations = cleanCount(m.invocations);
  if (invocations === 0) return;
  totals.invocations += invocations;
  totals.errors5xx += Math.min(cleanCount(m.errors5xx), invocations);
  totals.errors4xx += Math.min(cleanCount(m.errors4xx), invocations);
  if (needed & 1) addLatency(totals, 0, m.latencyAvgMs, invocations);
  if (needed & 2) addLatency(totals, 1, m.latencyP50Ms, invocations);
  if (needed & 4 || (needed & P90_FOR_SHAPE && !(typeof m.latencyP99Ms === 'number' && m.latencyP99Ms > 0))) {
    addLatency(totals, 2, m.latencyP90Ms, invocations);
  }
  if (needed & 8) addLatency(totals, 3, m.latencyP99Ms, invocations);
}

/** Invocation-weighted mean of ln(statistic) over the window, or null without datapoints. */
const logMean = (totals: VariantTotals, index: number): number | null =>
  totals.latencyWeight[index]! > 0 ? totals.latencyLogSum[index]! / totals.latencyWeight[index]! : null;

/** Log-normal shape estimated from the window's p50 and p99 (or p90); null when it cannot be. */
function estimateSigma(totals: VariantTotals): number | null {
  const p50 = logMean(totals, 1);
  if (p50 === null) return null;
  const p99 = logMean(totals, 3);
  const raw =
    p99 !== null
      ? (p99 - p50) / PERCENTILE_Z.p99
      : logMean(totals, 2) !== null
        ? (logMean(totals, 2)! - p50) / PERCENTILE_Z.p90
        : null;
  if (raw === null) return null;
  return Math.min(MAX_LATENCY_LOG_SIGMA, Math.max(MIN_LATENCY_LOG_SIGMA, raw));
}

function summarise(totals: VariantTotals): VariantSummary {
  const p99 = logMean(totals, 3);
  return {
    invocations: totals.invocations,
    errors5xx: totals.errors5xx,
    errors4xx: totals.errors4xx,
    errorRate: totals.invocations > 0 ? totals.errors5xx / totals.invocations : null,
    latencyP99Ms: p99 === null ? null : Math.exp(p99),
  };
}

interface Judged {
  verdict: Verdict;
  canary: number | null;
  baseline: number | null;
  limit: number | null;
  finding: MetricFinding;
  /** A failure strong enough to stand for `failureLimit` of them (the fast latency test). */
  decisive?: boolean;
}

/** The result of judging one window. Counters are already updated; nothing else is. */
export interface WindowJudgement {
  evidence: Evidence;
  /** Worst verdict over the metrics: `fail` beats `inconclusive` beats `pass`. */
  verdict: Verdict;
  /** Metrics whose consecutive failures reached their `failureLimit` (rollback when non-empty). */
  breached: ReadonlyArray<MetricVerdict>;
  consecutiveFailures: Record<string, number>;
  /** Canary requests in the window (for reasons). */
  canaryInvocations: number;
}

/** The canary has no data in the window: nothing to judge. */
function noCanaryData(baseline: number | null, limit: number | null): Judged {
  return { verdict: 'inconclusive', canary: null, baseline, limit, finding: { kind: 'no-canary-data' } };
}

/** How the canary compares with what the baseline allows it: the limit that sets and the finding. */
interface IncreaseCheck {
  limit: number;
  finding: Extract<MetricFinding, { kind: 'increase' }>;
}

/**
 * The verdict of a canary value against the policy's fixed threshold and, when the policy sets
 * one, its allowed increase over the baseline. Error rates and latencies are judged in this order
 * and differ only in their statistics: `crossesThreshold` says whether the canary is beyond the
 * threshold by more than noise, and `increase` (undefined when the policy allows no increase; only
 * called with a baseline that has data) compares it with the baseline.
 */
function judgeBounds(
  canary: number,
  baseline: number | null,
  threshold: number | undefined,
  crossesThreshold: boolean,
  increase: ((baseline: number) => IncreaseCheck) | undefined,
): Judged {
  if (threshold !== undefined && crossesThreshold) {
    return {
      verdict: 'fail',
      canary,
      baseline,
      limit: threshold,
      finding: { kind: 'above-threshold', canary, threshold },
    };
  }
  const limit = threshold ?? null;
  if (!increase) return { verdict: 'pass', canary, baseline, limit, finding: { kind: 'within', canary } };
  if (baseline === null) {
    return {
      verdict: 'inconclusive',
      canary,
      baseline: null,
      limit,
      finding: { kind: 'no-baseline-data', canary },
    };
  }
  const checked = increase(baseline);
  if (checked.finding.failing) {
    return { verdict: 'fail', canary, baseline, limit: checked.limit, finding: checked.finding };
  }
  return {
    verdict: 'pass',
    canary,
    baseline,
    limit: limit === null ? checked.limit : Math.min(limit, checked.limit),
    finding: checked.finding,
  };
}

function judgeErrorRate(metric: ErrorRateMetric, canary: VariantTotals, baseline: VariantTotals): Judged {
  const with4xx = metric.errorClasses.includes('4xx');
  const cErrors = canary.errors5xx + (with4xx ? canary.errors4xx : 0);
  const bErrors = baseline.errors5xx + (with4xx ? baseline.errors4xx : 0);
  const cRate = canary.invocations > 0 ? cErrors / canary.invocations : null;
  const bRate = baseline.invocations > 0 ? bErrors / baseline.invocations : null;
  if (cRate === null) return noCanaryData(bRate, metric.threshold ?? null);
  const crossesThreshold =
    metric.threshold !== undefined &&
    cRate > metric.threshold &&
    wilsonLowerBound(cErrors, canary.invocations, CEILING_CONFIDENCE_Z) > metric.threshold;
  const { maxIncrease } = metric;
  return judgeBounds(
    cRate,
    bRate,
    metric.threshold,
    crossesThreshold,
    maxIncrease === undefined
      ? undefined
      : (bRateSeen) => {
          const lower = differenceLowerBound(
            cErrors,
            canary.invocations,
            bErrors,
            baseline.invocations,
            CONFIDENCE_Z,
          );
          return {
            limit: bRateSeen + maxIncrease,
            finding: {
              kind: 'increase',
              canary: cRate,
              baseline: bRateSeen,
              change: cRate - bRateSeen,
              lowerBound: lower,
              failing: lower > maxIncrease,
            },
          };
        },
  );
}

function judgeLatency(
  metric: LatencyMetric,
  canary: VariantTotals,
  baseline: VariantTotals,
  pairs: ReadonlyArray<LatencyPair>,
): Judged {
  const index = LATENCY_INDEX[metric.statistic];
  const cLog = logMean(canary, index);
  const bLog = logMean(baseline, index);
  const bValue = bLog === null ? null : Math.exp(bLog);
  if (cLog === null) return noCanaryData(bValue, metric.thresholdMs ?? null);
  const cValue = Math.exp(cLog);
  // Robustness: a canary's per-period p99 from ~150 requests swings by ±20 % or more, with a
  // heavy right tail. The canary's value is the request-weighted geometric mean of its periods
  // (log space tames single slow minutes), and a bound counts as crossed only when the canary
  // is beyond it by more than sampling noise could explain (LATENCY_CONFIDENCE_Z; see
  // latencyNoiseMargin: percentiles are judged in probability space, which keeps the skew). The
  // noise shape comes from the baseline (the reference a healthy canary matches, and the variant
  // with the most data), so making the canary slower can only make its verdict worse.
  const sigma = estimateSigma(baseline) ?? estimateSigma(canary) ?? DEFAULT_LATENCY_LOG_SIGMA;
  const cSamples = canary.latencyWeight[index]!;
  const crossesThreshold =
    metric.thresholdMs !== undefined &&
    cLog - Math.log(metric.thresholdMs) >
      latencyNoiseMargin(metric.statistic, sigma, cSamples, LATENCY_CONFIDENCE_Z);
  const { maxIncreasePct } = metric;
  const judged = judgeBounds(
    cValue,
    bValue,
    metric.thresholdMs,
    crossesThreshold,
    maxIncreasePct === undefined
      ? undefined
      : (bValueSeen) => {
          // Called only with a baseline value, which is exp(bLog): bLog is a number here.
          const bLogSeen = bLog!;
          const bSamples = baseline.latencyWeight[index]!;
          const allowed = Math.log1p(maxIncreasePct / 100);
          // Both estimates are noisy: combine their sample sizes as for a difference of two means.
          const samples = 1 / (1 / cSamples + 1 / bSamples);
          const excess =
            cLog -
            bLogSeen -
            allowed -
            latencyNoiseMargin(metric.statistic, sigma, samples, LATENCY_CONFIDENCE_Z);
          // A pass and a failure name the same statistic: the observed increase and its lower bound
          // once sampling noise is allowed for (`lowerBound`), compared with what the policy allows.
          return {
            limit: bValueSeen * (1 + maxIncreasePct / 100),
            finding: {
              kind: 'increase',
              canary: cValue,
              baseline: bValueSeen,
              change: Math.expm1(cLog - bLogSeen),
              lowerBound: Math.expm1(excess + allowed),
              failing: excess > 0,
            },
          };
        },
  );
  if (judged.verdict === 'inconclusive' || maxIncreasePct === undefined || metric.statistic === 'avg') {
    return judged;
  }
  // The fast test of the whole distribution's shift may convict at once where the ordinary test
  // passes or has only begun to count failures (an inconclusive judgement lacks the baseline).
  const allowed = Math.log1p(maxIncreasePct / 100);
  const shift = judgeLatencyShift(
    pairs,
    metric.statistic,
    allowed,
    sigma,
    () => estimateSigma(canary) ?? sigma,
  );
  if (!shift?.decisive) return judged;
  if (judged.verdict === 'fail') {
    const finding =
      judged.finding.kind === 'increase'
        ? { ...judged.finding, shift: { periods: shift.periods, lowerBound: Math.expm1(shift.lowerBound) } }
        : judged.finding;
    return { ...judged, finding, decisive: true };
  }
  if (judged.finding.kind !== 'increase') return judged;
  // The window's value mixes in periods before the run (a regression that began mid-window):
  // the decision names the canary's statistic over the run, and the run's lower bound.
  const baselineValue = judged.finding.baseline;
  const canaryValue = baselineValue * Math.exp(shift.statisticShift);
  return {
    ...judged,
    verdict: 'fail',
    canary: canaryValue,
    limit: baselineValue * (1 + maxIncreasePct / 100),
    finding: {
      kind: 'increase',
      canary: canaryValue,
      baseline: baselineValue,
      change: Math.expm1(shift.statisticShift),
      lowerBound: Math.expm1(shift.lowerBound),
      failing: true,
      shift: { periods: shift.periods, lowerBound: Math.expm1(shift.lowerBound) },
    },
    decisive: true,
  };
}

function judgeCustom(metric: CustomMetric, sum: number, count: number): Judged {
  if (count === 0) return noCanaryData(null, null);
  const mean = sum / count;
  if (metric.min !== undefined && mean < metric.min) {
    return {
      verdict: 'fail',
      canary: mean,
      baseline: null,
      limit: metric.min,
      finding: { kind: 'below-minimum', canary: mean, minimum: metric.min },
    };
  }
  if (metric.max !== undefined && mean > metric.max) {
    return {
      verdict: 'fail',
      canary: mean,
      baseline: null,
      limit: metric.max,
      finding: { kind: 'above-maximum', canary: mean, maximum: metric.max },
    };
  }
  return {
    verdict: 'pass',
    canary: mean,
    baseline: null,
    limit: metric.max ?? metric.min ?? null,
    finding: { kind: 'within', canary: mean },
  };
}

/**
 * Judges the canary over the periods of `recent` whose time is in (now - window, now].
 *
 * Inputs that drive the verdict: the policy's metrics and `minCanaryInvocations`, the window's
 * per-variant sums (requests, 5xx, 4xx, latencies, custom values) and the metrics' previous
 * `consecutiveFailures`. A failing judgement adds one to the metric's counter, a passing one
 * resets it, an inconclusive one leaves it alone (a gap in the data neither forgives nor
 * convicts a canary). Metrics whose counter reaches `failureLimit` are returned in `breached`.
 */
export function evaluateWindow(
  policy: RolloutPolicy,
  recent: ReadonlyArray<PeriodObservation>,
  previousFailures: Readonly<Record<string, number>>,
  now: number,
  /** False for a look at the window that is not a judgement (alarms, commands): counters stay as they are. */
  countJudgement = true,
): WindowJudgement {
  const { baselineVariant, canaryVariant } = policy.endpoint;
  const { metrics, minCanaryInvocations } = policy.analysis;
  const windowStartExclusive = now - policy.analysis.windowSeconds * 1000;
  const baseline = newTotals();
  const canary = newTotals();
  let customSums: number[] | null = null;
  let customCounts: number[] | null = null;
  let windowStart: number | null = null;
  let windowEnd: number | null = null;
  const needed = neededLatency(policy);
  const pairs: LatencyPair[] | null = judgesShift(policy) ? [] : null;
  let pairsSorted = true;

  for (const period of recent) {
    const time = period?.time;
    if (!(time > windowStartExclusive && time <= now)) continue;
    if (windowStart === null || time < windowStart) windowStart = time;
    if (windowEnd === null || time > windowEnd) windowEnd = time;
    const variants = period.variants;
    if (typeof variants === 'object' && variants !== null) {
      addPeriod(baseline, variants[baselineVariant], needed);
      addPeriod(canary, variants[canaryVariant], needed);
      if (pairs) {
        const pair = pairOf(time, variants[baselineVariant], variants[canaryVariant]);
        if (pair) {
          if (pairs.length > 0 && pairs[pairs.length - 1]!.time > time) pairsSorted = false;
          pairs.push(pair);
        }
      }
    }
    const custom = period.custom;
    if (custom && typeof custom === 'object') {
      for (let i = 0; i < metrics.length; i++) {
        const metric = metrics[i]!;
        if (metric.type !== 'custom') continue;
        const value = custom[metric.name];
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        customSums ??= new Array<number>(metrics.length).fill(0);
        customCounts ??= new Array<number>(metrics.length).fill(0);
        customSums[i]! += value;
        customCounts[i]! += 1;
      }
    }
  }

  // The fast test reads its run from the newest period backwards.
  if (pairs && !pairsSorted) pairs.sort((a, b) => a.time - b.time);
  const tooFewRequests = canary.invocations < minCanaryInvocations || canary.invocations === 0;
  const verdicts: MetricVerdict[] = [];
  const breached: MetricVerdict[] = [];
  const consecutiveFailures: Record<string, number> = {};
  let overall: Verdict = 'pass';
  for (let i = 0; i < metrics.length; i++) {
    const metric = metrics[i]!;
    let judged: Judged;
    if (tooFewRequests) {
      judged = {
        verdict: 'inconclusive',
        canary: null,
        baseline: null,
        limit: null,
        finding: {
          kind: 'too-few-requests',
          canaryRequests: canary.invocations,
          needed: minCanaryInvocations,
        },
      };
    } else if (metric.type === 'errorRate') {
      judged = judgeErrorRate(metric, canary, baseline);
    } else if (metric.type === 'latency') {
      judged = judgeLatency(metric, canary, baseline, pairs ?? []);
    } else {
      judged = judgeCustom(metric, customSums?.[i] ?? 0, customCounts?.[i] ?? 0);
    }
    const previous = previousFailures[metric.name];
    const before = typeof previous === 'number' && previous > 0 && Number.isFinite(previous) ? previous : 0;
    const count = !countJudgement
      ? before
      : judged.verdict === 'fail'
        ? judged.decisive
          ? Math.max(before + 1, metric.failureLimit)
          : before + 1
        : judged.verdict === 'pass'
          ? 0
          : before;
    consecutiveFailures[metric.name] = count;
    const verdict: MetricVerdict = {
      name: metric.name,
      type: metric.type,
      verdict: judged.verdict,
      canary: judged.canary,
      baseline: judged.baseline,
      limit: judged.limit,
      consecutiveFailures: count,
      finding: judged.finding,
      reason: describeMetricVerdict(metric, judged.finding, judged.verdict, count),
    };
    verdicts.push(verdict);
    if (judged.verdict === 'fail') {
      overall = 'fail';
      if (countJudgement && count >= metric.failureLimit) breached.push(verdict);
    } else if (judged.verdict === 'inconclusive' && overall === 'pass') {
      overall = 'inconclusive';
    }
  }

  return {
    evidence: {
      windowStart,
      windowEnd,
      baseline: summarise(baseline),
      canary: summarise(canary),
      metrics: verdicts,
    },
    verdict: overall,
    breached,
    consecutiveFailures,
    canaryInvocations: canary.invocations,
  };
}
