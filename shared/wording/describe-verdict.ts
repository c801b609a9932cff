import type { MetricFinding } from '../domain/decision-cause';
import type { MetricPolicy, Verdict } from '../domain/types';
import {
  formatCount,
  formatMs,
  formatNumber,
  formatPercent,
  formatSignedPercent,
  formatSignedWholePercent,
} from './format-values';

/**
 * One metric's verdict in words, with its numbers against the policy's bounds:
 * `error-rate 8.0% > 5.0% threshold (2/2 failing judgements)`. Every judgement reason lists these.
 */
export function describeMetricVerdict(
  metric: MetricPolicy,
  finding: MetricFinding,
  verdict: Verdict,
  consecutiveFailures: number,
): string {
  const words = describeFinding(metric, finding);
  if (verdict !== 'fail') return words;
  // The fast latency test convicts at once; its evidence is the run of periods, not a count.
  if (finding.kind === 'increase' && finding.shift !== undefined)
    return `${words} (decisive: rolled back without waiting for ${metric.failureLimit} failing judgements)`;
  return `${words} (${consecutiveFailures}/${metric.failureLimit} failing judgements)`;
}

function describeFinding(metric: MetricPolicy, finding: MetricFinding): string {
  const name = metric.name;
  if (finding.kind === 'too-few-requests') {
    return `${name}: canary ${formatCount(finding.canaryRequests)} req in the window < ${formatCount(finding.needed)} needed`;
  }
  switch (metric.type) {
    case 'errorRate': {
      const label = metric.errorClasses.includes('4xx') ? ' (5xx+4xx)' : '';
      const ceiling = metric.threshold === undefined ? '' : `, ${formatPercent(metric.threshold)} threshold`;
      switch (finding.kind) {
        case 'no-canary-data':
          return `${name}: no canary requests`;
        case 'above-threshold':
          return `${name} ${formatPercent(finding.canary)} > ${formatPercent(finding.threshold)} threshold`;
        case 'no-baseline-data':
          return `${name} ${formatPercent(finding.canary)}: baseline has no requests to compare with`;
        case 'increase': {
          // A pass and a failure name the same statistic: the increase's 99 % lower bound, beside
          // the observed increase, compared with what the policy allows.
          const comparison = ` vs baseline ${formatPercent(finding.baseline)}: ${formatSignedPercent(
            finding.change,
          )} (99% lower bound ${formatSignedPercent(finding.lowerBound, 2)}) ${finding.failing ? '>' : '<='} +${formatPercent(
            metric.maxIncrease ?? null,
          )} allowed`;
          return `${name} ${formatPercent(finding.canary)}${label}${comparison}${finding.failing ? '' : ceiling}`;
        }
        default:
          return `${name} ${formatPercent(findingValue(finding))}${label}${ceiling}`;
      }
    }
    case 'latency': {
      const what = `${name} ${metric.statistic}`;
      const ceiling = metric.thresholdMs === undefined ? '' : `, ${formatMs(metric.thresholdMs)} threshold`;
      switch (finding.kind) {
        case 'no-canary-data':
          return `${name}: no canary ${metric.statistic} datapoints`;
        case 'above-threshold':
          return `${what} ${formatMs(finding.canary)} > ${formatMs(finding.threshold)} threshold`;
        case 'no-baseline-data':
          return `${what} ${formatMs(finding.canary)}: baseline has no datapoints to compare with`;
        case 'increase': {
          // The observed increase and its lower bound once sampling noise is allowed for, compared
          // with what the policy allows (a percentage of the baseline, as the policy spells it).
          const bound =
            finding.shift === undefined
              ? `lower bound ${formatSignedWholePercent(finding.lowerBound)} after sampling noise`
              : `the whole distribution (p50, p90) slower by at least ${formatSignedWholePercent(
                  finding.shift.lowerBound,
                )} over the last ${finding.shift.periods} periods`;
          const comparison = ` vs baseline ${formatMs(finding.baseline)}: ${formatSignedWholePercent(
            finding.change,
          )} (${bound}) ${finding.failing ? '>' : '<='} +${metric.maxIncreasePct}% allowed`;
          return `${what} ${formatMs(finding.canary)}${comparison}${finding.failing ? '' : ceiling}`;
        }
        default:
          return `${what} ${formatMs(findingValue(finding))}${ceiling}`;
      }
    }
    case 'custom':
      switch (finding.kind) {
        case 'no-canary-data':
          return `${name}: no datapoints`;
        case 'below-minimum':
          return `${name} ${formatNumber(finding.canary)} < ${formatNumber(finding.minimum)} minimum`;
        case 'above-maximum':
          return `${name} ${formatNumber(finding.canary)} > ${formatNumber(finding.maximum)} maximum`;
        default: {
          const bounds = [
            metric.min === undefined ? null : `min ${formatNumber(metric.min)}`,
            metric.max === undefined ? null : `max ${formatNumber(metric.max)}`,
          ]
            .filter((bound) => bound !== null)
            .join(', ');
          return `${name} ${formatNumber(findingValue(finding))} within ${bounds}`;
        }
      }
  }
}

/** The canary's value of a finding that has one. */
function findingValue(finding: MetricFinding): number | null {
  return 'canary' in finding ? finding.canary : null;
}
