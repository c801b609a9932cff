import {
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
  paginateGetMetricData,
} from '@aws-sdk/client-cloudwatch';
import type { LatencyStatistic, PeriodObservation, VariantPeriodMetrics } from '../domain/types';
import type { MetricsRead, MetricsReader, MetricsTarget } from '../ports/metrics-reader';

/** GetMetricData's limit of queries per call (AWS). Queries. */
export const MAX_QUERIES_PER_CALL = 500;

/**
 * Closed periods younger than this are not read yet, because CloudWatch may still be filling
 * them. Seconds. The sandbox publishes a minute the moment it closes (0 is exact there); on AWS
 * SageMaker's metrics arrive about a minute late, so deployments set `METRIC_SETTLE_SECONDS`.
 */
export const DEFAULT_METRIC_SETTLE_SECONDS = 0;

type VariantField =
  | 'invocations'
  | 'errors5xx'
  | 'errors4xx'
  | 'latencyAvgMs'
  | 'latencyP50Ms'
  | 'latencyP90Ms'
  | 'latencyP99Ms';

/** What one query Id stands for (the lookup table back from Ids, which cannot carry names). */
export type QueryMeaning =
  | { target: number; kind: 'variant'; variant: string; field: VariantField; scale: number }
  | { target: number; kind: 'custom'; name: string };

/** One call's worth of queries sharing a time range. */
export interface MetricBatch {
  startTime: Date;
  endTime: Date;
  periodSeconds: number;
  queries: MetricDataQuery[];
}

export interface MetricQueryPlan {
  batches: MetricBatch[];
  meanings: Map<string, QueryMeaning>;
  /** Per target: the aligned period ends (epoch ms) the read covers. */
  periodEnds: Map<number, number[]>;
}

const LATENCY_FIELDS: Readonly<Record<LatencyStatistic, { field: VariantField; stat: string }>> = {
  avg: { field: 'latencyAvgMs', stat: 'Average' },
  p50: { field: 'latencyP50Ms', stat: 'p50' },
  p90: { field: 'latencyP90Ms', stat: 'p90' },
  p99: { field: 'latencyP99Ms', stat: 'p99' },
};

/** ModelLatency is published in microseconds; the engine speaks milliseconds. */
const MICROS_PER_MS = 1000;

/**
 * Plans the reads of one tick: for every target, Invocations / Invocation5XXErrors /
 * Invocation4XXErrors (Sum) and ModelLatency (p99 always, plus every latency statistic the
 * policy judges) per variant, and each custom metric; Ids are `q<target>_<n>` (valid whatever
 * the endpoint and variant names) with `meanings` mapping them back. Targets sharing an
 * analysis interval share calls of at most MAX_QUERIES_PER_CALL queries; the range is aligned to
 * the interval, covers the longest window, and ends before the newest still-filling period.
 *
 * Inputs that drive the plan: each policy's interval, window, variants and metrics; `now` and
 * `settleSeconds`.
 */
export function planMetricQueries(
  targets: ReadonlyArray<MetricsTarget>,
  now: number,
  settleSeconds: number = DEFAULT_METRIC_SETTLE_SECONDS,
): MetricQueryPlan {
  const meanings = new Map<string, QueryMeaning>();
  const periodEnds = new Map<number, number[]>();
  const byPeriod = new Map<number, { queries: MetricDataQuery[]; windowSeconds: number }>();

  targets.forEach((target, index) => {
    const { policy } = target;
    const period = policy.analysis.intervalSeconds;
    const end = alignedEnd(now, period, settleSeconds);
    const count = Math.max(1, Math.ceil(policy.analysis.windowSeconds / period));
    periodEnds.set(
      index,
      Array.from({ length: count }, (_, i) => end - (count - 1 - i) * period * 1000),
    );
    const group = byPeriod.get(period) ?? { queries: [], windowSeconds: 0 };
    group.windowSeconds = Math.max(group.windowSeconds, count * period);
    byPeriod.set(period, group);

    let n = 0;
    const add = (meaning: QueryMeaning, query: Omit<MetricDataQuery, 'Id'>) => {
      const id = `q${index}_${n++}`;
      meanings.set(id, meaning);
      group.queries.push({ Id: id, ReturnData: true, ...query });
    };
    const { name: endpointName, baselineVariant, canaryVariant } = policy.endpoint;
    const latency = new Set<LatencyStatistic>(['p99']);
    for (const metric of policy.analysis.metrics)
      if (metric.type === 'latency') latency.add(metric.statistic);
    for (const variant of [baselineVariant, canaryVariant]) {
      const override = target.variantDimensions?.[variant];
      const dims = override
        ? Object.entries(override).map(([Name, Value]) => ({ Name, Value }))
        : [
            { Name: 'EndpointName', Value: endpointName },
            { Name: 'VariantName', Value: variant },
          ];
      const stat = (metricName: string, statName: string) => ({
        MetricStat: {
          Metric: { Namespace: 'AWS/SageMaker', MetricName: metricName, Dimensions: dims },
          Period: period,
          Stat: statName,
        },
      });
      add(
        { target: index, kind: 'variant', variant, field: 'invocations', scale: 1 },
        stat('Invocations', 'Sum'),
      );
      add(
        { target: index, kind: 'variant', variant, field: 'errors5xx', scale: 1 },
        stat('Invocation5XXErrors', 'Sum'),
      );
      add(
        { target: index, kind: 'variant', variant, field: 'errors4xx', scale: 1 },
        stat('Invocation4XXErrors', 'Sum'),
      );
      for (const s of latency) {
        const { field, stat: statName } = LATENCY_FIELDS[s];
        add(
          { target: index, kind: 'variant', variant, field, scale: 1 / MICROS_PER_MS },
          stat('ModelLatency', statName),
        );
      }
    }
    const vars: Record<string, string> = { endpointName, baselineVariant, canaryVariant };
    for (const metric of policy.analysis.metrics) {
      if (metric.type !== 'custom') continue;
      add(
        { target: index, kind: 'custom', name: metric.name },
        {
          MetricStat: {
            Metric: {
              Namespace: metric.namespace,
              MetricName: metric.metricName,
              Dimensions: Object.entries(metric.dimensions).map(([Name, value]) => ({
                Name,
                Value: value.replace(/\$\{(\w+)\}/g, (whole, key: string) => vars[key] ?? whole),
              })),
            },
            Period: period,
            Stat: metric.statistic,
          },
        },
      );
    }
  });

  const batches: MetricBatch[] = [];
  for (const [period, group] of byPeriod) {
    const end = alignedEnd(now, period, settleSeconds);
    const start = end - group.windowSeconds * 1000;
    for (let i = 0; i < group.queries.length; i += MAX_QUERIES_PER_CALL) {
      batches.push({
        startTime: new Date(start),
        endTime: new Date(end),
        periodSeconds: period,
        queries: group.queries.slice(i, i + MAX_QUERIES_PER_CALL),
      });
    }
  }
  return { batches, meanings, periodEnds };
}

/** End of the newest fully closed period at `now`, epoch ms, aligned to `periodSeconds`. */
export function alignedEnd(now: number, periodSeconds: number, settleSeconds: number): number {
  const periodMs = periodSeconds * 1000;
  return Math.floor((now - settleSeconds * 1000) / periodMs) * periodMs;
}

/**
 * Turns GetMetricData results (any order, possibly split across pages) into per-target periods,
 * oldest first. A period is reported only when it has at least one datapoint; inside it, a
 * variant without an Invocations datapoint is missing (no data is not zero), and missing error
 * sums of a variant with traffic are 0 (CloudWatch omits empty sums). Latencies are converted
 * from microseconds to milliseconds.
 */
export function mapMetricResults(
  plan: Pick<MetricQueryPlan, 'meanings' | 'periodEnds'>,
  results: ReadonlyArray<MetricDataResult>,
  targetCount: number,
  periodSecondsOf: (target: number) => number,
): PeriodObservation[][] {
  // target → period end → collected values
  const cells = new Map<
    number,
    Map<number, { variants: Map<string, Partial<VariantPeriodMetrics>>; custom: Record<string, number> }>
  >();
  for (const result of results) {
    const meaning = result.Id ? plan.meanings.get(result.Id) : undefined;
    if (!meaning) continue;
    const timestamps = result.Timestamps ?? [];
    const values = result.Values ?? [];
    const periodMs = periodSecondsOf(meaning.target) * 1000;
    timestamps.forEach((ts, i) => {
      const value = values[i];
      if (value === undefined || !Number.isFinite(value)) return;
      // CloudWatch stamps a period with its start; the engine wants its end.
      const end = ts.getTime() + periodMs;
      let byTime = cells.get(meaning.target);
      if (!byTime) {
        byTime = new Map();
        cells.set(meaning.target, byTime);
      }
      let cell = byTime.get(end);
      if (!cell) {
        cell = { variants: new Map(), custom: {} };
        byTime.set(end, cell);
      }
      if (meaning.kind === 'custom') {
        cell.custom[meaning.name] = value;
        return;
      }
      let variant = cell.variants.get(meaning.variant);
      if (!variant) {
        variant = {};
        cell.variants.set(meaning.variant, variant);
      }
      variant[meaning.field] = value * meaning.scale;
    });
  }

  const out: PeriodObservation[][] = [];
  for (let target = 0; target < targetCount; target++) {
    const byTime = cells.get(target);
    const allowed = new Set(plan.periodEnds.get(target) ?? []);
    const customNames = [...plan.meanings.values()]
      .filter(
        (m): m is Extract<QueryMeaning, { kind: 'custom' }> => m.kind === 'custom' && m.target === target,
      )
      .map((m) => m.name);
    const periods: PeriodObservation[] = [];
    for (const [time, cell] of [...(byTime ?? new Map())].sort((a, b) => a[0] - b[0])) {
      if (!allowed.has(time)) continue;
      const variants: Record<string, VariantPeriodMetrics> = {};
      for (const [name, v] of cell.variants) {
        if (v.invocations === undefined) continue;
        variants[name] = {
          invocations: v.invocations,
          errors5xx: v.errors5xx ?? 0,
          errors4xx: v.errors4xx ?? 0,
          latencyAvgMs: v.latencyAvgMs ?? null,
          latencyP50Ms: v.latencyP50Ms ?? null,
          latencyP90Ms: v.latencyP90Ms ?? null,
          latencyP99Ms: v.latencyP99Ms ?? null,
        };
      }
      const observation: PeriodObservation = { time, variants };
      if (customNames.length > 0) {
        observation.custom = Object.fromEntries(customNames.map((n) => [n, cell.custom[n] ?? null]));
      }
      periods.push(observation);
    }
    out.push(periods);
  }
  return out;
}

/** A GetMetricData call failed (after the SDK's retries): the tick changes nothing this time. */
export class MetricsReadError extends Error {
  override readonly name = 'MetricsReadError';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

/**
 * Per-variant SageMaker metrics for all rollouts of a tick in one region, in as few
 * GetMetricData calls as the 500-query limit allows, every page read through the SDK's paginator.
 */
export class CloudWatchMetrics implements MetricsReader {
  /**
   * `settleSeconds`: closed periods younger than this are not read yet. `maxDatapoints`: page size
   * of one call (default: CloudWatch's; tests make it small to exercise NextToken).
   */
  constructor(
    private readonly client: CloudWatchClient,
    private readonly settleSeconds: number = DEFAULT_METRIC_SETTLE_SECONDS,
    private readonly maxDatapoints?: number,
  ) {}

  /** Reads the analysis windows of `targets` ending at the newest closed period before `now` (epoch ms). */
  async read(targets: ReadonlyArray<MetricsTarget>, now: number): Promise<MetricsRead> {
    const plan = planMetricQueries(targets, now, this.settleSeconds);
    const results: MetricDataResult[] = [];
    const incompleteIds = new Set<string>();
    let calls = 0;
    await Promise.all(
      plan.batches.map(async (batch) => {
        const pages = paginateGetMetricData(
          { client: this.client, ...(this.maxDatapoints ? { pageSize: this.maxDatapoints } : {}) },
          {
            MetricDataQueries: batch.queries,
            StartTime: batch.startTime,
            EndTime: batch.endTime,
            ScanBy: 'TimestampAscending',
          },
        );
        try {
          for await (const page of pages) {
            calls++;
            for (const result of page.MetricDataResults ?? []) {
              results.push(result);
              if (result.Id && (result.StatusCode === 'InternalError' || result.StatusCode === 'Forbidden'))
                incompleteIds.add(result.Id);
            }
          }
        } catch (error) {
          throw new MetricsReadError(`GetMetricData failed: ${(error as Error).name ?? error}`, {
            cause: error,
          });
        }
      }),
    );
    const mapped = mapMetricResults(
      plan,
      results,
      targets.length,
      (i) => targets[i]?.policy.analysis.intervalSeconds ?? 60,
    );
    const periods = new Map<string, PeriodObservation[]>();
    targets.forEach((t, i) => {
      periods.set(t.key, mapped[i] ?? []);
    });
    const incomplete = new Set<string>();
    for (const id of incompleteIds) {
      const meaning = plan.meanings.get(id);
      const target = meaning ? targets[meaning.target] : undefined;
      if (target) incomplete.add(target.key);
    }
    return { periods, calls, incomplete };
  }
}
