/**
 * The sandbox's metric store: what PutMetricData and the traffic simulator write and what
 * GetMetricData and alarm evaluation read. Per region, per metric (namespace + name + sorted
 * dimensions), per minute, per unit, it keeps the count, sum, minimum, maximum and a value →
 * count histogram, which is enough to serve Sum, Average, SampleCount, Minimum, Maximum and any
 * pNN percentile over any period that is a whole number of minutes.
 */

/** Storage resolution of the store, in milliseconds (standard-resolution CloudWatch metrics). */
export const MINUTE_MS = 60_000;

/** The unit CloudWatch records when a datum names none. */
export const DEFAULT_UNIT = 'None';

/** One metric: namespace, name and dimensions (name → value). */
export interface MetricIdentity {
  namespace: string;
  metricName: string;
  dimensions: Readonly<Record<string, string>>;
}

/** What one datum contributes; exactly one of `values` (with optional `counts`), `statistics` or `value`. */
export interface StoredDatum {
  metric: MetricIdentity;
  /** Epoch ms; stored in the minute that contains it. */
  timestamp: number;
  unit?: string;
  value?: number;
  /** Distinct values, each seen `counts[i]` times (1 when `counts` is absent). */
  values?: readonly number[];
  counts?: readonly number[];
  statistics?: { sampleCount: number; sum: number; minimum: number; maximum: number };
}

/** The aggregate of a set of samples. `histogram` is null once a statistic set without a distribution was merged in. */
export interface Aggregate {
  sampleCount: number;
  sum: number;
  min: number;
  max: number;
  histogram: Map<number, number> | null;
}

export interface QueryOptions {
  /** Inclusive start, epoch ms; floored to the minute. */
  start: number;
  /** Exclusive end, epoch ms. */
  end: number;
  /** Period in seconds: a positive multiple of 60. */
  periodSeconds: number;
  /** Only samples recorded with this unit; all units when absent. */
  unit?: string;
}

export interface PeriodAggregate {
  /** Start of the period, epoch ms. */
  timestamp: number;
  aggregate: Aggregate;
}

export interface MetricStore {
  put(region: string, datum: StoredDatum): void;
  /** Per-period aggregates, oldest first; periods without samples are absent. Read-only: they may be the stored ones. */
  aggregate(region: string, metric: MetricIdentity, options: QueryOptions): PeriodAggregate[];
  /** Every metric a region holds (for debugging and ListMetrics-style views). */
  metrics(region: string): MetricIdentity[];
  clear(region?: string): void;
}

interface Series {
  metric: MetricIdentity;
  /** minute start (epoch ms) → unit → aggregate */
  minutes: Map<number, Map<string, Aggregate>>;
}

/** Stable key of a metric: namespace, name and dimensions sorted by name. */
export function metricKey(metric: MetricIdentity): string {
  const dims = Object.keys(metric.dimensions)
    .sort()
    .map((name) => [name, metric.dimensions[name]]);
  return JSON.stringify([metric.namespace, metric.metricName, dims]);
}

function emptyAggregate(): Aggregate {
  return {
    sampleCount: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    histogram: new Map(),
  };
}

/** Adds `from` into `into` (histograms merge; a missing distribution makes the result distribution-less). */
export function mergeAggregate(into: Aggregate, from: Aggregate): void {
  into.sampleCount += from.sampleCount;
  into.sum += from.sum;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
  if (into.histogram && from.histogram) {
    for (const [value, count] of from.histogram)
      into.histogram.set(value, (into.histogram.get(value) ?? 0) + count);
  } else {
    into.histogram = null;
  }
}

function datumAggregate(datum: StoredDatum): Aggregate {
  const agg = emptyAggregate();
  if (datum.statistics) {
    const { sampleCount, sum, minimum, maximum } = datum.statistics;
    agg.sampleCount = sampleCount;
    agg.sum = sum;
    agg.min = minimum;
    agg.max = maximum;
    // A statistic set only has a distribution when it is a single value (CloudWatch's rule for percentiles).
    agg.histogram = minimum === maximum && sampleCount > 0 ? new Map([[minimum, sampleCount]]) : null;
    return agg;
  }
  const values = datum.values ?? (datum.value === undefined ? [] : [datum.value]);
  values.forEach((value, i) => {
    const count = datum.counts?.[i] ?? 1;
    if (count <= 0) return;
    agg.sampleCount += count;
    agg.sum += value * count;
    agg.min = Math.min(agg.min, value);
    agg.max = Math.max(agg.max, value);
    agg.histogram?.set(value, (agg.histogram.get(value) ?? 0) + count);
  });
  return agg;
}

/** Creates an empty store; regions are created on first write. */
export function createMetricStore(): MetricStore {
  const regions = new Map<string, Map<string, Series>>();

  return {
    put(region, datum) {
      const agg = datumAggregate(datum);
      if (agg.sampleCount <= 0) return;
      let byKey = regions.get(region);
      if (!byKey) {
        byKey = new Map();
        regions.set(region, byKey);
      }
      const key = metricKey(datum.metric);
      let series = byKey.get(key);
      if (!series) {
        series = {
          metric: { ...datum.metric, dimensions: { ...datum.metric.dimensions } },
          minutes: new Map(),
        };
        byKey.set(key, series);
      }
      const minute = Math.floor(datum.timestamp / MINUTE_MS) * MINUTE_MS;
      let units = series.minutes.get(minute);
      if (!units) {
        units = new Map();
        series.minutes.set(minute, units);
      }
      const unit = datum.unit ?? DEFAULT_UNIT;
      const existing = units.get(unit);
      if (existing) mergeAggregate(existing, agg);
      else units.set(unit, agg);
    },

    aggregate(region, metric, { start, end, periodSeconds, unit }) {
      const series = regions.get(region)?.get(metricKey(metric));
      if (!series) return [];
      const periodMs = periodSeconds * 1000;
      const first = Math.floor(start / MINUTE_MS) * MINUTE_MS;
      const parts = new Map<number, Aggregate[]>();
      const take = (minute: number, units: Map<string, Aggregate>) => {
        const periodStart = first + Math.floor((minute - first) / periodMs) * periodMs;
        for (const [u, agg] of units) {
          if (unit !== undefined && u !== unit) continue;
          const list = parts.get(periodStart);
          if (list) list.push(agg);
          else parts.set(periodStart, [agg]);
        }
      };
      // A tick asks for a few minutes of long series: step through the window when it is the
      // smaller side, scan the series when the window is the larger one.
      if ((end - first) / MINUTE_MS < series.minutes.size) {
        for (let minute = first; minute < end; minute += MINUTE_MS) {
          const units = series.minutes.get(minute);
          if (units) take(minute, units);
        }
      } else {
        for (const [minute, units] of series.minutes)
          if (minute >= first && minute < end) take(minute, units);
      }
      return [...parts.entries()]
        .sort(([a], [b]) => a - b)
        .map(([timestamp, list]) => {
          // One stored aggregate is returned as it is (callers only read); several are merged into a copy.
          if (list.length === 1) return { timestamp, aggregate: list[0] as Aggregate };
          const merged = emptyAggregate();
          for (const agg of list) mergeAggregate(merged, agg);
          return { timestamp, aggregate: merged };
        })
        .filter(({ aggregate }) => aggregate.sampleCount > 0);
    },

    metrics(region) {
      return [...(regions.get(region)?.values() ?? [])].map((s) => s.metric);
    },

    clear(region) {
      if (region === undefined) regions.clear();
      else regions.delete(region);
    },
  };
}
