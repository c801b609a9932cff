/**
 * A variant-minute's latencies as the compact values/counts histogram PutMetricData accepts, so
 * the sandbox can publish `ModelLatency` with percentiles CloudWatch would serve.
 */
import type { SimulatedVariant } from './scenario-simulator';
import { MICROSECONDS_PER_MS } from './variant-statistic';

/** Significant digits latencies are rounded to when binned (3: at most 0.5 % off). */
export const DEFAULT_HISTOGRAM_SIGNIFICANT_DIGITS = 3;

/** PutMetricData's limit of distinct values per datum. */
export const MAX_VALUES_PER_DATUM = 150;

export interface ValuesAndCounts {
  /** Distinct latencies, ascending, in the requested unit. */
  values: number[];
  /** Requests per value (whole numbers; draws stand for several requests above the draw cap). */
  counts: number[];
}

/**
 * Bins `variant`'s latency draws into distinct values rounded to `significantDigits`, in
 * microseconds (CloudWatch's unit for ModelLatency) unless `unit` is `Milliseconds`. The counts
 * add up to the variant's invocations (up to rounding when draws stand for several requests).
 */
export function latencyHistogram(
  variant: SimulatedVariant,
  options: { unit?: 'Microseconds' | 'Milliseconds'; significantDigits?: number } = {},
): ValuesAndCounts {
  const factor = options.unit === 'Milliseconds' ? 1 : MICROSECONDS_PER_MS;
  const digits = options.significantDigits ?? DEFAULT_HISTOGRAM_SIGNIFICANT_DIGITS;
  const values: number[] = [];
  const counts: number[] = [];
  const draws = variant.latencyDrawsMs;
  for (let i = 0; i < draws.length; i++) {
    const value = Number(((draws[i] ?? 0) * factor).toPrecision(digits));
    if (values.length > 0 && values[values.length - 1] === value) counts[counts.length - 1]! += 1;
    else {
      values.push(value);
      counts.push(1);
    }
  }
  if (variant.drawWeight !== 1) {
    for (let i = 0; i < counts.length; i++) counts[i] = Math.round((counts[i] ?? 0) * variant.drawWeight);
  }
  return { values, counts };
}

/** Splits a histogram into chunks of at most `size` values (one PutMetricData datum each). */
export function chunkValuesAndCounts(
  histogram: ValuesAndCounts,
  size = MAX_VALUES_PER_DATUM,
): ValuesAndCounts[] {
  const chunks: ValuesAndCounts[] = [];
  for (let i = 0; i < histogram.values.length; i += size) {
    chunks.push({ values: histogram.values.slice(i, i + size), counts: histogram.counts.slice(i, i + size) });
  }
  return chunks;
}
