import {
  alertNotification,
  NOTIFICATION_VERSION,
  type RolloutNotification,
  type Severity,
} from './notification';

// Hand-written checks rather than a schema library: the Slack notifier's bundle stays small
// (zod alone would add 85-450 KB), and the shape checked here is a handful of fields.

const SEVERITIES: ReadonlySet<string> = new Set(['info', 'warning', 'critical']);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(o: Json, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

export type ParsedMessage = { ok: true; notification: RolloutNotification } | { ok: false; problem: string };

/**
 * Reads one SNS message body: the watchdog's notification JSON (the `lambda` key of the
 * publisher's message), or a CloudWatch alarm message (the "canary tick stopped" alarm publishes
 * to the same topic), which becomes an alert. Anything else is a problem, never an exception.
 * Required: `eventType`, `severity`, `endpointName`, `reason`, `time`; the rest defaults.
 */
export function parseNotificationMessage(message: unknown): ParsedMessage {
  if (typeof message !== 'string') return { ok: false, problem: 'message is not a string' };
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return { ok: false, problem: 'message is not JSON' };
  }
  if (!isObject(raw)) return { ok: false, problem: 'message is not a JSON object' };
  if (typeof raw.AlarmName === 'string' && typeof raw.NewStateValue === 'string') return fromAlarm(raw);
  const problems: string[] = [];
  for (const key of ['eventType', 'endpointName', 'reason', 'time']) {
    if (typeof raw[key] !== 'string') problems.push(`${key}: expected a string`);
  }
  if (typeof raw.severity !== 'string' || !SEVERITIES.has(raw.severity)) {
    problems.push('severity: expected info, warning or critical');
  }
  if (problems.length > 0)
    return { ok: false, problem: `not a rollout notification: ${problems.join('; ')}` };
  const weights: Record<string, number> = {};
  if (isObject(raw.weights)) {
    for (const [k, v] of Object.entries(raw.weights)) if (typeof v === 'number') weights[k] = v;
  }
  const notification = {
    ...raw,
    version: NOTIFICATION_VERSION,
    region: str(raw, 'region') ?? '',
    phase: str(raw, 'phase') ?? null,
    action: str(raw, 'action') ?? 'alert',
    baselineVariant: str(raw, 'baselineVariant') ?? null,
    canaryVariant: str(raw, 'canaryVariant') ?? null,
    weights,
    previousWeights: isObject(raw.previousWeights) ? raw.previousWeights : undefined,
    next: str(raw, 'next') ?? '',
    intervene: Array.isArray(raw.intervene) ? raw.intervene.filter((c) => typeof c === 'string') : [],
    problems: Array.isArray(raw.problems) ? raw.problems.filter((c) => typeof c === 'string') : undefined,
    source: str(raw, 'source') ?? 'system',
    evidence: isEvidence(raw.evidence) ? raw.evidence : undefined,
  } as RolloutNotification;
  return { ok: true, notification };
}

/** Evidence is rendered field by field; accept it only when the parts the renderers read are there. */
function isEvidence(value: unknown): boolean {
  if (!isObject(value)) return false;
  return (
    isObject(value.baseline) &&
    isObject(value.canary) &&
    Array.isArray(value.metrics) &&
    value.metrics.every(isObject)
  );
}

function fromAlarm(a: Json): ParsedMessage {
  const name = str(a, 'AlarmName') ?? 'unknown';
  const state = str(a, 'NewStateValue') ?? 'unknown';
  const time = Date.parse(str(a, 'StateChangeTime') ?? '');
  const severity: Severity = state === 'ALARM' ? 'critical' : 'info';
  const n = alertNotification({
    kind: 'other',
    endpointName: 'rollout-watchdog',
    region: str(a, 'Region') ?? '',
    now: Number.isFinite(time) ? time : 0,
    reason: `CloudWatch alarm ${name} is ${state}: ${str(a, 'NewStateReason') ?? ''}`.trim(),
    severity,
    next:
      str(a, 'AlarmDescription') ??
      'Look at the alarm in CloudWatch and the logs of the function it watches; the watchdog cannot fix this by itself.',
  });
  return {
    ok: true,
    notification: { ...n, intervene: [`aws cloudwatch describe-alarms --alarm-names "${name}"`] },
  };
}
