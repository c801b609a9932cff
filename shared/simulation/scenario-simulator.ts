/**
 * Plays one minute of a scenario at a time, by the rules in `scenarios/README.md`
 * ("How a minute is simulated"):
 * 1. total requests N ~ Poisson(requestsPerMinute); the canary gets Binomial(N, w/100);
 * 2. per variant with n requests: 5XX ~ Binomial(n, errorRate5xx), 4XX likewise;
 * 3. each request's latency is log-normal with mu = ln p50, sigma = (ln p99 − ln p50) / 2.3263;
 *    the minute's avg/p50/p90/p99 are those statistics of the n draws (null when n = 0).
 *
 * Each minute draws from its own stream, seeded from (seed, minute): `simulateMinute(m, w)` is a
 * pure function of the scenario, the seed, m and w, so callers may replay, skip or repeat minutes
 * (the sandbox publishes by its clock; tests replay) and still get the same numbers.
 *
 * The canary weight is a parameter because the watchdog decides it: the weights in force after
 * the decision on minute m − 1 split minute m's traffic.
 *
 * A shadow share (SageMaker's shadow variant) copies requests rather than taking them: each of
 * the minute's N requests is copied to the shadow with probability `shadowShare`, and the copies
 * behave as the scenario's canary. The copies draw from a second stream derived from the
 * minute's seed, so asking for a shadow leaves every production number of the minute unchanged.
 */
import type { VariantPeriodMetrics } from '../domain/types';
import type { ResolvedVariantSegment, Scenario, VariantProfile } from './scenario-schema';
import { createSeededRandom, mixSeed, type SeededRandom } from './seeded-random';

/** z of the 99th percentile of the standard normal: sigma = (ln p99 − ln p50) / this. */
export const Z_P99 = 2.3263;

/**
 * Most latency draws made for one variant in one minute. Above it, the statistics come from this
 * many draws and each draw stands for invocations / MAX_LATENCY_DRAWS requests: with 50,000
 * draws the sampling noise of a p99 is already far below anything a policy could judge, and a
 * scenario with millions of requests a minute stays fast. Requests.
 */
export const MAX_LATENCY_DRAWS = 50_000;

export type VariantRole = 'baseline' | 'canary' | 'shadow';

/**
 * Salt mixed into a minute's seed for its shadow stream: the copies must not consume the
 * production stream's draws.
 */
const SHADOW_STREAM = 0x5ad0_0001;

/** A variant's simulated minute: what CloudWatch would aggregate for the period, and the requests behind it. */
export interface SimulatedVariant extends VariantPeriodMetrics {
  name: string;
  role: VariantRole;
  /** Share of traffic the variant had during the minute, percent. */
  weightPercent: number;
  /** The requests' latencies, ms, sorted ascending (at most MAX_LATENCY_DRAWS of them). */
  latencyDrawsMs: Float64Array;
  /** Requests each draw stands for: 1 unless invocations exceed MAX_LATENCY_DRAWS. */
  drawWeight: number;
  /** Custom metric values of the minute by name (none without traffic). */
  custom: Readonly<Record<string, number>>;
  /** The behaviour in force (after load sensitivity). */
  profile: VariantProfile;
}

export interface SimulatedMinute {
  minute: number;
  /** Canary weight in force during the minute, whole percent. */
  canaryWeightPercent: number;
  totalRequests: number;
  /** True when CloudWatch publishes no datapoints for this minute (the requests still happen). */
  dataGap: boolean;
  baseline: SimulatedVariant;
  canary: SimulatedVariant;
  /** Both variants by name. */
  variants: Readonly<Record<string, SimulatedVariant>>;
  /** The baseline's configured p99 this minute, ms: the line a canary request must not cross. */
  baselineConfiguredP99Ms: number;
  /** Canary requests that failed (5XX) or were slower than the baseline's configured p99. */
  canaryBadRequests: number;
  /**
   * The copies sent to the shadow (canary behaviour; they answer nobody), when a shadow share
   * was asked for. Its `weightPercent` is the share copied, percent.
   */
  shadow?: SimulatedVariant;
}

/** What else runs beside the production variants during a minute. */
export interface MinuteOptions {
  /** Share of the minute's requests copied to a shadow variant, 0..1 (clamped); 0 or absent: no shadow. */
  shadowShare?: number;
}

export interface ScenarioSimulator {
  readonly scenario: Scenario;
  readonly seed: number;
  /**
   * Simulates minute `minute` (0-based) with the canary at `canaryWeightPercent` (clamped to
   * 0..100) and, when `options.shadowShare` is above 0, that share of the requests copied to a shadow.
   */
  simulateMinute(minute: number, canaryWeightPercent: number, options?: MinuteOptions): SimulatedMinute;
}

/**
 * Creates a simulator for `scenario`. `options.seed` overrides the scenario's own seed
 * (tests run several seeds per scenario).
 */
export function createScenarioSimulator(
  scenario: Scenario,
  options: { seed?: number } = {},
): ScenarioSimulator {
  const seed = options.seed ?? scenario.seed;
  const { baselineVariant, canaryVariant } = scenario.endpoint;
  const baselineSegments = scenario.variants[baselineVariant] ?? [];
  const canarySegments = scenario.variants[canaryVariant] ?? [];
  const periodFactor = scenario.periodSeconds / 60;

  const simulateMinute = (
    minute: number,
    canaryWeightPercent: number,
    options: MinuteOptions = {},
  ): SimulatedMinute => {
    const w = Number.isFinite(canaryWeightPercent) ? Math.min(100, Math.max(0, canaryWeightPercent)) : 0;
    const minuteSeed = mixSeed(seed, minute);
    const random = createSeededRandom(minuteSeed);
    const traffic = segmentAt(scenario.traffic, minute);
    const totalRequests = random.poisson((traffic?.requestsPerMinute ?? 0) * periodFactor);
    const canaryRequests = random.binomial(totalRequests, w / 100);
    const baselineProfile = profileAt(baselineSegments, minute, 100 - w);
    const canaryProfile = profileAt(canarySegments, minute, w);
    const baselineP99 = baselineProfile.latencyMs.p99;
    const baseline = simulateVariant(
      random,
      baselineVariant,
      'baseline',
      100 - w,
      totalRequests - canaryRequests,
      baselineProfile,
      null,
    );
    const slow = { threshold: baselineP99, bad: 0 };
    const canary = simulateVariant(random, canaryVariant, 'canary', w, canaryRequests, canaryProfile, slow);
    const share = options.shadowShare;
    const shadowShare = share !== undefined && Number.isFinite(share) ? Math.min(1, Math.max(0, share)) : 0;
    let shadow: SimulatedVariant | undefined;
    if (shadowShare > 0) {
      const copies = createSeededRandom(mixSeed(minuteSeed, SHADOW_STREAM));
      const shadowPercent = shadowShare * 100;
      shadow = simulateVariant(
        copies,
        canaryVariant,
        'shadow',
        shadowPercent,
        copies.binomial(totalRequests, shadowShare),
        profileAt(canarySegments, minute, shadowPercent),
        null,
      );
    }
    return {
      minute,
      canaryWeightPercent: w,
      totalRequests,
      dataGap: traffic?.dataGap ?? false,
      baseline,
      canary,
      variants: { [baselineVariant]: baseline, [canaryVariant]: canary },
      baselineConfiguredP99Ms: baselineP99,
      canaryBadRequests: slow.bad,
      ...(shadow ? { shadow } : {}),
    };
  };

  return { scenario, seed, simulateMinute };
}

/** The segment in force at `minute`: the last one starting at or before it (the first before any). */
export function segmentAt<T extends { fromMinute: number }>(
  segments: ReadonlyArray<T>,
  minute: number,
): T | undefined {
  let found = segments[0];
  for (const segment of segments) {
    if (segment.fromMinute <= minute) found = segment;
    else break;
  }
  return found;
}

/** The profile a variant has at `minute` with `sharePercent` of the traffic (load sensitivity applied). */
export function profileAt(
  segments: ReadonlyArray<ResolvedVariantSegment>,
  minute: number,
  sharePercent: number,
): VariantProfile {
  const segment = segmentAt(segments, minute);
  if (!segment) throw new Error('scenario variant without segments (parseScenario refuses these)');
  const sensitivity = segment.loadSensitivity;
  return sensitivity && sharePercent > sensitivity.aboveWeight ? sensitivity.profile : segment.profile;
}

function simulateVariant(
  random: SeededRandom,
  name: string,
  role: VariantRole,
  weightPercent: number,
  invocations: number,
  profile: VariantProfile,
  slow: { threshold: number; bad: number } | null,
): SimulatedVariant {
  const errors5xx = random.binomial(invocations, profile.errorRate5xx);
  const errors4xx = random.binomial(invocations, profile.errorRate4xx);
  const drawCount = Math.min(invocations, MAX_LATENCY_DRAWS);
  const draws = new Float64Array(drawCount);
  const mu = Math.log(profile.latencyMs.p50);
  const sigma = (Math.log(profile.latencyMs.p99) - mu) / Z_P99;
  let sum = 0;
  for (let i = 0; i < drawCount; i++) {
    const latency = Math.exp(mu + sigma * random.normal());
    draws[i] = latency;
    sum += latency;
  }
  if (slow) {
    // The 5XX requests are a random subset of the requests; draws come in random order, so the
    // first errors5xx (scaled) draws stand for the failed ones and the rest are checked for
    // slowness: failed-or-slow is counted once.
    const drawWeight = invocations > 0 ? invocations / Math.max(1, drawCount) : 1;
    const failedDraws = Math.min(drawCount, Math.round(errors5xx / drawWeight));
    let slowDraws = 0;
    for (let i = failedDraws; i < drawCount; i++) if ((draws[i] ?? 0) > slow.threshold) slowDraws++;
    slow.bad = errors5xx + Math.round(slowDraws * drawWeight);
  }
  draws.sort();
  const custom: Record<string, number> = {};
  if (invocations > 0) {
    for (const [metric, spec] of Object.entries(profile.customMetrics)) {
      custom[metric] = spec.mean + (spec.stddev > 0 ? spec.stddev * random.normal() : 0);
    }
  }
  return {
    name,
    role,
    weightPercent,
    invocations,
    errors5xx,
    errors4xx,
    latencyAvgMs: drawCount > 0 ? sum / drawCount : null,
    latencyP50Ms: percentileOfSorted(draws, 50),
    latencyP90Ms: percentileOfSorted(draws, 90),
    latencyP99Ms: percentileOfSorted(draws, 99),
    latencyDrawsMs: draws,
    drawWeight: drawCount > 0 ? invocations / drawCount : 1,
    custom,
    profile,
  };
}

/**
 * The `percent` percentile of ascending `sorted` values by nearest rank (the smallest value with
 * at least `percent`% of the values at or below it), or null when there are none.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, percent: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const rank = Math.min(n, Math.max(1, Math.ceil((percent / 100) * n)));
  return sorted[rank - 1] ?? null;
}
