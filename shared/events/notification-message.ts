import type { Phase } from '../domain/types';
import {
  alertNotification,
  NOTIFICATION_VERSION,
  type NotificationCurrent,
  type RolloutNotification,
  type Severity,
} from '../notify/notification';
import { describeCloudWatchAlarm } from '../wording/describe-alert';
import { isJsonObject } from '../domain/is-json-object';

// The body of an SNS message on the watchdog's topic, as its subscribers (the Slack notifier and
// region sync) read it. Checked by hand rather than with zod/mini: the Slack notifier validates
// nothing else, and zod/mini's core would add 17 KB to its bundle.

type Json = Record<string, unknown>;

const SEVERITIES: ReadonlySet<string> = new Set<Severity>(['info', 'warning', 'critical']);
const PHASES: ReadonlySet<string> = new Set<Phase>([
  'Progressing',
  'Paused',
  'Promoted',
  'RolledBack',
  'Aborted',
]);

/** Longest `notificationId` kept, in characters; a longer one is dropped rather than trusted as a key. */
const MAX_NOTIFICATION_ID_LENGTH = 512;

/**
 * What every subscriber needs of a notification: which event, for which endpoint, when. The rest
 * passes through unchecked; region sync reads no more than this (the stored rollout, not the
 * message, says where the endpoint lives and what it runs).
 */
export type NotificationHead = Json & { eventType: string; endpointName: string; time: string };

/** Problems of the head: `eventType` a string, `endpointName` and `time` non-empty strings. */
function headProblems(raw: Json): string[] {
  const problems: string[] = [];
  for (const key of ['eventType', 'endpointName', 'time']) {
    const value = raw[key];
    if (typeof value !== 'string') problems.push(`${key}: expected a string`);
    else if (value === '' && key !== 'eventType') problems.push(`${key}: must not be empty`);
  }
  return problems;
}

/** Problems of what a person reads on top of the head: the severity and the reason (email, Slack). */
function bodyProblems(raw: Json): string[] {
  const problems = headProblems(raw);
  if (typeof raw.severity !== 'string' || !SEVERITIES.has(raw.severity))
    problems.push('severity: expected info, warning or critical');
  if (typeof raw.reason !== 'string') problems.push('reason: expected a string');
  return problems;
}

export type ParsedMessage = { ok: true; notification: RolloutNotification } | { ok: false; problem: string };

function str(o: Json, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * The JSON object an SNS message carries. The publisher sends `MessageStructure: json`, so a
 * Lambda subscriber normally gets the `lambda` key's JSON; a raw message with the whole structure
 * (`{ default, lambda }`) is unwrapped too.
 */
function messageObject(message: unknown): { ok: true; value: Json } | { ok: false; problem: string } {
  if (typeof message !== 'string') return { ok: false, problem: 'message is not a string' };
  const parsed = parseJson(message);
  if (!parsed.ok) return { ok: false, problem: 'message is not JSON' };
  if (!isJsonObject(parsed.value)) return { ok: false, problem: 'message is not a JSON object' };
  const raw = parsed.value;
  if (raw.eventType === undefined) {
    const wrapped = raw.lambda ?? raw.default;
    if (typeof wrapped === 'string') {
      const inner = parseJson(wrapped);
      if (inner.ok && isJsonObject(inner.value)) return { ok: true, value: inner.value };
    }
  }
  return { ok: true, value: raw };
}

/**
 * The head of the notification in an SNS message (see `NotificationHead`), or null when the
 * message is not a notification. For subscribers that act on the event, not on its wording.
 */
export function parseNotificationHead(message: unknown): NotificationHead | null {
  const body = messageObject(message);
  if (!body.ok) return null;
  return headProblems(body.value).length === 0 ? (body.value as NotificationHead) : null;
}

/**
 * Reads one SNS message body: the watchdog's notification JSON, or a CloudWatch alarm message
 * (the "canary tick stopped" alarm publishes to the same topic), which becomes an alert. Anything
 * else is a problem, never an exception. Required: `eventType`, `severity`, `endpointName`,
 * `reason`, `time`; the rest defaults, and parts a renderer could not read are dropped.
 */
export function parseNotificationMessage(message: unknown): ParsedMessage {
  const body = messageObject(message);
  if (!body.ok) return body;
  const raw = body.value;
  if (typeof raw.AlarmName === 'string' && typeof raw.NewStateValue === 'string') return fromAlarm(raw);
  const problems = bodyProblems(raw);
  if (problems.length > 0)
    return { ok: false, problem: `not a rollout notification: ${problems.join('; ')}` };
  const weights: Record<string, number> = {};
  if (isJsonObject(raw.weights)) {
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
    previousWeights: isJsonObject(raw.previousWeights) ? raw.previousWeights : undefined,
    next: str(raw, 'next') ?? '',
    intervene: Array.isArray(raw.intervene) ? raw.intervene.filter((c) => typeof c === 'string') : [],
    problems: Array.isArray(raw.problems) ? raw.problems.filter((c) => typeof c === 'string') : undefined,
    source: str(raw, 'source') ?? 'system',
    evidence: isEvidence(raw.evidence) ? raw.evidence : undefined,
    notificationId: notificationIdOf(raw.notificationId),
    rolloutVersion: isVersion(raw.rolloutVersion) ? raw.rolloutVersion : undefined,
    current: currentOf(raw.current),
  } as RolloutNotification;
  return { ok: true, notification };
}

// The ordering fields come from newer publishers. A value that cannot be trusted is dropped, never
// a reason to refuse the message: without them it renders as it did before they existed.

function notificationIdOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_NOTIFICATION_ID_LENGTH
    ? value
    : undefined;
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** `current` only whole: a version without the phase and weight it stands for cannot be shown. */
function currentOf(value: unknown): NotificationCurrent | undefined {
  if (!isJsonObject(value)) return undefined;
  const { version, phase, canaryWeight } = value;
  if (!isVersion(version) || typeof phase !== 'string' || !PHASES.has(phase)) return undefined;
  if (
    typeof canaryWeight !== 'number' ||
    !Number.isFinite(canaryWeight) ||
    canaryWeight < 0 ||
    canaryWeight > 100
  )
    return undefined;
  return { version, phase: phase as Phase, canaryWeight };
}

/** Evidence is rendered field by field; accept it only when the parts the renderers read are there. */
function isEvidence(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  return (
    isJsonObject(value.baseline) &&
    isJsonObject(value.canary) &&
    Array.isArray(value.metrics) &&
    value.metrics.every(isJsonObject)
  );
}

function fromAlarm(a: Json): ParsedMessage {
  const name = str(a, 'AlarmName') ?? 'unknown';
  const state = str(a, 'NewStateValue') ?? 'unknown';
  const time = Date.parse(str(a, 'StateChangeTime') ?? '');
  const severity: Severity = state === 'ALARM' ? 'critical' : 'info';
  const n = alertNotification({
    ...describeCloudWatchAlarm(name, state, str(a, 'NewStateReason'), str(a, 'AlarmDescription')),
    endpointName: 'rollout-watchdog',
    region: str(a, 'Region') ?? '',
    now: Number.isFinite(time) ? time : 0,
    severity,
  });
  return {
    ok: true,
    notification: { ...n, intervene: [`aws cloudwatch describe-alarms --alarm-names "${name}"`] },
  };
}
