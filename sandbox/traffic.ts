/**
 * Traffic for a sandbox endpoint: plays a scenario minute by minute on the sandbox clock and
 * publishes what SageMaker would publish to CloudWatch for each variant, so the watchdog reads
 * realistic metrics with GetMetricData and alarms fire as the simulated canary fails.
 *
 * Each closed minute, the endpoint's current canary weight (read through `getEndpointWeights`,
 * i.e. what the watchdog last set and SageMaker has applied) splits that minute's requests; the
 * shared scenario simulator draws the requests, errors and latencies. Published per variant
 * (namespace `AWS/SageMaker`, dimensions EndpointName and VariantName), as SageMaker does:
 * - `Invocations`: value 1 per request (Sum is the request count);
 * - `Invocation4XXErrors`, `Invocation5XXErrors`: 0 or 1 per request (Average is the rate,
 *   SampleCount the requests);
 * - `ModelLatency`: the requests' latencies in microseconds as a values/counts histogram, so
 *   CloudWatch percentiles come out right.
 * A variant without requests, and every variant during a scenario's data gap, gets no datapoints.
 *
 * Read through `getEndpointTraffic`, the endpoint may also run:
 * - a shadow variant named as the scenario's canary: it gets a copy of `shadow.share` of the
 *   minute's requests (the users' requests are not taken from production), plays the scenario's
 *   canary behaviour and is published under its own VariantName; its answers reach nobody;
 * - a blue/green deployment: the scenario's baseline variant runs on two fleets, the old (blue)
 *   one playing the scenario's baseline and the new (green) one its canary, split by the routing
 *   share in force. Both fleets together are published under `{EndpointName, VariantName}` as
 *   always, and each fleet also under `{EndpointConfigName, EndpointName, VariantName}`. While the
 *   endpoint runs a model such a deployment brought in (it completed), the variant plays the
 *   scenario's canary (the new model serves).
 * Custom metrics a scenario gives the canary (`customMetrics`) are published where a policy's
 * `custom` metrics read them, when the caller passes those metric definitions.
 */

import type { CustomMetric } from '../shared/domain/types';
import { latencyHistogram } from '../shared/simulation/latency-histogram';
import type { Scenario } from '../shared/simulation/scenario-schema';
import {
  createScenarioSimulator,
  type SimulatedMinute,
  type SimulatedVariant,
} from '../shared/simulation/scenario-simulator';
import type { ClosedPeriod, SandboxClock } from './clock';
import type { EndpointTraffic } from './services/sagemaker/endpoint-traffic';
import type { MetricStore } from './services/cloudwatch/metric-store';

/** Namespace SageMaker endpoints publish invocation metrics to. */
export const SAGEMAKER_NAMESPACE = 'AWS/SageMaker';

export interface TrafficOptions {
  scenario: Scenario;
  /** Overrides the scenario's seed. */
  seed?: number;
  region: string;
  /** The sandbox endpoint to play against (may differ from the scenario's own endpoint name). */
  endpointName: string;
  /** The endpoint's variant playing the scenario's baseline. Default: the scenario's name for it. */
  baselineVariant?: string;
  /** The endpoint's variant playing the scenario's canary. Default: the scenario's name for it. */
  canaryVariant?: string;
  clock: Pick<SandboxClock, 'onPeriodClosed'>;
  store: MetricStore;
  /**
   * What the endpoint does with requests now (weights, shadow share, blue/green fleets);
   * `undefined` when it does not exist or serves nobody. The sandbox passes its SageMaker's.
   */
  getEndpointTraffic?(region: string, endpointName: string): EndpointTraffic | undefined;
  /**
   * Only the production weights, percent (for callers without shadows or fleets); used when
   * `getEndpointTraffic` is not given. One of the two is required.
   */
  getEndpointWeights?(region: string, endpointName: string): Record<string, number> | undefined;
  /**
   * Scenario minute the first closed period plays (default 0). Later minutes follow on, so a
   * scenario can be joined midway, or replaced by a variant of itself without starting over.
   */
  startMinute?: number;
  /** Stop after the scenario's `durationMinutes` (default true); false keeps the last segments playing. */
  stopAtEnd?: boolean;
  /**
   * A policy's `custom` metrics: each minute the canary's simulated value of the metric with the
   * same `name` is published to its namespace, name and dimensions (`${endpointName}`,
   * `${baselineVariant}` and `${canaryVariant}` resolved as the watchdog resolves them).
   */
  customMetrics?: ReadonlyArray<Pick<CustomMetric, 'name' | 'namespace' | 'metricName' | 'dimensions'>>;
  /** Called after each minute is published (progress display, scoring). */
  onMinute?: (record: TrafficMinuteRecord) => void;
}

export interface TrafficVariantRecord {
  /** The endpoint's variant name. */
  variantName: string;
  /** The fleet's endpoint config, for the blue and green fleets of a blue/green deployment. */
  endpointConfigName?: string;
  invocations: number;
  errors5xx: number;
  errors4xx: number;
  latencyP99Ms: number | null;
}

/** What one simulated minute did (for progress output and scoring: blast radius, time to detect). */
export interface TrafficMinuteRecord {
  /** Scenario minute, 0-based. */
  minute: number;
  /** Start of the minute, simulated epoch ms (the datapoints' timestamp). */
  periodStart: number;
  /** Canary weight that split the minute, percent; null when the endpoint did not exist. */
  canaryWeightPercent: number | null;
  /** False when nothing was published (data gap, or no endpoint). */
  published: boolean;
  dataGap: boolean;
  baseline: TrafficVariantRecord;
  canary: TrafficVariantRecord;
  /** Canary requests that failed (5XX) or were slower than the baseline's configured p99. */
  canaryBadRequests: number;
  /** The copies a shadow variant playing the canary got (they answered nobody). */
  shadow?: TrafficVariantRecord;
}

export interface TrafficHandle {
  /** Stops publishing (idempotent). */
  stop(): void;
  /** The scenario minute the next closed period plays (`startMinute` + the minutes played so far). */
  minutesPlayed(): number;
  /** Every minute played, oldest first. */
  records(): readonly TrafficMinuteRecord[];
  /** Resolves when the scenario's duration has been played or `stop()` was called. */
  readonly done: Promise<void>;
}

/**
 * Starts playing `scenario` against `endpointName` in `region`: each period close of `clock`
 * publishes one minute, split by the canary weight `getEndpointWeights` reports at that moment.
 */
export function startTraffic(opts: TrafficOptions): TrafficHandle {
  const readTraffic = endpointTrafficReader(opts);
  const simulator = createScenarioSimulator(
    opts.scenario,
    opts.seed === undefined ? {} : { seed: opts.seed },
  );
  const baselineName = opts.baselineVariant ?? opts.scenario.endpoint.baselineVariant;
  const canaryName = opts.canaryVariant ?? opts.scenario.endpoint.canaryVariant;
  const stopAtEnd = opts.stopAtEnd ?? true;
  const records: TrafficMinuteRecord[] = [];
  let minute = opts.startMinute ?? 0;
  if (!Number.isInteger(minute) || minute < 0) {
    throw new RangeError(`startMinute must be a whole minute >= 0, got ${opts.startMinute}`);
  }
  let stopped = false;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const publishVariant = (
    variantName: string,
    variant: SimulatedVariant,
    periodStart: number,
    endpointConfigName?: string,
  ): void => {
    const n = variant.invocations;
    if (n <= 0) return;
    const dimensions: Record<string, string> = {
      ...(endpointConfigName !== undefined ? { EndpointConfigName: endpointConfigName } : {}),
      EndpointName: opts.endpointName,
      VariantName: variantName,
    };
    const metric = (metricName: string) => ({ namespace: SAGEMAKER_NAMESPACE, metricName, dimensions });
    const put = (metricName: string, values: number[], counts: number[], unit: string) =>
      opts.store.put(opts.region, {
        metric: metric(metricName),
        timestamp: periodStart,
        values,
        counts,
        unit,
      });
    put('Invocations', [1], [n], 'None');
    put('Invocation5XXErrors', [0, 1], [n - variant.errors5xx, variant.errors5xx], 'None');
    put('Invocation4XXErrors', [0, 1], [n - variant.errors4xx, variant.errors4xx], 'None');
    const latency = latencyHistogram(variant, { unit: 'Microseconds' });
    if (latency.values.length > 0) put('ModelLatency', latency.values, latency.counts, 'Microseconds');
  };

  const vars: Record<string, string> = {
    endpointName: opts.endpointName,
    baselineVariant: baselineName,
    canaryVariant: canaryName,
  };
  const publishCustom = (canary: SimulatedVariant, periodStart: number): void => {
    for (const metric of opts.customMetrics ?? []) {
      const value = canary.custom[metric.name];
      if (value === undefined) continue;
      const dimensions = Object.fromEntries(
        Object.entries(metric.dimensions).map(([name, template]) => [
          name,
          template.replace(/\$\{(\w+)\}/g, (whole, key: string) => vars[key] ?? whole),
        ]),
      );
      opts.store.put(opts.region, {
        metric: { namespace: metric.namespace, metricName: metric.metricName, dimensions },
        timestamp: periodStart,
        value,
      });
    }
  };

  const variantRecord = (
    variantName: string,
    variant: SimulatedVariant,
    endpointConfigName?: string,
  ): TrafficVariantRecord => ({
    variantName,
    ...(endpointConfigName !== undefined ? { endpointConfigName } : {}),
    invocations: variant.invocations,
    errors5xx: variant.errors5xx,
    errors4xx: variant.errors4xx,
    latencyP99Ms: variant.latencyP99Ms,
  });

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    resolveDone();
  };

  const onPeriodClosed = (period: ClosedPeriod): void => {
    if (stopped) return;
    const traffic = readTraffic(opts.region, opts.endpointName);
    const fleets = traffic?.fleets;
    // Blue/green: the baseline variant's green fleet plays the canary; once the deployment has
    // completed the whole variant runs the new model. Otherwise the canary is its own variant.
    const newModelInBaseline =
      fleets !== undefined ||
      (traffic?.newModelServing === true && traffic.weights[canaryName] === undefined);
    const canaryWeight =
      traffic === undefined
        ? null
        : fleets
          ? fleets.greenShare * 100
          : newModelInBaseline
            ? 100
            : (traffic.weights[canaryName] ?? 0);
    // The variant whose requests the canary behaviour answers.
    const canaryServedBy = newModelInBaseline ? baselineName : canaryName;
    const shadow = traffic?.shadow?.variantName === canaryName ? traffic.shadow : undefined;
    // Without an endpoint there is no traffic at all; simulate with weight 0 only to keep the record shape.
    const simulated: SimulatedMinute = simulator.simulateMinute(
      minute,
      canaryWeight ?? 0,
      shadow ? { shadowShare: shadow.share } : {},
    );
    const published = traffic !== undefined && !simulated.dataGap;
    if (published) {
      publishVariant(baselineName, simulated.baseline, period.start);
      publishVariant(canaryServedBy, simulated.canary, period.start);
      if (fleets) {
        publishVariant(baselineName, simulated.baseline, period.start, fleets.blueConfigName);
        publishVariant(baselineName, simulated.canary, period.start, fleets.greenConfigName);
      }
      if (simulated.shadow) publishVariant(canaryName, simulated.shadow, period.start);
      publishCustom(simulated.shadow ?? simulated.canary, period.start);
    }
    const record: TrafficMinuteRecord = {
      minute,
      periodStart: period.start,
      canaryWeightPercent: canaryWeight,
      published,
      dataGap: simulated.dataGap,
      baseline: variantRecord(baselineName, simulated.baseline, fleets?.blueConfigName),
      canary: variantRecord(canaryServedBy, simulated.canary, fleets?.greenConfigName),
      canaryBadRequests: traffic === undefined ? 0 : simulated.canaryBadRequests,
      ...(simulated.shadow ? { shadow: variantRecord(canaryName, simulated.shadow) } : {}),
    };
    records.push(record);
    minute += 1;
    opts.onMinute?.(record);
    if (stopAtEnd && minute >= opts.scenario.durationMinutes) stop();
  };

  // `produce`: the minute's metrics must be in the store before alarms evaluate it.
  const unsubscribe = opts.clock.onPeriodClosed(onPeriodClosed, 'produce');

  return {
    stop,
    minutesPlayed: () => minute,
    records: () => records,
    done,
  };
}

/**
 * How the player reads the endpoint: through `getEndpointTraffic`, or, for callers that only
 * know weights, through `getEndpointWeights` (no shadow, no fleets).
 */
function endpointTrafficReader(
  opts: Pick<TrafficOptions, 'getEndpointTraffic' | 'getEndpointWeights'>,
): (region: string, endpointName: string) => EndpointTraffic | undefined {
  const { getEndpointTraffic, getEndpointWeights } = opts;
  if (getEndpointTraffic) return (region, name) => getEndpointTraffic(region, name);
  if (!getEndpointWeights) throw new TypeError('startTraffic needs getEndpointTraffic or getEndpointWeights');
  return (region, name) => {
    const weights = getEndpointWeights(region, name);
    return weights === undefined ? undefined : { weights, newModelServing: false };
  };
}
