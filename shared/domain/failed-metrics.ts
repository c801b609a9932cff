import type { FailedMetric } from './decision-cause';
import type { MetricVerdict, RolloutPolicy } from './types';

/**
 * The metrics a judgement convicted (`breached`), as a decision's cause carries them: observed,
 * baseline and limit with the failing judgements in a row against the metric's `failureLimit`.
 * Shared by every judgement that rolls back on metrics (a canary, a shadow, a blue/green fleet).
 */
export function failedMetrics(policy: RolloutPolicy, breached: ReadonlyArray<MetricVerdict>): FailedMetric[] {
  return breached.map((metric) => ({
    metric: metric.name,
    observed: metric.canary,
    baseline: metric.baseline,
    limit: metric.limit,
    consecutiveFailures: metric.consecutiveFailures,
    failureLimit:
      policy.analysis.metrics.find((candidate) => candidate.name === metric.name)?.failureLimit ??
      metric.consecutiveFailures,
  }));
}
