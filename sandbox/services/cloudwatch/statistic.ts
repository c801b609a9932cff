/**
 * CloudWatch statistics over a stored aggregate: the five simple ones and pNN percentiles
 * (`p50`, `p99`, `p99.9`, `p100`). Percentiles use the nearest-rank method over the stored
 * value histogram, the way CloudWatch computes them from raw values.
 */
import type { Aggregate } from './metric-store';

export type SimpleStatistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';

export type ParsedStatistic =
  { kind: 'simple'; name: SimpleStatistic } | { kind: 'percentile'; percent: number };

const SIMPLE: readonly SimpleStatistic[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

// pNN or pNN.N..., 0 < NN <= 100 (CloudWatch allows up to ten decimal places).
const PERCENTILE = /^p(\d{1,3}(?:\.\d{1,10})?)$/;

/** Parses a CloudWatch statistic name; `undefined` when CloudWatch would not accept it. */
export function parseStatistic(stat: string): ParsedStatistic | undefined {
  if ((SIMPLE as readonly string[]).includes(stat)) return { kind: 'simple', name: stat as SimpleStatistic };
  const match = PERCENTILE.exec(stat);
  if (!match) return undefined;
  const percent = Number(match[1]);
  if (!(percent > 0 && percent <= 100)) return undefined;
  return { kind: 'percentile', percent };
}

/**
 * The statistic of `aggregate`, or null when CloudWatch has no value for it: no samples, or a
 * percentile over data without a distribution (statistic sets) or with negative values.
 */
export function computeStatistic(stat: ParsedStatistic, aggregate: Aggregate): number | null {
  if (aggregate.sampleCount <= 0) return null;
  if (stat.kind === 'simple') {
    switch (stat.name) {
      case 'SampleCount':
        return aggregate.sampleCount;
      case 'Sum':
        return aggregate.sum;
      case 'Average':
        return aggregate.sum / aggregate.sampleCount;
      case 'Minimum':
        return aggregate.min;
      case 'Maximum':
        return aggregate.max;
    }
  }
  if (!aggregate.histogram || aggregate.min < 0) return null;
  return percentileOfSorted(sortedHistogram(aggregate.histogram, aggregate.sampleCount), stat.percent);
}

interface SortedHistogram {
  values: Float64Array;
  /** cumulative[i]: samples at or below values[i]. */
  cumulative: Float64Array;
  /** Sample count the cache was built for: a merge adds samples, so a new count means a stale cache. */
  sampleCount: number;
}

// A tick asks for the same stored minutes again and again (p50, p90, p99 of each variant):
// sort each histogram once, not once per query.
const sortedCache = new WeakMap<ReadonlyMap<number, number>, SortedHistogram>();

function sortedHistogram(histogram: ReadonlyMap<number, number>, sampleCount: number): SortedHistogram {
  const cached = sortedCache.get(histogram);
  if (cached && cached.sampleCount === sampleCount) return cached;
  const entries = [...histogram.entries()].filter(([, count]) => count > 0).sort(([a], [b]) => a - b);
  const values = new Float64Array(entries.length);
  const cumulative = new Float64Array(entries.length);
  let seen = 0;
  entries.forEach(([value, count], i) => {
    seen += count;
    values[i] = value;
    cumulative[i] = seen;
  });
  const sorted = { values, cumulative, sampleCount };
  sortedCache.set(histogram, sorted);
  return sorted;
}

function percentileOfSorted(sorted: SortedHistogram, percent: number): number | null {
  const n = sorted.values.length;
  const total = n > 0 ? (sorted.cumulative[n - 1] as number) : 0;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((percent / 100) * total));
  // First index whose cumulative count reaches the rank.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted.cumulative[mid] as number) >= rank) hi = mid;
    else lo = mid + 1;
  }
  return sorted.values[lo] as number;
}

/** Nearest-rank percentile of a value → count histogram (`percent` in (0, 100]). */
export function percentileOf(histogram: ReadonlyMap<number, number>, percent: number): number | null {
  let total = 0;
  for (const count of histogram.values()) if (count > 0) total += count;
  return percentileOfSorted(sortedHistogram(histogram, total), percent);
}
