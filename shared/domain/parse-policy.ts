import type { core } from 'zod/mini';
import {
  DEFAULT_BLUE_GREEN_BAKE_SECONDS,
  DEFAULT_BLUE_GREEN_WAIT_INTERVAL_SECONDS,
  DEFAULT_FAILURE_LIMIT,
  DEFAULT_HOOK_FAILURE_LIMIT,
  DEFAULT_HOOK_KIND,
  DEFAULT_HOOK_ON_FAILURE,
  DEFAULT_HOOK_RETRIES,
  DEFAULT_HOOK_TIMEOUT_SECONDS,
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
  BLUE_GREEN_BAKE_RANGE,
  BLUE_GREEN_CAPACITY_PERCENT_RANGE,
  BLUE_GREEN_MAXIMUM_EXECUTION_TIMEOUT_RANGE,
  BLUE_GREEN_WAIT_INTERVAL_RANGE,
  HOOK_POINTS,
  NOTIFY_ONLY_HOOK_POINTS,
  pauseStepSchema,
  type RawBlueGreen,
  type RawHook,
  type RawMetric,
  type RawPolicy,
  rawPolicySchema,
  setWeightStepSchema,
} from './policy-schema';
import type {
  BlueGreenPolicy,
  BlueGreenRouting,
  HookPoint,
  HookPolicy,
  MetricPolicy,
  RolloutPolicy,
  Step,
} from './types';
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
  problems.push(...checkStrategy(raw), ...checkHooks(raw));
  return problems;
}

/** Whole seconds of a duration field that may be `0s`, or null when it is not one. */
const secondsOf = (value: unknown): number | null => (value === '0s' ? 0 : durationOf(value));

/** `strategy` holds exactly one of canary / blueGreen; the shadow and the blue/green plan make sense together with the rest. */
function checkStrategy(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!isJsonObject(raw.strategy)) return problems;
  const { canary, blueGreen } = raw.strategy;
  if ((canary === undefined) === (blueGreen === undefined)) {
    problems.push(
      canary === undefined
        ? 'strategy: must hold one of canary or blueGreen'
        : 'strategy: must hold one of canary or blueGreen, not both',
    );
  }
  const analysis = isJsonObject(raw.analysis) ? raw.analysis : {};
  const interval = analysis.interval === undefined ? DEFAULT_INTERVAL_SECONDS : durationOf(analysis.interval);
  if (isJsonObject(canary) && isJsonObject(canary.shadow)) {
    const duration = durationOf(canary.shadow.duration);
    if (duration !== null && interval !== null && duration < interval) {
      // Shorter than one analysis interval, the shadow would become the canary without ever being judged.
      problems.push(
        `strategy.canary.shadow.duration: must not be shorter than analysis.interval (${duration}s < ${interval}s)`,
      );
    }
  }
  if (isJsonObject(blueGreen)) problems.push(...checkBlueGreen(blueGreen));
  return problems;
}

const withinRange = (seconds: number | null, range: { min: number; max: number }): number | null =>
  seconds !== null && seconds >= range.min && seconds <= range.max ? seconds : null;

function checkBlueGreen(blueGreen: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const at = 'strategy.blueGreen';
  const routing = isJsonObject(blueGreen.trafficRouting) ? blueGreen.trafficRouting : {};
  const type = routing.type;
  const size = routing.size;
  if (type === 'allAtOnce' && size !== undefined) {
    problems.push(
      `${at}.trafficRouting.size: only applies to type canary or linear (allAtOnce shifts all traffic at once)`,
    );
  }
  if ((type === 'canary' || type === 'linear') && size === undefined) {
    problems.push(
      `${at}.trafficRouting.size: is required for type ${type} (${type === 'canary' ? 'the first share' : 'the share of each step'}: { capacityPercent: N } or { instanceCount: N })`,
    );
  }
  if (isJsonObject(size) && (type === 'canary' || type === 'linear')) {
    const { capacityPercent, instanceCount } = size;
    if ((capacityPercent === undefined) === (instanceCount === undefined)) {
      problems.push(`${at}.trafficRouting.size: must hold exactly one of capacityPercent or instanceCount`);
    }
    const range = BLUE_GREEN_CAPACITY_PERCENT_RANGE[type];
    if (
      typeof capacityPercent === 'number' &&
      Number.isInteger(capacityPercent) &&
      (capacityPercent < range.min || capacityPercent > range.max)
    ) {
      problems.push(
        `${at}.trafficRouting.size.capacityPercent: must be between ${range.min} and ${range.max}`,
      );
    }
    if (typeof instanceCount === 'number' && Number.isInteger(instanceCount) && instanceCount < 1) {
      problems.push(`${at}.trafficRouting.size.instanceCount: must be at least 1`);
    }
  }
  // Only between values valid on their own: an out-of-range one already has its problem.
  const wait =
    routing.waitInterval === undefined
      ? DEFAULT_BLUE_GREEN_WAIT_INTERVAL_SECONDS
      : withinRange(secondsOf(routing.waitInterval), BLUE_GREEN_WAIT_INTERVAL_RANGE);
  const bake =
    blueGreen.bake === undefined
      ? DEFAULT_BLUE_GREEN_BAKE_SECONDS
      : withinRange(secondsOf(blueGreen.bake), BLUE_GREEN_BAKE_RANGE);
  const timeout = withinRange(
    durationOf(blueGreen.maximumExecutionTimeout),
    BLUE_GREEN_MAXIMUM_EXECUTION_TIMEOUT_RANGE,
  );
  if (timeout !== null && wait !== null && bake !== null && timeout <= wait + bake) {
    // SageMaker asks for a timeout longer than its waiting time; a shorter one would roll back every deployment.
    problems.push(
      `${at}.maximumExecutionTimeout: must be longer than waitInterval + bake (${timeout}s <= ${wait + bake}s)`,
    );
  }
  if (Array.isArray(blueGreen.alarms)) {
    const seen = new Set<unknown>();
    blueGreen.alarms.forEach((alarm, index) => {
      if (typeof alarm === 'string' && seen.has(alarm)) {
        problems.push(`${at}.alarms[${index}]: duplicate alarm "${alarm}"`);
      }
      seen.add(alarm);
    });
  }
  return problems;
}

const isHookPoint = (value: unknown): value is HookPoint =>
  typeof value === 'string' && (HOOK_POINTS as readonly string[]).includes(value);

/** Hook points that hold a rollout between steps: blue/green has none (SageMaker shifts its traffic in one call). */
const STEP_HOOK_POINTS: ReadonlySet<string> = new Set(['beforeStep', 'beforePromotion']);

/** Each hook: where it runs, what it calls, and whether it may hold the rollout there. */
function checkHooks(raw: Record<string, unknown>): string[] {
  if (!Array.isArray(raw.hooks)) return [];
  const problems: string[] = [];
  const blueGreen = isJsonObject(raw.strategy) && raw.strategy.blueGreen !== undefined;
  const names = new Set<unknown>();
  raw.hooks.forEach((hook, index) => {
    if (!isJsonObject(hook)) return;
    const at = formatPath(['hooks', index]);
    if (typeof hook.name === 'string') {
      if (names.has(hook.name)) problems.push(`${at}.name: duplicate hook name "${hook.name}"`);
      names.add(hook.name);
    }
    const points = checkHookPoints(hook.at, `${at}.at`, problems);
    const notifyOnly = points.filter(({ point }) => NOTIFY_ONLY_HOOK_POINTS.has(point));
    if ((hook.type ?? DEFAULT_HOOK_KIND) === 'gate' && notifyOnly.length > 0) {
      problems.push(
        `${at}.type: must be notify for a hook at ${notifyOnly.map(({ point }) => point).join(', ')} (nothing is left to hold there; type defaults to gate)`,
      );
    }
    if (blueGreen) {
      for (const { point, path } of points) {
        if (STEP_HOOK_POINTS.has(point)) {
          problems.push(
            `${path}: ${point} does not apply to strategy.blueGreen (SageMaker shifts its traffic itself and cannot be held between shifts; use beforeStart)`,
          );
        }
      }
    }
    if (hook.url !== undefined && hook.lambda !== undefined) {
      problems.push(`${at}: must have exactly one of url or lambda, not both`);
    } else if (hook.url === undefined && hook.lambda === undefined) {
      problems.push(`${at}: needs url or lambda (what to call)`);
    }
    if (hook.secret !== undefined && hook.url === undefined) {
      problems.push(`${at}.secret: only applies to url hooks (a Lambda function is invoked with IAM)`);
    }
    if (hook.type === 'notify') {
      for (const key of ['failureLimit', 'onFailure'] as const) {
        if (hook[key] !== undefined) {
          problems.push(`${at}.${key}: only applies to type gate (a notify hook never holds the rollout)`);
        }
      }
    }
  });
  return problems;
}

/**
 * The points of a hook's `at` (one point or a non-empty list of distinct points), each with the
 * path to name it by; every malformed entry is added to `problems`.
 */
function checkHookPoints(
  value: unknown,
  path: string,
  problems: string[],
): Array<{ point: HookPoint; path: string }> {
  const expected = `must be one of ${HOOK_POINTS.join(', ')}`;
  if (value === undefined) {
    problems.push(`${path}: is required`);
    return [];
  }
  if (value === '' || (Array.isArray(value) && value.length === 0)) {
    problems.push(`${path}: must not be empty`);
    return [];
  }
  if (typeof value === 'string') {
    if (isHookPoint(value)) return [{ point: value, path }];
    problems.push(`${path}: ${expected}, or a list of them`);
    return [];
  }
  if (!Array.isArray(value)) {
    problems.push(`${path}: ${expected}, or a list of them`);
    return [];
  }
  const points: Array<{ point: HookPoint; path: string }> = [];
  value.forEach((entry, index) => {
    const at = `${path}[${index}]`;
    if (!isHookPoint(entry)) problems.push(`${at}: ${expected}`);
    else if (points.some(({ point }) => point === entry)) problems.push(`${at}: repeats ${entry}`);
    else points.push({ point: entry, path: at });
  });
  return points;
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

function normaliseBlueGreen(raw: RawBlueGreen): BlueGreenPolicy {
  const routing = raw.trafficRouting;
  const waitSeconds =
    routing?.waitInterval === undefined
      ? DEFAULT_BLUE_GREEN_WAIT_INTERVAL_SECONDS
      : (secondsOf(routing.waitInterval) ?? DEFAULT_BLUE_GREEN_WAIT_INTERVAL_SECONDS);
  let normalisedRouting: BlueGreenRouting = { type: 'allAtOnce', waitSeconds };
  if (routing !== undefined && routing.type !== 'allAtOnce' && routing.size !== undefined) {
    const { capacityPercent, instanceCount } = routing.size;
    normalisedRouting = {
      type: routing.type,
      size:
        capacityPercent === undefined
          ? { unit: 'instanceCount', value: instanceCount ?? 1 }
          : { unit: 'capacityPercent', value: capacityPercent },
      waitSeconds,
    };
  }
  const timeout = durationOf(raw.maximumExecutionTimeout);
  return {
    routing: normalisedRouting,
    bakeSeconds:
      raw.bake === undefined
        ? DEFAULT_BLUE_GREEN_BAKE_SECONDS
        : (secondsOf(raw.bake) ?? DEFAULT_BLUE_GREEN_BAKE_SECONDS),
    ...(timeout === null ? {} : { maximumExecutionTimeoutSeconds: timeout }),
    alarms: [...(raw.alarms ?? [])],
  };
}

function normaliseHook(raw: RawHook): HookPolicy {
  const at = (typeof raw.at === 'string' ? [raw.at] : raw.at) as HookPoint[];
  return {
    name: raw.name,
    at: [...at],
    kind: raw.type ?? DEFAULT_HOOK_KIND,
    target:
      raw.url === undefined
        ? { type: 'lambda', functionName: raw.lambda as string }
        : {
            type: 'https',
            url: raw.url,
            ...(raw.secret === undefined ? {} : { secretParameter: raw.secret }),
          },
    timeoutSeconds: durationOf(raw.timeout) ?? DEFAULT_HOOK_TIMEOUT_SECONDS,
    retries: raw.retries ?? DEFAULT_HOOK_RETRIES,
    failureLimit: raw.failureLimit ?? DEFAULT_HOOK_FAILURE_LIMIT,
    onFailure: raw.onFailure ?? DEFAULT_HOOK_ON_FAILURE,
  };
}

function normalise(raw: RawPolicy): RolloutPolicy {
  const { canary, blueGreen } = raw.strategy;
  return {
    apiVersion: raw.apiVersion,
    endpoint: { ...raw.endpoint },
    // A blue/green policy has no steps of the watchdog's: SageMaker shifts the traffic.
    steps: canary === undefined ? [] : canary.steps.map(normaliseStep),
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
    ...(canary?.shadow === undefined
      ? {}
      : {
          shadow: {
            samplingPercent: canary.shadow.samplingPercent,
            durationSeconds: durationOf(canary.shadow.duration) ?? 0,
          },
        }),
    ...(blueGreen === undefined ? {} : { blueGreen: normaliseBlueGreen(blueGreen) }),
    // Absent rather than [] without hooks, so policies written before hooks normalise as they did.
    ...(raw.hooks === undefined ? {} : { hooks: raw.hooks.map(normaliseHook) }),
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
 * a 0 % step after the first, exactly one of `strategy.canary` / `strategy.blueGreen`, the
 * blue/green size for its routing type and its timeout vs its waits, each hook's points and
 * target). A blue/green policy normalises with `steps: []` and `blueGreen`; a policy without
 * the new fields normalises exactly as before (no `shadow`, `blueGreen` or `hooks` keys).
 * A valid policy carries the warnings of `checkStepWeights`.
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
