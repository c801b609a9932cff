import { evaluateWindow } from './evaluate-window';
import type { MetricPolicy, MetricVerdict, PeriodObservation, RolloutPolicy } from './types';

/** A region's bake when its `regions` entry sets no `bake`. Seconds. */
export const DEFAULT_REGION_BAKE_SECONDS = 600;

/** The region endpoint a bake watches: its name, region and the variant serving the copy. */
export interface BakeTarget {
  endpointName: string;
  region: string;
  variantName: string;
}

/**
 * The policy a region's bake is judged with: the rollout's analysis (interval, window,
 * minCanaryInvocations, metrics and their failureLimit) pointed at the region's one variant.
 *
 * A region endpoint serves the copy alone, so there is no baseline variant to compare with; the
 * bake judges the absolute bounds only (`threshold`, `thresholdMs`, custom `min`/`max`), and the
 * comparisons with a baseline (`maxIncrease`, `maxIncreasePct`) are left out. The variant stands in
 * for both baseline and canary, which makes every comparison a no-op as well.
 */
export function bakePolicy(policy: RolloutPolicy, target: BakeTarget): RolloutPolicy {
  return {
    ...policy,
    endpoint: {
      name: target.endpointName,
      region: target.region,
      baselineVariant: target.variantName,
      canaryVariant: target.variantName,
    },
    analysis: { ...policy.analysis, metrics: policy.analysis.metrics.map(absoluteBoundsOnly) },
    rollback: { onAlarms: [] },
    regions: [],
  };
}

function absoluteBoundsOnly(metric: MetricPolicy): MetricPolicy {
  if (metric.type === 'errorRate') {
    const { maxIncrease: _increase, ...rest } = metric;
    return rest;
  }
  if (metric.type === 'latency') {
    const { maxIncreasePct: _increase, ...rest } = metric;
    return rest;
  }
  return metric;
}

/** What one look at a baking region decided. */
export interface BakeJudgement {
  /**
   * `continue`: keep baking; `fail`: go back to the previous config; `pass`: the bake is over and
   * the region held; `no-traffic`: the bake is over without enough requests to judge.
   */
  outcome: 'continue' | 'fail' | 'pass' | 'no-traffic';
  /** Consecutive failing judgements per metric, to keep for the next look. */
  failures: Record<string, number>;
  /** Requests of the region in the judged window. */
  invocations: number;
  /** One line per look: the verdict of each metric. */
  summary: string;
}

/**
 * Judges a baking region over the periods read from its own CloudWatch metrics. Inputs that drive
 * the outcome: the bake policy's metrics, `minCanaryInvocations` and `failureLimit`, the periods
 * in the window ending at `now`, the previous consecutive failures, and whether `now` has reached
 * `bakeUntil`. A metric failing `failureLimit` looks in a row fails the bake at once; a bake that
 * ends on a failing look fails too (a region is never declared good on a failing window). A bake
 * that ends without enough requests says so: it is not a pass, and the ladder says it went on
 * unjudged (a DR copy carries no traffic by design; holding the ladder on it would keep every
 * later region from the promoted model).
 */
export function judgeBake(
  policy: RolloutPolicy,
  periods: ReadonlyArray<PeriodObservation>,
  previousFailures: Readonly<Record<string, number>>,
  now: number,
  bakeUntil: number,
): BakeJudgement {
  const judged = evaluateWindow(policy, periods, previousFailures, now);
  const failures = { ...judged.consecutiveFailures };
  const summary = summarise(judged.evidence.metrics, judged.canaryInvocations, policy);
  const over = now >= bakeUntil;
  if (judged.breached.length > 0 || (over && judged.verdict === 'fail'))
    return { outcome: 'fail', failures, invocations: judged.canaryInvocations, summary };
  if (!over) return { outcome: 'continue', failures, invocations: judged.canaryInvocations, summary };
  const tooFew =
    judged.canaryInvocations === 0 || judged.canaryInvocations < policy.analysis.minCanaryInvocations;
  return {
    outcome: tooFew ? 'no-traffic' : 'pass',
    failures,
    invocations: judged.canaryInvocations,
    summary,
  };
}

function summarise(
  metrics: ReadonlyArray<MetricVerdict>,
  invocations: number,
  policy: RolloutPolicy,
): string {
  if (invocations === 0 || invocations < policy.analysis.minCanaryInvocations)
    return `${invocations} requests in the last ${policy.analysis.windowSeconds / 60} min (fewer than ${policy.analysis.minCanaryInvocations}: not judged)`;
  const parts = metrics.map(
    (m) =>
      `${m.name} ${m.verdict}${m.canary === null ? '' : ` (${valueText(m.type, m.canary)}${m.limit === null ? '' : ` vs ${valueText(m.type, m.limit)}`})`}`,
  );
  return `${invocations} requests; ${parts.join(', ')}`;
}

/** A metric's value in its unit: error rates in percent, latencies in ms, custom values as they are. */
function valueText(type: MetricVerdict['type'], value: number): string {
  if (type === 'errorRate') return `${Number((value * 100).toPrecision(3))}%`;
  if (type === 'latency') return `${Math.round(value)} ms`;
  return Math.abs(value) >= 10 ? value.toFixed(0) : Number(value.toPrecision(3)).toString();
}
