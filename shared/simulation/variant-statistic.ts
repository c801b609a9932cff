/**
 * A simulated variant-minute seen through CloudWatch: the value one `AWS/SageMaker` metric and
 * statistic would have for that minute. Used to evaluate scenario alarms as CloudWatch would.
 */
import type { ScenarioAlarmMetric } from './scenario-schema';
import type { SimulatedVariant } from './scenario-simulator';
import { percentileOfSorted } from './scenario-simulator';

/** CloudWatch publishes ModelLatency in microseconds; the simulator works in milliseconds. */
export const MICROSECONDS_PER_MS = 1000;

const PERCENTILE = /^p(\d{1,2}(?:\.\d+)?)$/;

/**
 * The per-minute value of `metric` with `statistic` (Sum, Average, SampleCount, Minimum,
 * Maximum, pNN) for `variant`, or null when the variant had no requests (CloudWatch then has no
 * datapoint). Error metrics are 0/1 per request, so their Average is the rate; ModelLatency is in
 * microseconds. Unknown statistics give null.
 */
export function variantStatistic(
  variant: SimulatedVariant,
  metric: ScenarioAlarmMetric,
  statistic: string,
): number | null {
  const n = variant.invocations;
  if (n <= 0) return null;
  if (statistic === 'SampleCount') return n;
  if (metric === 'Invocations') return statistic === 'Sum' ? n : knownStatistic(statistic) ? 1 : null;
  if (metric === 'ModelLatency') return latencyStatistic(variant, statistic);
  const errors = metric === 'Invocation5XXErrors' ? variant.errors5xx : variant.errors4xx;
  switch (statistic) {
    case 'Sum':
      return errors;
    case 'Average':
      return errors / n;
    case 'Minimum':
      return errors >= n ? 1 : 0;
    case 'Maximum':
      return errors > 0 ? 1 : 0;
    default: {
      const match = PERCENTILE.exec(statistic);
      if (!match) return null;
      // n values: (n - errors) zeros then errors ones; nearest rank.
      const rank = Math.max(1, Math.ceil((Number(match[1]) / 100) * n));
      return rank > n - errors ? 1 : 0;
    }
  }
}

function knownStatistic(statistic: string): boolean {
  return ['Sum', 'Average', 'Minimum', 'Maximum'].includes(statistic) || PERCENTILE.test(statistic);
}

function latencyStatistic(variant: SimulatedVariant, statistic: string): number | null {
  const draws = variant.latencyDrawsMs;
  if (draws.length === 0) return null;
  switch (statistic) {
    case 'Average':
      return (variant.latencyAvgMs ?? 0) * MICROSECONDS_PER_MS;
    case 'Sum':
      return (variant.latencyAvgMs ?? 0) * variant.invocations * MICROSECONDS_PER_MS;
    case 'Minimum':
      return (draws[0] ?? 0) * MICROSECONDS_PER_MS;
    case 'Maximum':
      return (draws[draws.length - 1] ?? 0) * MICROSECONDS_PER_MS;
    default: {
      const match = PERCENTILE.exec(statistic);
      if (!match) return null;
      const value = percentileOfSorted(draws, Number(match[1]));
      return value === null ? null : value * MICROSECONDS_PER_MS;
    }
  }
}
