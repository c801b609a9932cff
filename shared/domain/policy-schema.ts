import * as z from 'zod';
import { isKnownRegion } from './aws-regions';
import { POLICY_API_VERSION } from './defaults';
import { parseDuration } from './parse-duration';

/**
 * The RAW rollout policy (fields and defaults: docs/policy-reference.md) as a zod 4 schema:
 * exactly what a person writes in YAML or JSON. Every object is strict, so a typo (`treshold`) is
 * a problem rather than a silently ignored key. Structure and per-field rules live here; rules
 * that relate two fields (window vs interval, duplicate names, ...) and the `steps` entries live
 * in `parsePolicy`, so every problem is reported at once even when some fields are malformed.
 */

/** SageMaker's rule for endpoint and variant names. */
export const SAGEMAKER_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
/** SageMaker's length limit for endpoint and variant names. Characters. */
export const SAGEMAKER_NAME_MAX_LENGTH = 63;

const sageMakerName = z
  .string()
  .max(SAGEMAKER_NAME_MAX_LENGTH, { error: `must be at most ${SAGEMAKER_NAME_MAX_LENGTH} characters` })
  .regex(SAGEMAKER_NAME_PATTERN, {
    error:
      'must be letters, digits and single or repeated hyphens, starting and ending with a letter or digit',
  });

const region = z
  .string()
  .refine(isKnownRegion, { error: (iss) => `unknown AWS region "${String(iss.input)}"` });

/** `30s`, `10m`, `1h`: a positive whole number and one unit. */
export const durationSchema = z.string().refine((text) => parseDuration(text) !== null, {
  error: 'must be a positive whole number followed by s, m or h (e.g. 30s, 10m, 1h)',
});

const fraction = z
  .number()
  .min(0, { error: 'must be a fraction between 0 and 1 (0.05 = 5%)' })
  .max(1, { error: 'must be a fraction between 0 and 1 (0.05 = 5%)' });

const failureLimit = z.number().int().min(1, { error: 'must be at least 1' });

const metricName = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(128, { error: 'must be at most 128 characters' });

/** Weight of a `setWeight` step: whole percent. */
export const weightSchema = z
  .number()
  .int()
  .min(0, { error: 'must be between 0 and 100' })
  .max(100, { error: 'must be between 0 and 100' });

export const setWeightStepSchema = z.strictObject({ setWeight: weightSchema });

/** `pause: {}` (or a bare `pause:` in YAML) waits for a person; `pause: { duration: 10m }` waits that long. */
export const pauseStepSchema = z.strictObject({
  pause: z.strictObject({ duration: durationSchema.optional() }).nullable(),
});

const errorRateMetricSchema = z.strictObject({
  name: metricName,
  type: z.literal('errorRate'),
  threshold: fraction.optional(),
  maxIncrease: fraction.optional(),
  /** 4XX are the client's fault; count them only when a policy says so. */
  includeClientErrors: z.boolean().optional(),
  failureLimit: failureLimit.optional(),
});

const latencyMetricSchema = z.strictObject({
  name: metricName,
  type: z.literal('latency'),
  statistic: z.enum(['avg', 'p50', 'p90', 'p99']),
  thresholdMs: z.number().positive({ error: 'must be greater than 0' }).optional(),
  maxIncreasePct: z.number().min(0, { error: 'must be 0 or more' }).optional(),
  failureLimit: failureLimit.optional(),
});

/** CloudWatch statistics: the named ones, percentiles (p99, p99.9) and the trimmed/winsorized families. */
export const CLOUDWATCH_STATISTIC_PATTERN =
  /^(Average|Sum|Minimum|Maximum|SampleCount|IQM|(p|tm|wm|tc|ts|pr)\d{1,2}(\.\d{1,10})?|p100)$/;

const customMetricSchema = z.strictObject({
  name: metricName,
  type: z.literal('custom'),
  namespace: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(255, { error: 'must be at most 255 characters' }),
  metricName: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(255, { error: 'must be at most 255 characters' }),
  dimensions: z
    .record(
      z.string().min(1, { error: 'must not be empty' }),
      z.string().min(1, { error: 'must not be empty' }),
    )
    .optional(),
  statistic: z.string().regex(CLOUDWATCH_STATISTIC_PATTERN, {
    error: 'must be a CloudWatch statistic (Average, Sum, Minimum, Maximum, SampleCount, p99, ...)',
  }),
  min: z.number().optional(),
  max: z.number().optional(),
  failureLimit: failureLimit.optional(),
});

export const metricSchema = z.discriminatedUnion('type', [
  errorRateMetricSchema,
  latencyMetricSchema,
  customMetricSchema,
]);

const alarmSchema = z.strictObject({
  alarmName: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(255, { error: 'must be at most 255 characters' }),
  strategy: z.enum(['immediate', 'staged']).optional(),
  /** Only for `staged`: how long to observe at half weight. */
  observe: durationSchema.optional(),
});

const regionTargetSchema = z.strictObject({ region, endpointName: sageMakerName });

export const rawPolicySchema = z.strictObject({
  apiVersion: z.literal(POLICY_API_VERSION, { error: `must be ${POLICY_API_VERSION}` }),
  endpoint: z.strictObject({
    name: sageMakerName,
    region,
    baselineVariant: sageMakerName,
    canaryVariant: sageMakerName,
  }),
  strategy: z.strictObject({
    canary: z.strictObject({
      // Entries are checked one by one in parsePolicy (each is setWeight XOR pause).
      steps: z.array(z.unknown()).min(1, { error: 'must hold at least one step' }),
    }),
  }),
  analysis: z.strictObject({
    interval: durationSchema.optional(),
    window: durationSchema.optional(),
    minCanaryInvocations: z.number().int().min(0, { error: 'must be 0 or more' }).optional(),
    inconclusiveLimit: z.number().int().min(1, { error: 'must be at least 1' }).optional(),
    metrics: z
      .array(metricSchema)
      .min(1, { error: 'must hold at least one metric (without metrics nothing is judged)' }),
  }),
  rollback: z.strictObject({ onAlarms: z.array(alarmSchema).optional() }).optional(),
  regions: z.array(regionTargetSchema).optional(),
});

export type RawPolicy = z.infer<typeof rawPolicySchema>;
export type RawMetric = z.infer<typeof metricSchema>;
