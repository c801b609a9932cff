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

export const rawPolicySchema = strictObject({
  apiVersion: literal(POLICY_API_VERSION, { error: `must be ${POLICY_API_VERSION}` }),
  endpoint: strictObject({
    name: sageMakerName,
    region,
    baselineVariant: sageMakerName,
    canaryVariant: sageMakerName,
  }),
  strategy: strictObject({
    canary: strictObject({
      // Entries are checked one by one in parsePolicy (each is setWeight XOR pause).
      steps: array(unknown()).check(minLength(1, { error: 'must hold at least one step' })),
    }),
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
});

export type RawPolicy = Infer<typeof rawPolicySchema>;
export type RawMetric = Infer<typeof metricSchema>;
