import { formatMetricValue } from '../wording/format-values';
import { decisionLabel, describeCurrent } from './format';
import { isSuperseded, type NotificationEventType, type RolloutNotification } from './notification';

/** SNS refuses subjects of 100 characters or more; this is the longest subject we produce. */
export const MAX_SUBJECT_LENGTH = 99;

/** Fewest characters of the endpoint name an earlier decision's subject keeps, in characters. */
const MIN_ENDPOINT_IN_SUBJECT = 16;

const TAG: Readonly<Record<NotificationEventType, string>> = {
  'rollout.started': 'STARTED',
  'rollout.advanced': 'ADVANCED',
  'rollout.held': 'HOLD',
  'rollout.inconclusive': 'INCONCLUSIVE',
  'rollout.paused': 'PAUSED',
  'rollout.resumed': 'RESUMED',
  'rollout.promoted': 'PROMOTED',
  'rollout.rollback-staged': 'STAGED ROLLBACK',
  'rollout.rollback-requested': 'ROLLBACK REQUESTED',
  'rollout.rolled-back': 'ROLLED BACK',
  'rollout.aborted': 'ABORTED',
  'rollout.endpoint-changed': 'ENDPOINT',
  'rollout.alert': 'ALERT',
};

/**
 * The email subject / SNS Subject: `[ROLLED BACK #8] demo-endpoint: error-rate 8.1% > 5.0%`.
 * Always printable ASCII on one line and at most `MAX_SUBJECT_LENGTH` characters, whatever the
 * endpoint name or reason hold (SNS refuses anything else, and a refused publish loses the news).
 * The summary is the first failing metric of the evidence when there is one, else the reason.
 * The decision number (`rolloutVersion`) follows the tag so a reader can order the messages.
 *
 * A decision a later one overtook before it was published (`isSuperseded`) is not news: its
 * subject says so and says where the rollout is now, instead of the earlier decision's summary:
 * `[EARLIER #7 ADVANCED] demo-endpoint: now RolledBack, canary 0% (#8)`.
 */
export function renderSubject(n: RolloutNotification): string {
  const kind = TAG[n.eventType] ?? 'ROLLOUT';
  const decision = decisionLabel(n);
  const endpoint = toAscii(n.endpointName) || 'endpoint';
  if (n.current && isSuperseded(n)) {
    const tag = `[EARLIER ${decision} ${kind}]`;
    const now = `: now ${toAscii(describeCurrent(n.current))} (#${n.current.version})`;
    // The "now" part is the point of this subject: the endpoint name gives way first.
    const room = Math.max(MIN_ENDPOINT_IN_SUBJECT, MAX_SUBJECT_LENGTH - tag.length - now.length - 1);
    return fitSubject(`${tag} ${truncate(endpoint, room)}${now}`);
  }
  const tag = `[${kind}${decision ? ` ${decision}` : ''}]`;
  const summary = toAscii(summaryOf(n));
  return fitSubject(`${tag} ${truncate(endpoint, 50)}${summary ? `: ${summary}` : ''}`);
}

function summaryOf(n: RolloutNotification): string {
  const failing = n.evidence?.metrics.find((m) => m.verdict === 'fail');
  if (failing && failing.canary !== null && failing.limit !== null && n.eventType !== 'rollout.promoted') {
    const value = (x: number): string => formatMetricValue(failing.type, x);
    return `${failing.name} ${value(failing.canary)} > ${value(failing.limit)}`;
  }
  if (n.evidence?.alarm && n.evidence.alarm.state === 'ALARM')
    return `alarm ${n.evidence.alarm.name} in ALARM`;
  if (n.eventType === 'rollout.advanced' || n.eventType === 'rollout.started') {
    const canary = n.canaryVariant ? n.weights[n.canaryVariant] : undefined;
    if (canary !== undefined) return `canary at ${canary}%`;
  }
  return firstSentence(n.reason);
}

function firstSentence(text: string): string {
  const cut = text.search(/[.;\n](\s|$)/);
  return cut > 0 ? text.slice(0, cut) : text;
}

/** Printable ASCII only, whitespace runs collapsed to one space (no line breaks or controls). */
export function toAscii(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function fitSubject(subject: string): string {
  return truncate(subject, MAX_SUBJECT_LENGTH).trim();
}
