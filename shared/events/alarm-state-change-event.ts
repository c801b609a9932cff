import {
  _default,
  array,
  enum as oneOf,
  type infer as Infer,
  literal,
  looseObject,
  minLength,
  optional,
  refine,
  string,
  unknown,
} from 'zod/mini';

// zod/mini, not @aws-lambda-powertools/parser's EventBridgeSchema: that schema is written against
// the full `zod` namespace, which does not tree-shake (hundreds of KB in the bundle), and the
// envelope checks it adds are the few lines below.

/** The detail-type this function acts on; others share `source: aws.cloudwatch` and are ignored. */
export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

const timestamp = () => string().check(refine((t) => Number.isFinite(Date.parse(t)), 'not a timestamp'));

const alarmStateSchema = looseObject({
  value: oneOf(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  reason: optional(string()),
  /** A JSON string, missing for some alarms: parse with `parseReasonData`. */
  reasonData: optional(string()),
  timestamp: timestamp(),
});

/**
 * `CloudWatch Alarm State Change` as EventBridge delivers it. Unknown fields pass through (AWS
 * adds optional ones such as `muteDetail` and `alarmTags`); composite alarms have no
 * `configuration.metrics`, only `alarmRule`; alarm names may contain spaces.
 */
export const alarmStateChangeEventSchema = looseObject({
  'detail-type': literal(ALARM_STATE_CHANGE),
  source: literal('aws.cloudwatch'),
  id: optional(string()),
  time: timestamp(),
  region: string().check(minLength(1)),
  account: optional(string()),
  resources: _default(array(string()), []),
  detail: looseObject({
    alarmName: string().check(minLength(1)),
    state: alarmStateSchema,
    previousState: optional(alarmStateSchema),
    configuration: optional(
      looseObject({
        metrics: optional(array(unknown())),
        alarmRule: optional(string()),
      }),
    ),
  }),
});

export type AlarmStateChangeEvent = Infer<typeof alarmStateChangeEventSchema>;

export type AlarmEventParse =
  | { ok: true; event: AlarmStateChangeEvent }
  | { ok: false; kind: 'foreign' | 'malformed'; problems: string[] };

/**
 * Validates an incoming event. `foreign`: not an alarm state change (another detail-type or
 * source, or not an object); `malformed`: claims to be one but does not have its shape.
 */
export function parseAlarmStateChangeEvent(input: unknown): AlarmEventParse {
  const head = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : undefined;
  if (!head || head['detail-type'] !== ALARM_STATE_CHANGE || head.source !== 'aws.cloudwatch') {
    const detailType = head && typeof head['detail-type'] === 'string' ? head['detail-type'] : typeof input;
    return { ok: false, kind: 'foreign', problems: [`detail-type: ${String(detailType).slice(0, 100)}`] };
  }
  const parsed = alarmStateChangeEventSchema.safeParse(input);
  if (parsed.success) return { ok: true, event: parsed.data };
  return {
    ok: false,
    kind: 'malformed',
    problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`),
  };
}

/** `reasonData` parsed when it is a JSON object string; undefined otherwise (never throws). */
export function parseReasonData(reasonData: string | undefined): Record<string, unknown> | undefined {
  if (!reasonData) return undefined;
  try {
    const value: unknown = JSON.parse(reasonData);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
