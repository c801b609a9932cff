/**
 * A simulated minute as a `rollout-watchdog replay` input line: what CloudWatch would return for
 * the period, per variant (latencies in ms), plus the scenario alarms' states. The line's fields
 * are `ReplayInputLine` below; `parse-replay-line.ts` reads them back.
 */
import type { AlarmStateValue, VariantPeriodMetrics } from '../domain/types';
import type { SimulatedMinute, SimulatedVariant } from './scenario-simulator';

/** Start of every simulated scenario (the first minute begins here). Epoch ms. */
export const SCENARIO_START_TIME = Date.UTC(2026, 0, 1);

/** One variant's aggregates in a replay input line: the engine's period of one variant. Latencies in ms. */
export type ReplayVariantMetrics = VariantPeriodMetrics;

/** A replay input line, with the optional `custom` values (custom metric values by policy metric name). */
export interface ReplayInputLine {
  time: string;
  variants: Record<string, ReplayVariantMetrics>;
  alarms?: Record<string, AlarmStateValue>;
  custom?: Record<string, number | null>;
}

/** ISO time without milliseconds (`2026-01-01T00:01:00Z`): whole periods need none, and lines stay short. */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('.000Z', 'Z');
}

/** Start of minute `minute` of a scenario, epoch ms. */
export function periodStartOf(minute: number, periodSeconds: number, start = SCENARIO_START_TIME): number {
  return start + minute * periodSeconds * 1000;
}

/** End of minute `minute`: the time of its replay line (and of the judgement on it), epoch ms. */
export function periodEndOf(minute: number, periodSeconds: number, start = SCENARIO_START_TIME): number {
  return start + (minute + 1) * periodSeconds * 1000;
}

const round3 = (value: number | null): number | null =>
  value === null ? null : Math.round(value * 1000) / 1000;

function variantLine(variant: SimulatedVariant): ReplayVariantMetrics {
  return {
    invocations: variant.invocations,
    errors5xx: variant.errors5xx,
    errors4xx: variant.errors4xx,
    latencyAvgMs: round3(variant.latencyAvgMs),
    latencyP50Ms: round3(variant.latencyP50Ms),
    latencyP90Ms: round3(variant.latencyP90Ms),
    latencyP99Ms: round3(variant.latencyP99Ms),
  };
}

/**
 * The replay input line for `minute`, stamped `timeMs` (the period's end). A variant without
 * requests is left out and a data gap leaves `variants` empty, because CloudWatch has no
 * datapoints then (not zeros). `alarms` are included when given; custom metric values come from
 * the canary (policies judge the canary's model metrics) and are omitted when there are none.
 * During a shadow (a shadow share and no canary weight) the canary's entry is the shadow's copies.
 */
export function toReplayLine(
  minute: SimulatedMinute,
  timeMs: number,
  alarms?: Readonly<Record<string, AlarmStateValue>>,
): ReplayInputLine {
  const variants: Record<string, ReplayVariantMetrics> = {};
  // A shadow runs under the canary variant's name (SageMaker publishes its copies' metrics there)
  // while the canary has no weight: the new model's numbers are the shadow's then.
  const newModel = minute.shadow && minute.canary.invocations === 0 ? minute.shadow : minute.canary;
  if (!minute.dataGap) {
    for (const variant of [minute.baseline, newModel]) {
      if (variant.invocations > 0) variants[variant.name] = variantLine(variant);
    }
  }
  const line: ReplayInputLine = { time: isoTime(timeMs), variants };
  if (alarms && Object.keys(alarms).length > 0) line.alarms = { ...alarms };
  const customNames = Object.keys(newModel.profile.customMetrics);
  if (customNames.length > 0) {
    const custom: Record<string, number | null> = {};
    for (const name of customNames) custom[name] = minute.dataGap ? null : (newModel.custom[name] ?? null);
    line.custom = custom;
  }
  return line;
}
