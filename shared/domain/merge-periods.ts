import type { PeriodObservation, RolloutPolicy, VariantPeriodMetrics } from './types';

export interface MergeResult {
  recent: PeriodObservation[];
  lastPeriodTime: number | null;
  /** Periods taken in (new or corrections). */
  accepted: number;
  /** Periods older than the window of the newest period already seen: ignored. */
  stale: number;
  /** Periods later than `now`: ignored (a clock fault must not make every later period stale). */
  future: number;
}

const finiteOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
/** A count from untrusted data: finite, not negative, else 0. */
export const cleanCount = (value: unknown): number =>
  typeof value === 'number' && value > 0 && value < Infinity ? value : 0;

/** Keeps only what the engine reads, with NaN, negatives and wrong types turned into "no data". */
function cleanVariant(value: unknown): VariantPeriodMetrics | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const invocations = cleanCount(v.invocations);
  return {
    invocations,
    errors5xx: Math.min(cleanCount(v.errors5xx), invocations),
    errors4xx: Math.min(cleanCount(v.errors4xx), invocations),
    latencyAvgMs: finiteOrNull(v.latencyAvgMs),
    latencyP50Ms: finiteOrNull(v.latencyP50Ms),
    latencyP90Ms: finiteOrNull(v.latencyP90Ms),
    latencyP99Ms: finiteOrNull(v.latencyP99Ms),
  };
}

function cleanPeriod(policy: RolloutPolicy, period: PeriodObservation): PeriodObservation {
  const { baselineVariant, canaryVariant } = policy.endpoint;
  const variants: Record<string, VariantPeriodMetrics | undefined> = {};
  const source = typeof period.variants === 'object' && period.variants !== null ? period.variants : {};
  const baseline = cleanVariant(source[baselineVariant]);
  const canary = cleanVariant(source[canaryVariant]);
  if (baseline) variants[baselineVariant] = baseline;
  if (canary) variants[canaryVariant] = canary;
  const cleaned: PeriodObservation = { time: period.time, variants };
  if (typeof period.custom === 'object' && period.custom !== null) {
    const custom: Record<string, number | null> = {};
    let any = false;
    for (const metric of policy.analysis.metrics) {
      if (metric.type !== 'custom') continue;
      const value = period.custom[metric.name];
      if (typeof value === 'number' && Number.isFinite(value)) {
        custom[metric.name] = value;
        any = true;
      }
    }
    if (any) return { ...cleaned, custom };
  }
  return cleaned;
}

/**
 * Merges a tick's periods into the stored window. Inputs that drive it: each period's `time`
 * against `lastPeriodTime` and the window (`now - window`, `now`]. A period newer than any seen
 * is added; one at or before `lastPeriodTime` but still inside the window is a correction
 * (CloudWatch revises and back-fills recent periods) and replaces the stored one with the same
 * time; one older than the window is stale and ignored; one after `now` is ignored. The result
 * holds only the periods inside the window, oldest first, cleaned of values the engine cannot use.
 */
export function mergePeriods(
  policy: RolloutPolicy,
  recent: ReadonlyArray<PeriodObservation>,
  lastPeriodTime: number | null,
  periods: unknown,
  now: number,
): MergeResult {
  const windowMs = policy.analysis.windowSeconds * 1000;
  const merged: PeriodObservation[] = [];
  for (const period of recent) {
    if (period && period.time > now - windowMs) merged.push(period);
  }
  let newest = lastPeriodTime;
  let accepted = 0;
  let stale = 0;
  let future = 0;
  let sorted = true;
  if (Array.isArray(periods)) {
    for (const period of periods as unknown[]) {
      if (typeof period !== 'object' || period === null) continue;
      const time = (period as { time?: unknown }).time;
      if (typeof time !== 'number' || !Number.isFinite(time)) continue;
      if (time > now) {
        future++;
        continue;
      }
      if (lastPeriodTime !== null && time <= lastPeriodTime && time <= lastPeriodTime - windowMs) {
        stale++;
        continue;
      }
      accepted++;
      if (newest === null || time > newest) newest = time;
      if (time <= now - windowMs) continue; // newer than anything seen, yet already outside the window
      const cleaned = cleanPeriod(policy, period as PeriodObservation);
      const existing = merged.findIndex((p) => p.time === time);
      if (existing >= 0) merged[existing] = cleaned;
      else {
        if (merged.length > 0 && merged[merged.length - 1]!.time > time) sorted = false;
        merged.push(cleaned);
      }
    }
  }
  if (!sorted) merged.sort((a, b) => a.time - b.time);
  return { recent: merged, lastPeriodTime: newest, accepted, stale, future };
}
