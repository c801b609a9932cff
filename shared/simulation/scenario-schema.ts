/**
 * The scenario file format (documented in `scenarios/README.md`): simulated traffic for a baseline
 * and a canary variant, segment by segment, with faults at known minutes and the outcome a good
 * watchdog reaches. Parsing checks everything at once and reports every problem by path, like
 * the policy loader, so a broken scenario says what to fix.
 *
 * Unknown keys are dropped rather than refused: scenarios are written by many hands (and some
 * live outside this repository), and a newer optional field must not break older tools.
 *
 * Optional fields beyond the basic format (also in the README):
 * - a variant segment (and its `loadSensitivity`) may carry `customMetrics`:
 *   `{ "<policy metric name>": { "mean": 0.93, "stddev": 0.01 } }`, one value per minute per variant
 *   with traffic, for policies with `custom` metrics;
 * - an alarm may carry `datapointsToAlarm` and `treatMissingData` as CloudWatch alarms do;
 * - `hooks`: `{ "<hook name>": [{ "fromMinute": 0, "allow": false, "reason": "..." }, ...] }`, how
 *   the sandbox's receiver of each of the policy's hooks answers from that minute on (the engine
 *   alone, `replay` and `simulate`, ignores hooks: only the local stack plays them).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import type { ComparisonOperator, TreatMissingData } from './evaluate-alarm';

/** Period of one simulated "minute" when a scenario does not say. Seconds. */
export const DEFAULT_PERIOD_SECONDS = 60;

/** Policy used when a scenario names none, relative to the scenario's folder. */
export const DEFAULT_SCENARIO_POLICY = 'policies/standard.yaml';

/** Seed used when a scenario names none. */
export const DEFAULT_SCENARIO_SEED = 1;

/** Files may expect Promoted, RolledBack or Paused; the type also admits the other phases a run can end in. */
export type ScenarioOutcome = 'Promoted' | 'RolledBack' | 'Paused' | 'Aborted' | 'Progressing';

/** Metrics a scenario alarm may watch: the `AWS/SageMaker` per-variant metrics the simulator publishes. */
export type ScenarioAlarmMetric =
  'Invocations' | 'Invocation5XXErrors' | 'Invocation4XXErrors' | 'ModelLatency';

export interface LatencyProfile {
  /** Median latency, ms. */
  p50: number;
  /** 99th percentile latency, ms. */
  p99: number;
}

export interface CustomMetricProfile {
  /** Mean of the per-minute value. */
  mean: number;
  /** Standard deviation of the per-minute value (0: constant). */
  stddev: number;
}

/** How a variant behaves (fully resolved: every field known). */
export interface VariantProfile {
  errorRate5xx: number;
  errorRate4xx: number;
  latencyMs: LatencyProfile;
  customMetrics: Readonly<Record<string, CustomMetricProfile>>;
}

/** A variant segment after carry-over: its own profile plus the one it takes above `aboveWeight`. */
export interface ResolvedVariantSegment {
  fromMinute: number;
  profile: VariantProfile;
  loadSensitivity: { aboveWeight: number; profile: VariantProfile } | null;
}

export interface ResolvedTrafficSegment {
  fromMinute: number;
  requestsPerMinute: number;
  dataGap: boolean;
}

export interface ScenarioAlarm {
  name: string;
  /** The scenario variant (baseline or canary name) whose metric the alarm watches. */
  variant: string;
  metric: ScenarioAlarmMetric;
  /** Sum, Average, SampleCount, Minimum, Maximum or pNN (pNN.N). ModelLatency is in microseconds. */
  statistic: string;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  comparisonOperator: ComparisonOperator;
  treatMissingData?: TreatMissingData;
}

/** How a scenario's hook receiver answers from a minute on (the sandbox's receivers play it). */
export interface ScenarioHookAnswer {
  fromMinute: number;
  allow: boolean;
  reason?: string;
  /** HTTP status to answer with (default 200 for allow, 409 for no). */
  status?: number;
}

export interface Scenario {
  name: string;
  description: string;
  seed: number;
  periodSeconds: number;
  durationMinutes: number;
  endpoint: { name: string; baselineVariant: string; canaryVariant: string };
  /** Traffic segments after carry-over, ascending by `fromMinute`. */
  traffic: ReadonlyArray<ResolvedTrafficSegment>;
  /** Variant segments after carry-over, keyed by variant name, ascending by `fromMinute`. */
  variants: Readonly<Record<string, ReadonlyArray<ResolvedVariantSegment>>>;
  alarms: ReadonlyArray<ScenarioAlarm>;
  /** The policy path as written (relative to the scenario's folder). */
  policy: string;
  /** Absolute policy path when the scenario was loaded from a file (or parsed with a base folder). */
  policyPath: string | null;
  expect: {
    outcome: ScenarioOutcome;
    regressionFromMinute?: number;
    /** User requests the new model may answer (a shadow that fails: 0). Absent: not checked. */
    userTrafficToNewModel?: number;
  } | null;
  /** Scripts of the policy's hook receivers, by hook name, ascending by `fromMinute` (empty: none). */
  hooks: Readonly<Record<string, ReadonlyArray<ScenarioHookAnswer>>>;
}

/** A scenario that cannot be played; `problems` lists every reason by path. */
export class ScenarioValidationError extends Error {
  override readonly name = 'ScenarioValidationError';
  constructor(
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid scenario:\n${problems.join('\n')}`, options);
  }
}

const rate = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const minute = z.number().int('must be a whole minute').min(0, 'must be >= 0');
const positiveMs = z.number().positive('must be > 0');
const latencySchema = z.object({ p50: positiveMs.optional(), p99: positiveMs.optional() });
const customSchema = z.record(
  z.string(),
  z.object({ mean: z.number(), stddev: z.number().min(0, 'must be >= 0').optional() }),
);
const profileFields = {
  errorRate5xx: rate.optional(),
  errorRate4xx: rate.optional(),
  latencyMs: latencySchema.optional(),
  customMetrics: customSchema.optional(),
};
const variantSegmentSchema = z.object({
  fromMinute: minute,
  ...profileFields,
  loadSensitivity: z
    .object({ aboveWeight: z.number().min(0).max(100, 'must be between 0 and 100'), ...profileFields })
    .nullable()
    .optional(),
});
const trafficSegmentSchema = z.object({
  fromMinute: minute,
  requestsPerMinute: z.number().min(0, 'must be >= 0').optional(),
  dataGap: z.boolean().optional(),
});
const statisticSchema = z
  .string()
  .regex(
    /^(Sum|Average|SampleCount|Minimum|Maximum|p\d{1,2}(\.\d+)?)$/,
    'must be Sum, Average, SampleCount, Minimum, Maximum or pNN',
  );
const alarmSchema = z.object({
  name: z.string().min(1),
  variant: z.string().min(1),
  metric: z.enum(['Invocations', 'Invocation5XXErrors', 'Invocation4XXErrors', 'ModelLatency']),
  statistic: statisticSchema,
  threshold: z.number(),
  evaluationPeriods: z.number().int().min(1, 'must be >= 1'),
  datapointsToAlarm: z.number().int().min(1, 'must be >= 1').optional(),
  comparisonOperator: z.enum([
    'GreaterThanThreshold',
    'GreaterThanOrEqualToThreshold',
    'LessThanThreshold',
    'LessThanOrEqualToThreshold',
  ]),
  treatMissingData: z.enum(['missing', 'notBreaching', 'breaching', 'ignore']).optional(),
});
const rawScenarioSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  seed: z.number().int().optional(),
  periodSeconds: z.number().int().positive().optional(),
  durationMinutes: z.number().int().min(1, 'must be >= 1'),
  endpoint: z.object({
    name: z.string().min(1),
    baselineVariant: z.string().min(1),
    canaryVariant: z.string().min(1),
  }),
  traffic: z.array(trafficSegmentSchema).min(1, 'needs at least one segment'),
  variants: z.record(z.string(), z.array(variantSegmentSchema).min(1, 'needs at least one segment')),
  alarms: z.array(alarmSchema).optional(),
  policy: z.string().min(1).optional(),
  hooks: z
    .record(
      z.string().regex(/^[a-z0-9-]+$/, 'must be a hook name (lower-case letters, digits and hyphens)'),
      z
        .array(
          z.object({
            fromMinute: minute,
            allow: z.boolean(),
            reason: z.string().max(300, 'must be at most 300 characters').optional(),
            status: z.number().int().min(200).max(599).optional(),
          }),
        )
        .min(1, 'needs at least one answer'),
    )
    .optional(),
  expect: z
    .object({
      outcome: z.enum(['Promoted', 'RolledBack', 'Paused']),
      regressionFromMinute: minute.optional(),
      userTrafficToNewModel: z.number().int().min(0, 'must be >= 0').optional(),
    })
    .optional(),
});

type RawScenario = z.infer<typeof rawScenarioSchema>;
type RawProfileFields = Pick<z.infer<typeof variantSegmentSchema>, keyof typeof profileFields>;

/** Formats a zod issue path like the policy loader: `variants.canary[1].errorRate5xx`. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Validates a raw scenario (parsed JSON) and resolves its segments (carry-over of unnamed
 * fields). `baseDir`, the scenario's folder, turns `policy` into an absolute `policyPath`.
 */
export function parseScenario(
  raw: unknown,
  options: { baseDir?: string } = {},
): { ok: true; scenario: Scenario } | { ok: false; problems: string[] } {
  const parsed = rawScenarioSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) };
  }
  const problems: string[] = [];
  const value = parsed.data;
  const traffic = resolveTraffic(value, problems);
  const variants: Record<string, ResolvedVariantSegment[]> = {};
  for (const [name, segments] of Object.entries(value.variants)) {
    variants[name] = resolveVariant(name, segments, problems);
  }
  const { baselineVariant, canaryVariant } = value.endpoint;
  if (baselineVariant === canaryVariant) {
    problems.push('endpoint.canaryVariant: must differ from endpoint.baselineVariant');
  }
  for (const [field, variant] of [
    ['baselineVariant', baselineVariant],
    ['canaryVariant', canaryVariant],
  ] as const) {
    if (!value.variants[variant]) problems.push(`variants.${variant}: missing (named by endpoint.${field})`);
  }
  const alarms = value.alarms ?? [];
  alarms.forEach((alarm, i) => {
    if (alarm.variant !== baselineVariant && alarm.variant !== canaryVariant) {
      problems.push(`alarms[${i}].variant: must be ${baselineVariant} or ${canaryVariant}`);
    }
    if (alarm.datapointsToAlarm !== undefined && alarm.datapointsToAlarm > alarm.evaluationPeriods) {
      problems.push(`alarms[${i}].datapointsToAlarm: must not exceed evaluationPeriods`);
    }
  });
  const names = new Set<string>();
  alarms.forEach((alarm, i) => {
    if (names.has(alarm.name)) problems.push(`alarms[${i}].name: duplicate alarm name ${alarm.name}`);
    names.add(alarm.name);
  });
  if (problems.length > 0) return { ok: false, problems };

  for (const [name, answers] of Object.entries(value.hooks ?? {}))
    checkAscending(answers, `hooks.${name}`, problems);
  if (problems.length > 0) return { ok: false, problems };

  const policy = value.policy ?? DEFAULT_SCENARIO_POLICY;
  const scenario: Scenario = {
    name: value.name,
    description: value.description ?? '',
    seed: value.seed ?? DEFAULT_SCENARIO_SEED,
    periodSeconds: value.periodSeconds ?? DEFAULT_PERIOD_SECONDS,
    durationMinutes: value.durationMinutes,
    endpoint: { ...value.endpoint },
    traffic,
    variants,
    alarms: alarms.map((a) => ({ ...a })),
    policy,
    policyPath: options.baseDir ? resolve(options.baseDir, policy) : null,
    expect: value.expect ? { ...value.expect } : null,
    hooks: Object.fromEntries(
      Object.entries(value.hooks ?? {}).map(([name, answers]) => [name, answers.map((a) => ({ ...a }))]),
    ),
  };
  return { ok: true, scenario: deepFreeze(scenario) };
}

/**
 * Reads and validates a scenario file (JSON). `policyPath` is resolved against the file's folder.
 * Throws `ScenarioValidationError` listing every problem (an unreadable file or bad JSON is one).
 */
export function loadScenarioFile(path: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ScenarioValidationError([`${path}: ${(error as Error).message}`], { cause: error });
  }
  const result = parseScenario(raw, { baseDir: dirname(resolve(path)) });
  if (!result.ok) throw new ScenarioValidationError(result.problems);
  return result.scenario;
}

function checkAscending(
  segments: ReadonlyArray<{ fromMinute: number }>,
  path: string,
  problems: string[],
): void {
  for (let i = 1; i < segments.length; i++) {
    const previous = segments[i - 1]?.fromMinute ?? 0;
    if ((segments[i]?.fromMinute ?? 0) <= previous) {
      problems.push(`${path}[${i}].fromMinute: must be greater than the previous segment's (${previous})`);
    }
  }
}

function resolveTraffic(value: RawScenario, problems: string[]): ResolvedTrafficSegment[] {
  checkAscending(value.traffic, 'traffic', problems);
  const out: ResolvedTrafficSegment[] = [];
  let requestsPerMinute: number | undefined;
  let dataGap = false;
  value.traffic.forEach((segment, i) => {
    requestsPerMinute = segment.requestsPerMinute ?? requestsPerMinute;
    dataGap = segment.dataGap ?? dataGap;
    if (requestsPerMinute === undefined) {
      problems.push(`traffic[${i}].requestsPerMinute: required (no earlier segment gives it)`);
      return;
    }
    out.push({ fromMinute: segment.fromMinute, requestsPerMinute, dataGap });
  });
  return out;
}

function overlay(base: Partial<VariantProfile>, fields: RawProfileFields): Partial<VariantProfile> {
  const out: Partial<VariantProfile> = { ...base };
  if (fields.errorRate5xx !== undefined) out.errorRate5xx = fields.errorRate5xx;
  if (fields.errorRate4xx !== undefined) out.errorRate4xx = fields.errorRate4xx;
  if (fields.latencyMs) out.latencyMs = { ...(base.latencyMs ?? {}), ...fields.latencyMs } as LatencyProfile;
  if (fields.customMetrics) {
    const custom: Record<string, CustomMetricProfile> = { ...(base.customMetrics ?? {}) };
    for (const [name, metric] of Object.entries(fields.customMetrics)) {
      custom[name] = { mean: metric.mean, stddev: metric.stddev ?? custom[name]?.stddev ?? 0 };
    }
    out.customMetrics = custom;
  }
  return out;
}

function complete(partial: Partial<VariantProfile>, path: string, problems: string[]): VariantProfile | null {
  const latency = partial.latencyMs as Partial<LatencyProfile> | undefined;
  if (latency?.p50 === undefined || latency.p99 === undefined) {
    problems.push(`${path}.latencyMs: p50 and p99 are required (no earlier segment gives them)`);
    return null;
  }
  if (latency.p99 < latency.p50) {
    problems.push(`${path}.latencyMs.p99: must be >= p50 (${latency.p50})`);
    return null;
  }
  // Error rates default to 0: a variant that never fails needs not say so.
  return {
    errorRate5xx: partial.errorRate5xx ?? 0,
    errorRate4xx: partial.errorRate4xx ?? 0,
    latencyMs: { p50: latency.p50, p99: latency.p99 },
    customMetrics: partial.customMetrics ?? {},
  };
}

function resolveVariant(
  name: string,
  segments: RawScenario['variants'][string],
  problems: string[],
): ResolvedVariantSegment[] {
  const path = `variants.${name}`;
  checkAscending(segments, path, problems);
  const out: ResolvedVariantSegment[] = [];
  let carried: Partial<VariantProfile> = {};
  let sensitivity: { aboveWeight: number; fields: RawProfileFields } | null = null;
  segments.forEach((segment, i) => {
    carried = overlay(carried, segment);
    if (segment.loadSensitivity === null) sensitivity = null;
    else if (segment.loadSensitivity) {
      const { aboveWeight, ...fields } = segment.loadSensitivity;
      sensitivity = { aboveWeight, fields };
    }
    const profile = complete(carried, `${path}[${i}]`, problems);
    if (!profile) return;
    let loadSensitivity: ResolvedVariantSegment['loadSensitivity'] = null;
    const active = sensitivity as { aboveWeight: number; fields: RawProfileFields } | null;
    if (active) {
      const scaled = complete(overlay(profile, active.fields), `${path}[${i}].loadSensitivity`, problems);
      if (scaled) loadSensitivity = { aboveWeight: active.aboveWeight, profile: scaled };
    }
    out.push({ fromMinute: segment.fromMinute, profile, loadSensitivity });
  });
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
