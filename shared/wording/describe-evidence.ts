import type { MetricVerdict, VariantSummary } from '../domain/types';
import { formatCount, formatMetricValue, formatMs, formatPercent } from './format-values';

/**
 * The numbers of a decision's evidence in words, shared by email, Slack and the CLI so a variant's
 * traffic and a metric's verdict read the same in each.
 */

/** One variant over the window: `5,700 req, 0.1% 5xx, p99 160 ms`. */
export function describeTraffic(summary: VariantSummary): string {
  return `${formatCount(summary.invocations)} req, ${formatPercent(summary.errorRate)} 5xx, p99 ${formatMs(summary.latencyP99Ms)}`;
}

/** A metric verdict's numbers in the metric's unit: `canary 8.0%, baseline 0.1%, limit 5.0%`. */
export function describeVerdictNumbers(verdict: MetricVerdict): string {
  const limit = verdict.limit === null ? '' : `, limit ${formatMetricValue(verdict.type, verdict.limit)}`;
  return `canary ${formatMetricValue(verdict.type, verdict.canary)}, baseline ${formatMetricValue(verdict.type, verdict.baseline)}${limit}`;
}
