import type { core } from 'zod/mini';
import {
  DEFAULT_FAILURE_LIMIT,
  DEFAULT_INCONCLUSIVE_LIMIT,
  DEFAULT_INTERVAL_SECONDS,
  DEFAULT_MIN_CANARY_INVOCATIONS,
  DEFAULT_CLEAN_UP_AFTER_ROLLBACK_SECONDS,
  DEFAULT_RETIRE_BASELINE_AFTER_SECONDS,
  DEFAULT_STAGED_OBSERVE_SECONDS,
  DEFAULT_WINDOW_SECONDS,
} from './defaults';
import { parseDuration } from './parse-duration';
import {
  pauseStepSchema,
  type RawMetric,
  type RawPolicy,
  rawPolicySchema,
  setWeightStepSchema,
} from './policy-schema';
import type { MetricPolicy, RolloutPolicy, Step } from './types';
import { isJsonObject } from './is-json-object';

/**
 * A valid policy comes with `warnings`: plans that run but are probably not what was meant (a step
 * that lowers or repeats the canary's weight). They never refuse the policy.
 */
export type ParsePolicyResult =
  { ok: true; policy: RolloutPolicy; warnings: string[] } | { ok: false; problems: string[] };

type PathSegment = PropertyKey;

/** Deepest nesting a policy may have; a full policy nests 5 levels. Levels. */
export const MAX_POLICY_DEPTH = 16;

/** Most keys and list items a policy may hold, all levels together; a full policy holds about 70; YAML checks a mapping's keys for duplicates pairwise, so this also bounds that. Entries. */
export const MAX_POLICY_ENTRIES = 500;

/**
 * Most problems listed for one policy or request; the rest are counted in one last line. A
 * policy refused for a hundred thousand unknown keys must not answer with all of them. Lines.
 */
export const MAX_REPORTED_PROBLEMS = 50;

/**
 * `problems` with at most `max` listed: when there are more, the first `max` and then
 * `... and N more problems`, so a refusal's size does not grow with its input.
 */
export function limitProblems(problems: readonly string[], max: number = MAX_REPORTED_PROBLEMS): string[] {
  if (problems.length <= max) return [...problems];
  return [...problems.slice(0, max), `... and ${problems.length - max} more problems`];
}

/**
 * The one problem of a value nested deeper than `MAX_POLICY_DEPTH` or holding more than
 * `MAX_POLICY_ENTRIES` keys and list items, or undefined. Walked without recursion and left as
 * soon as a limit is passed, so neither deep nesting nor shared subtrees (YAML aliases) make it
 * costly; a cycle is deep by definition.
 */
export function policySizeProblem(raw: unknown): string | undefined {
  let entries = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value: raw, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_POLICY_DEPTH) return `(policy): nested deeper than ${MAX_POLICY_DEPTH} levels`;
    const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
    entries += children.length;
    if (entries > MAX_POLICY_ENTRIES)
      return `(policy): holds more than ${MAX_POLICY_ENTRIES} keys and list items`;
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}

/** `['strategy','canary','steps',2,'setWeight']` → `strategy.canary.steps[2].setWeight`. */
export function formatPath(path: ReadonlyArray<PathSegment>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(policy)' : out;
}

const EXPECTED_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  null: 'empty',
};

/** Per-parse messages for the issues the schema does not word itself. */
const errorMessage = (issue: core.$ZodRawIssue): string | undefined => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int') return 'must be a whole number';
      return `must be ${EXPECTED_WORDS[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options)) {
        return `must be one of ${issue.options.map((v: unknown) => String(v)).join(', ')}`;
      }
      return undefined;
    default:
      return undefined;
  }
};

function issuesToProblems(
  issues: ReadonlyArray<core.$ZodIssue>,
  prefix: ReadonlyArray<PathSegment>,
): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(`${formatPath([...path, key])}: unknown key`);
    } else {
      problems.push(`${formatPath(path)}: ${issue.message}`);
    }
  }
  return problems;
}

const durationOf = (value: unknown): number | null =>
  typeof value === 'string' ? parseDuration(value) : null;

/** Each step is exactly one of `setWeight` or `pause`. */
function checkSteps(
  steps: unknown,
  base: ReadonlyArray<PathSegment> = ['strategy', 'canary', 'steps'],
): string[] {
  if (!Array.isArray(steps)) return [];
  const problems: string[] = [];
  steps.forEach((step, index) => {
    const at: PathSegment[] = [...base, index];
    if (isJsonObject(step) && 'setWeight' in step) {
      const result = setWeightStepSchema.safeParse(step, { error: errorMessage });
      if (!result.success) problems.push(...issuesToProblems(result.error.issues, at));
    } else if (isJsonObject(step) && 'pause' in step) {
      const result = pauseStepSchema.safeParse(step, { error: errorMessage });
      if (!result.success) problems.push(...issuesToProblems(result.error.issues, at));
    } else {
      problems.push(
        `${formatPath(at)}: must be either { setWeight: <percent> } or { pause: { duration?: <duration> } }`,
      );
    }
  });
  return problems;
}

/**
 * How the `setWeight` steps relate to each other. A plan normally only raises the canary's share.
 * A 0 % step after the first would leave the canary serving nothing while the plan goes on (and
 * be judged inconclusive throughout): that is a rollback or an abort, which are their own commands,
 * so it is refused. A weight that goes down or repeats is allowed (a team may mean it: a
 * second look at a smaller share) but warned about, as it is usually a typo.
 */
function checkStepWeights(steps: unknown): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!Array.isArray(steps)) return { problems, warnings };
  let previous: { weight: number; index: number } | undefined;
  steps.forEach((step, index) => {
    if (!isJsonObject(step) || typeof step.setWeight !== 'number') return;
    const weight = step.setWeight;
    const at = formatPath(['strategy', 'canary', 'steps', index, 'setWeight']);
    if (previous !== undefined && weight === 0) {
      problems.push(
        `${at}: must be above 0 after the first step (the canary would serve nothing while the plan goes on; use rollback or abort to take its traffic away)`,
      );
    } else if (previous !== undefined && weight < previous.weight) {
      warnings.push(
        `${at}: ${weight} is lower than the ${previous.weight} of steps[${previous.index}], so the canary's share goes back`,
      );
    } else if (previous !== undefined && weight === previous.weight) {
      warnings.push(`${at}: repeats the ${weight} of steps[${previous.index}], so this step changes nothing`);
    } else if (previous === undefined && weight === 0) {
      warnings.push(
        `${at}: the first step gives the canary no traffic, so every judgement is inconclusive until the next setWeight`,
      );
    }
    previous = { weight, index };
  });
  return { problems, warnings };
}

/** Rules that relate fields to each other; read defensively from the raw value so they run even when other fields are malformed. */
function checkRelations(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const endpoint = isJsonObject(raw.endpoint) ? raw.endpoint : {};
  if (
    typeof endpoint.baselineVariant === 'string' &&
    endpoint.baselineVariant !== '' &&
    endpoint.baselineVariant === endpoint.canaryVariant
  ) {
    problems.push(`endpoint.canaryVariant: must differ from baselineVariant ("${endpoint.baselineVariant}")`);
  }

  const analysis = isJsonObject(raw.analysis) ? raw.analysis : {};
  const interval = analysis.interval === undefined ? DEFAULT_INTERVAL_SECONDS : durationOf(analysis.interval);
  const window = analysis.window === undefined ? DEFAULT_WINDOW_SECONDS : durationOf(analysis.window);
  if (interval !== null && interval % 60 !== 0) {
    // SageMaker publishes endpoint metrics once a minute, and CloudWatch answers GetMetricData for
    // such metrics only in periods that are multiples of 60 s: any other interval cannot be read.
    problems.push(`analysis.interval: must be a whole number of minutes, got ${interval}s`);
  }
  if (interval !== null && window !== null && window < interval) {
    problems.push(`analysis.window: must not be shorter than analysis.interval (${window}s < ${interval}s)`);
  }

  if (Array.isArray(analysis.metrics)) {
    const seen = new Set<string>();
    analysis.metrics.forEach((metric, index) => {
      if (!isJsonObject(metric)) return;
      const at = formatPath(['analysis', 'metrics', index]);
      if (typeof metric.name === 'string') {
        if (seen.has(metric.name)) problems.push(`${at}.name: duplicate metric name "${metric.name}"`);
        seen.add(metric.name);
      }
      if (metric.type === 'errorRate' && metric.threshold === undefined && metric.maxIncrease === undefined) {
        problems.push(
          `${at}: an errorRate metric needs threshold or maxIncrease (otherwise it judges nothing)`,
        );
      }
      if (
        metric.type === 'latency' &&
        metric.thresholdMs === undefined &&
        metric.maxIncreasePct === undefined
      ) {
        problems.push(
          `${at}: a latency metric needs thresholdMs or maxIncreasePct (otherwise it judges nothing)`,
        );
      }
      if (metric.type === 'custom') {
        if (metric.min === undefined && metric.max === undefined) {
          problems.push(`${at}: a custom metric needs min or max (otherwise it judges nothing)`);
        } else if (
          typeof metric.min === 'number' &&
          typeof metric.max === 'number' &&
          metric.min > metric.max
        ) {
          problems.push(`${at}.min: must not be greater than max (${metric.min} > ${metric.max})`);
        }
      }
    });
  }

  const rollback = isJsonObject(raw.rollback) ? raw.rollback : {};
  if (Array.isArray(rollback.onAlarms)) {
    const seen = new Set<string>();
    rollback.onAlarms.forEach((alarm, index) => {
      if (!isJsonObject(alarm)) return;
      const at = formatPath(['rollback', 'onAlarms', index]);
      if (typeof alarm.alarmName === 'string') {
        if (seen.has(alarm.alarmName)) problems.push(`${at}.alarmName: duplicate alarm "${alarm.alarmName}"`);
        seen.add(alarm.alarmName);
      }
      if (alarm.observe !== undefined && alarm.strategy !== 'staged') {
        problems.push(`${at}.observe: only applies to strategy staged`);
      }
    });
  }

  if (Array.isArray(raw.regions)) {
    const seen = new Set<string>();
    raw.regions.forEach((target, index) => {
      if (!isJsonObject(target)) return;
      const key = `${String(target.endpointName)}@${String(target.region)}`;
      const at = formatPath(['regions', index]);
      problems.push(...checkSteps(target.steps, ['regions', index, 'steps']));
      if (target.region === endpoint.region && target.endpointName === endpoint.name) {
        problems.push(
          `${at}: repeats the primary endpoint ${String(endpoint.name)} in ${String(endpoint.region)}`,
        );
      } else if (seen.has(key)) {
        problems.push(
          `${at}: duplicate region target ${String(target.endpointName)} in ${String(target.region)}`,
        );
      }
      seen.add(key);
    });
  }
  return problems;
}

function normaliseStep(step: unknown): Step {
  const record = step as Record<string, unknown>;
  if ('setWeight' in record) return { kind: 'setWeight', weight: record.setWeight as number };
  const pause = record.pause as { duration?: string } | null;
  return {
    kind: 'pause',
    durationSeconds: pause?.duration === undefined ? null : parseDuration(pause.duration),
  };
}

function normaliseMetric(metric: RawMetric): MetricPolicy {
  const failureLimit = metric.failureLimit ?? DEFAULT_FAILURE_LIMIT;
  switch (metric.type) {
    case 'errorRate':
      return {
        type: 'errorRate',
        name: metric.name,
        ...(metric.threshold === undefined ? {} : { threshold: metric.threshold }),
        ...(metric.maxIncrease === undefined ? {} : { maxIncrease: metric.maxIncrease }),
        errorClasses: metric.includeClientErrors ? ['5xx', '4xx'] : ['5xx'],
        failureLimit,
      };
    case 'latency':
      return {
        type: 'latency',
        name: metric.name,
        statistic: metric.statistic,
        ...(metric.thresholdMs === undefined ? {} : { thresholdMs: metric.thresholdMs }),
        ...(metric.maxIncreasePct === undefined ? {} : { maxIncreasePct: metric.maxIncreasePct }),
        failureLimit,
      };
    case 'custom':
      return {
        type: 'custom',
        name: metric.name,
        namespace: metric.namespace,
        metricName: metric.metricName,
        dimensions: { ...(metric.dimensions ?? {}) },
        statistic: metric.statistic,
        ...(metric.min === undefined ? {} : { min: metric.min }),
        ...(metric.max === undefined ? {} : { max: metric.max }),
        failureLimit,
      };
  }
}

function normalise(raw: RawPolicy): RolloutPolicy {
  return {
    apiVersion: raw.apiVersion,
    endpoint: { ...raw.endpoint },
    steps: raw.strategy.canary.steps.map(normaliseStep),
    analysis: {
      intervalSeconds: durationOf(raw.analysis.interval) ?? DEFAULT_INTERVAL_SECONDS,
      windowSeconds: durationOf(raw.analysis.window) ?? DEFAULT_WINDOW_SECONDS,
      minCanaryInvocations: raw.analysis.minCanaryInvocations ?? DEFAULT_MIN_CANARY_INVOCATIONS,
      inconclusiveLimit: raw.analysis.inconclusiveLimit ?? DEFAULT_INCONCLUSIVE_LIMIT,
      metrics: raw.analysis.metrics.map(normaliseMetric),
    },
    rollback: {
      onAlarms: (raw.rollback?.onAlarms ?? []).map((alarm) => ({
        alarmName: alarm.alarmName,
        strategy: alarm.strategy ?? 'immediate',
        observeSeconds: durationOf(alarm.observe) ?? DEFAULT_STAGED_OBSERVE_SECONDS,
      })),
    },
    regions: (raw.regions ?? []).map(({ bake, steps, ...target }) => ({
      ...target,
      ...(bake === undefined ? {} : { bakeSeconds: bake === '0s' ? 0 : (parseDuration(bake) ?? 0) }),
      ...(steps === undefined ? {} : { steps: steps.map(normaliseStep) }),
    })),
    ...(raw.artifacts ? { artifacts: { ...raw.artifacts } } : {}),
    lifecycle: {
      canary: { ...raw.lifecycle?.canary },
      retireBaselineAfterSeconds: delayOf(
        raw.lifecycle?.retireBaseline?.after,
        DEFAULT_RETIRE_BASELINE_AFTER_SECONDS,
      ),
      cleanUpAfterRollbackSeconds: delayOf(
        raw.lifecycle?.cleanUpAfterRollback?.after,
        DEFAULT_CLEAN_UP_AFTER_ROLLBACK_SECONDS,
      ),
    },
  };
}

/** A lifecycle delay in seconds: `never` is null, `0s` is 0, omitted is the default. */
function delayOf(text: string | undefined, fallback: number): number | null {
  if (text === undefined) return fallback;
  if (text === 'never') return null;
  if (text === '0s') return 0;
  return parseDuration(text) ?? fallback;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates a raw policy (parsed YAML/JSON; fields in docs/policy-reference.md) and normalises it
 * into the frozen `RolloutPolicy` the engine runs on: durations in seconds, defaults filled in.
 *
 * The whole policy is refused when anything is wrong, and every problem is listed at once as
 * `path: message` (`strategy.canary.steps[2].setWeight: must be between 0 and 100`), driven by:
 * the structure and ranges of each field, unknown keys, the `steps` entries, and the relations
 * between fields (window vs interval, duplicate names, baseline vs canary, regions vs primary,
 * a 0 % step after the first). A valid policy carries the warnings of `checkStepWeights`.
 * A value nested deeper than `MAX_POLICY_DEPTH` or larger than `MAX_POLICY_ENTRIES` is refused
 * with that one problem before anything else; at most `MAX_REPORTED_PROBLEMS` are listed.
 */
export function parsePolicy(raw: unknown): ParsePolicyResult {
  // Before the schema: its work (and its list of problems) would grow with an oversized value.
  const tooBig = policySizeProblem(raw);
  if (tooBig !== undefined) return { ok: false, problems: [tooBig] };
  const parsed = rawPolicySchema.safeParse(raw, { error: errorMessage });
  const problems = parsed.success ? [] : issuesToProblems(parsed.error.issues, []);
  let warnings: string[] = [];
  if (isJsonObject(raw)) {
    const strategy = isJsonObject(raw.strategy) ? raw.strategy : {};
    const canary = isJsonObject(strategy.canary) ? strategy.canary : {};
    const weights = checkStepWeights(canary.steps);
    problems.push(...checkSteps(canary.steps), ...weights.problems, ...checkRelations(raw));
    warnings = weights.warnings;
  }
  if (!parsed.success || problems.length > 0)
    return { ok: false, problems: limitProblems([...new Set(problems)]) };
  return { ok: true, policy: deepFreeze(normalise(parsed.data)), warnings };
}
