import {
  array,
  boolean,
  discriminatedUnion,
  enum as oneOf,
  gt,
  gte,
  type infer as Infer,
  int,
  literal,
  lte,
  maxLength,
  minLength,
  nullable,
  number,
  optional,
  record,
  refine,
  regex,
  strictObject,
  string,
  unknown,
} from 'zod/mini';
import { isKnownRegion } from './aws-regions';
import { POLICY_API_VERSION } from './defaults';
import { parseDuration } from './parse-duration';
import { ARTIFACT_PLACEHOLDERS, unknownPlaceholders } from './region-artifacts';

/**
 * The RAW rollout policy (fields and defaults: docs/policy-reference.md) as a zod 4 schema (zod/mini: the
 * functional API tree-shakes, so each function bundles only the checks it uses):
 * exactly what a person writes in YAML or JSON. Every object is strict, so a typo (`treshold`) is
 * a problem rather than a silently ignored key. Structure and per-field rules live here; rules
 * that relate two fields (window vs interval, duplicate names, ...) and the `steps` entries live
 * in `parsePolicy`, so every problem is reported at once even when some fields are malformed.
 */

/** SageMaker's rule for endpoint and variant names. */
export const SAGEMAKER_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
/** SageMaker's length limit for endpoint and variant names. Characters. */
export const SAGEMAKER_NAME_MAX_LENGTH = 63;

const sageMakerName = string().check(
  maxLength(SAGEMAKER_NAME_MAX_LENGTH, { error: `must be at most ${SAGEMAKER_NAME_MAX_LENGTH} characters` }),
  regex(SAGEMAKER_NAME_PATTERN, {
    error:
      'must be letters, digits and single or repeated hyphens, starting and ending with a letter or digit',
  }),
);

const region = string().check(
  refine(isKnownRegion, { error: (iss) => `unknown AWS region "${String(iss.input)}"` }),
);

/** `30s`, `10m`, `1h`: a positive whole number and one unit. */
export const durationSchema = string().check(
  refine((text) => parseDuration(text) !== null, {
    error: 'must be a positive whole number followed by s, m or h (e.g. 30s, 10m, 1h)',
  }),
);

const fraction = number().check(
  gte(0, { error: 'must be a fraction between 0 and 1 (0.05 = 5%)' }),
  lte(1, { error: 'must be a fraction between 0 and 1 (0.05 = 5%)' }),
);

const failureLimit = number().check(int(), gte(1, { error: 'must be at least 1' }));

const notEmpty = minLength(1, { error: 'must not be empty' });

const metricName = string().check(notEmpty, maxLength(128, { error: 'must be at most 128 characters' }));

/** Weight of a `setWeight` step: whole percent. */
export const weightSchema = number().check(
  int(),
  gte(0, { error: 'must be between 0 and 100' }),
  lte(100, { error: 'must be between 0 and 100' }),
);

export const setWeightStepSchema = strictObject({ setWeight: weightSchema });

/** `pause: {}` (or a bare `pause:` in YAML) waits for a person; `pause: { duration: 10m }` waits that long. */
export const pauseStepSchema = strictObject({
  pause: nullable(strictObject({ duration: optional(durationSchema) })),
});

const errorRateMetricSchema = strictObject({
  name: metricName,
  type: literal('errorRate'),
  threshold: optional(fraction),
  maxIncrease: optional(fraction),
  /** 4XX are the client's fault; count them only when a policy says so. */
  includeClientErrors: optional(boolean()),
  failureLimit: optional(failureLimit),
});

const latencyMetricSchema = strictObject({
  name: metricName,
  type: literal('latency'),
  statistic: oneOf(['avg', 'p50', 'p90', 'p99']),
  thresholdMs: optional(number().check(gt(0, { error: 'must be greater than 0' }))),
  maxIncreasePct: optional(number().check(gte(0, { error: 'must be 0 or more' }))),
  failureLimit: optional(failureLimit),
});

/** CloudWatch statistics: the named ones, percentiles (p99, p99.9) and the trimmed/winsorized families. */
export const CLOUDWATCH_STATISTIC_PATTERN =
  /^(Average|Sum|Minimum|Maximum|SampleCount|IQM|(p|tm|wm|tc|ts|pr)\d{1,2}(\.\d{1,10})?|p100)$/;

const text255 = string().check(notEmpty, maxLength(255, { error: 'must be at most 255 characters' }));

const customMetricSchema = strictObject({
  name: metricName,
  type: literal('custom'),
  namespace: text255,
  metricName: text255,
  dimensions: optional(record(string().check(notEmpty), string().check(notEmpty))),
  statistic: string().check(
    regex(CLOUDWATCH_STATISTIC_PATTERN, {
      error: 'must be a CloudWatch statistic (Average, Sum, Minimum, Maximum, SampleCount, p99, ...)',
    }),
  ),
  min: optional(number()),
  max: optional(number()),
  failureLimit: optional(failureLimit),
});

export const metricSchema = discriminatedUnion('type', [
  errorRateMetricSchema,
  latencyMetricSchema,
  customMetricSchema,
]);

const alarmSchema = strictObject({
  alarmName: text255,
  strategy: optional(oneOf(['immediate', 'staged'])),
  /** Only for `staged`: how long to observe at half weight. */
  observe: optional(durationSchema),
});

/** An image or model data template: its placeholders must be ones region-artifacts.ts fills. */
const artifactTemplate = string().check(
  notEmpty,
  maxLength(1024, { error: 'must be at most 1024 characters' }),
  refine((text) => unknownPlaceholders(text).length === 0, {
    error: (iss) =>
      `unknown placeholder {${unknownPlaceholders(String(iss.input)).join('}, {')}} (known: {${[...ARTIFACT_PLACEHOLDERS].join('}, {')}})`,
  }),
);

const modelDataTemplate = artifactTemplate.check(
  regex(/^(s3|https):\/\/[^/]+\/.+/, { error: 'must be an S3 URL such as s3://models-{region}/{key}' }),
);

const artifactsSchema = strictObject({
  modelDataUrl: optional(modelDataTemplate),
  image: optional(artifactTemplate),
});

const regionTargetSchema = strictObject({
  region,
  endpointName: sageMakerName,
  modelDataUrl: optional(modelDataTemplate),
  image: optional(artifactTemplate),
  bake: optional(
    string().check(
      refine((text) => text === '0s' || parseDuration(text) !== null, {
        error: 'must be a duration (0s for no bake, 30s, 10m, 1h)',
      }),
    ),
  ),
  repairDrift: optional(boolean()),
  // Entries are checked one by one in parsePolicy, as strategy.canary.steps are.
  steps: optional(array(unknown()).check(minLength(1, { error: 'must hold at least one step' }))),
});

/** SageMaker's instance type names (`ml.m5.xlarge`, `ml.g5.2xlarge`). */
export const INSTANCE_TYPE_PATTERN = /^ml\.[a-z0-9]+\.[a-z0-9]+$/;

/** A lifecycle delay: a duration, `0s` for at once, or `never`. */
export const lifecycleDelaySchema = string().check(
  refine((text) => text === 'never' || text === '0s' || parseDuration(text) !== null, {
    error: 'must be a duration (0s for at once, 30s, 10m, 1h) or never',
  }),
);

const lifecycleSchema = strictObject({
  canary: optional(
    strictObject({
      instanceType: optional(
        string().check(
          regex(INSTANCE_TYPE_PATTERN, { error: 'must be a SageMaker instance type such as ml.m5.xlarge' }),
        ),
      ),
      instanceCount: optional(
        number().check(
          int(),
          gte(1, { error: 'must be between 1 and 100' }),
          lte(100, { error: 'must be between 1 and 100' }),
        ),
      ),
    }),
  ),
  retireBaseline: optional(strictObject({ after: lifecycleDelaySchema })),
  cleanUpAfterRollback: optional(strictObject({ after: lifecycleDelaySchema })),
});

/** A duration of `min` to `max` seconds; `0s` is 0, so it passes only when `min` is 0. */
const durationWithin = (min: number, max: number): ReturnType<typeof string> =>
  string().check(
    refine(
      (text) => {
        const seconds = text === '0s' ? 0 : parseDuration(text);
        return seconds !== null && seconds >= min && seconds <= max;
      },
      {
        error: `must be a duration from ${durationText(min)} to ${durationText(max)} (a whole number and s, m or h)`,
      },
    ),
  );

/** 3600 → `1h`, 600 → `10m`, 0 → `0s`: for the limits named in problems. */
function durationText(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** `strategy.canary.shadow.samplingPercent`: whole percent of production requests copied to the shadow. */
export const SHADOW_SAMPLING_PERCENT_RANGE = { min: 1, max: 100 } as const;

const shadowSchema = strictObject({
  samplingPercent: number().check(
    int(),
    gte(SHADOW_SAMPLING_PERCENT_RANGE.min, { error: 'must be between 1 and 100' }),
    lte(SHADOW_SAMPLING_PERCENT_RANGE.max, { error: 'must be between 1 and 100' }),
  ),
  duration: durationSchema,
});

/** SageMaker's WaitIntervalInSeconds range (TrafficRoutingConfig): `trafficRouting.waitInterval`. Seconds. */
export const BLUE_GREEN_WAIT_INTERVAL_RANGE = { min: 0, max: 3600 } as const;
/** SageMaker's TerminationWaitInSeconds range (BlueGreenUpdatePolicy): `blueGreen.bake`. Seconds. */
export const BLUE_GREEN_BAKE_RANGE = { min: 0, max: 3600 } as const;
/** SageMaker's MaximumExecutionTimeoutInSeconds range (BlueGreenUpdatePolicy): `blueGreen.maximumExecutionTimeout`. Seconds. */
export const BLUE_GREEN_MAXIMUM_EXECUTION_TIMEOUT_RANGE = { min: 600, max: 28_800 } as const;
/**
 * SageMaker's sizes of a shift, in percent of the fleet's capacity: a CANARY's first share at most
 * half the fleet, each LINEAR step 10..50 %. Percent.
 */
export const BLUE_GREEN_CAPACITY_PERCENT_RANGE = {
  canary: { min: 1, max: 50 },
  linear: { min: 10, max: 50 },
} as const;
/**
 * Most alarms of the team's own in `strategy.blueGreen.alarms`: SageMaker's AutoRollbackConfiguration
 * takes 10, and one of them is the watchdog's verdict alarm. Alarms.
 */
export const MAX_BLUE_GREEN_ALARMS = 9;

const blueGreenSchema = strictObject({
  trafficRouting: optional(
    strictObject({
      type: oneOf(['allAtOnce', 'canary', 'linear']),
      // Which unit, and its range for the routing type, is checked in parsePolicy (it depends on `type`).
      size: optional(
        strictObject({
          capacityPercent: optional(number().check(int())),
          instanceCount: optional(number().check(int())),
        }),
      ),
      waitInterval: optional(
        durationWithin(BLUE_GREEN_WAIT_INTERVAL_RANGE.min, BLUE_GREEN_WAIT_INTERVAL_RANGE.max),
      ),
    }),
  ),
  bake: optional(durationWithin(BLUE_GREEN_BAKE_RANGE.min, BLUE_GREEN_BAKE_RANGE.max)),
  maximumExecutionTimeout: optional(
    durationWithin(
      BLUE_GREEN_MAXIMUM_EXECUTION_TIMEOUT_RANGE.min,
      BLUE_GREEN_MAXIMUM_EXECUTION_TIMEOUT_RANGE.max,
    ),
  ),
  alarms: optional(
    array(text255).check(
      maxLength(MAX_BLUE_GREEN_ALARMS, {
        error: `must hold at most ${MAX_BLUE_GREEN_ALARMS} alarms (SageMaker takes 10, one is the watchdog's verdict alarm)`,
      }),
    ),
  ),
});

/** Where a hook may run, in the order a rollout reaches them. */
export const HOOK_POINTS = [
  'beforeStart',
  'beforeStep',
  'beforePromotion',
  'afterEnd',
  'onRollback',
] as const;
/** Hook points after which nothing is left to hold: a hook there can only be told (`type: notify`). */
export const NOTIFY_ONLY_HOOK_POINTS: ReadonlySet<string> = new Set(['afterEnd', 'onRollback']);
/** A hook's name: lower-case letters, digits and hyphens, so it reads the same in URLs, history and logs. */
export const HOOK_NAME_PATTERN = /^[a-z0-9-]+$/;
/** Longest hook name. Characters. */
export const HOOK_NAME_MAX_LENGTH = 64;
/** Longest `timeout` of one hook call (a held rollout is judged each tick; a call must fit in one). Seconds. */
export const MAX_HOOK_TIMEOUT_SECONDS = 60;
/** Most `retries` of one hook call. Calls. */
export const MAX_HOOK_RETRIES = 5;
/** A Lambda function name, partial ARN or ARN, optionally with a version or alias, as Lambda's Invoke takes it. */
export const LAMBDA_FUNCTION_PATTERN =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
/** An SSM parameter name (`/rollout-watchdog/hooks/load-test` or `hook-key`). */
export const SSM_PARAMETER_NAME_PATTERN = /^\/?[a-zA-Z0-9_.-]+(\/[a-zA-Z0-9_.-]+)*$/;

/**
 * A hook's URL: https, or plain http to this machine only (a receiver under local test), because
 * the call carries the rollout's details and, when signed, must not be readable on the way.
 */
export function isAllowedHookUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return url.hostname !== '';
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1');
}

const hookSchema = strictObject({
  name: string().check(
    notEmpty,
    maxLength(HOOK_NAME_MAX_LENGTH, { error: `must be at most ${HOOK_NAME_MAX_LENGTH} characters` }),
    // Empty is notEmpty's problem alone.
    refine((text) => text === '' || HOOK_NAME_PATTERN.test(text), {
      error: 'must be lower-case letters, digits and hyphens',
    }),
  ),
  // One point or a list of them; checked in parsePolicy, which words each wrong entry by its index.
  at: unknown(),
  type: optional(oneOf(['gate', 'notify'])),
  url: optional(
    string().check(
      maxLength(2048, { error: 'must be at most 2048 characters' }),
      refine(isAllowedHookUrl, {
        error: 'must be an https URL (plain http only to localhost or 127.0.0.1, for local testing)',
      }),
    ),
  ),
  lambda: optional(
    string().check(
      maxLength(170, { error: 'must be at most 170 characters' }),
      regex(LAMBDA_FUNCTION_PATTERN, { error: 'must be a Lambda function name or ARN' }),
    ),
  ),
  secret: optional(
    string().check(
      maxLength(1011, { error: 'must be at most 1011 characters' }),
      regex(SSM_PARAMETER_NAME_PATTERN, {
        error: 'must be an SSM parameter name such as /rollout-watchdog/hooks/load-test',
      }),
    ),
  ),
  timeout: optional(durationWithin(1, MAX_HOOK_TIMEOUT_SECONDS)),
  retries: optional(
    number().check(
      int(),
      gte(0, { error: `must be between 0 and ${MAX_HOOK_RETRIES}` }),
      lte(MAX_HOOK_RETRIES, { error: `must be between 0 and ${MAX_HOOK_RETRIES}` }),
    ),
  ),
  failureLimit: optional(failureLimit),
  onFailure: optional(oneOf(['rollback', 'pause'])),
});

export const rawPolicySchema = strictObject({
  apiVersion: literal(POLICY_API_VERSION, { error: `must be ${POLICY_API_VERSION}` }),
  endpoint: strictObject({
    name: sageMakerName,
    region,
    baselineVariant: sageMakerName,
    canaryVariant: sageMakerName,
  }),
  // Exactly one of canary / blueGreen: parsePolicy says so at `strategy`, where a person looks.
  strategy: strictObject({
    canary: optional(
      strictObject({
        // Entries are checked one by one in parsePolicy (each is setWeight XOR pause).
        steps: array(unknown()).check(minLength(1, { error: 'must hold at least one step' })),
        shadow: optional(shadowSchema),
      }),
    ),
    blueGreen: optional(blueGreenSchema),
  }),
  analysis: strictObject({
    interval: optional(durationSchema),
    window: optional(durationSchema),
    minCanaryInvocations: optional(number().check(int(), gte(0, { error: 'must be 0 or more' }))),
    inconclusiveLimit: optional(number().check(int(), gte(1, { error: 'must be at least 1' }))),
    metrics: array(metricSchema).check(
      minLength(1, { error: 'must hold at least one metric (without metrics nothing is judged)' }),
    ),
  }),
  rollback: optional(strictObject({ onAlarms: optional(array(alarmSchema)) })),
  regions: optional(array(regionTargetSchema)),
  artifacts: optional(artifactsSchema),
  lifecycle: optional(lifecycleSchema),
  hooks: optional(array(hookSchema)),
});

export type RawPolicy = Infer<typeof rawPolicySchema>;
export type RawMetric = Infer<typeof metricSchema>;
export type RawBlueGreen = Infer<typeof blueGreenSchema>;
export type RawHook = Infer<typeof hookSchema>;
