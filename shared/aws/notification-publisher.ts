import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { RolloutNotification } from '../notify/notification';
import { renderEmail } from '../notify/render-email';
import { AUDIENCE_ATTRIBUTE, EMAIL_ONLY_AUDIENCE } from '../notify/revoked-webhook-alert';
import { renderSubject } from '../notify/subject';
import type { Notifier, PublishResult } from '../ports/notifier';

/** SNS's message size limit, in bytes (256 KiB), including the JSON envelope of `MessageStructure: json`. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

/** Headroom under the SNS limit for attributes and encoding, in bytes. */
const SIZE_MARGIN_BYTES = 4_096;

/**
 * The Slack subscription's FilterPolicy (functions/slack-notifier.yml holds the same): everything
 * but `email-only` messages. `exists: false` keeps messages without the attribute (every decision,
 * and CloudWatch alarm actions, which set no attributes), which `anything-but` alone would drop.
 */
export const SLACK_FILTER_POLICY = {
  [AUDIENCE_ATTRIBUTE]: [{ 'anything-but': [EMAIL_ONLY_AUDIENCE] }, { exists: false }],
} as const;

export interface EmailAlertOptions {
  /** `email-only`: keeps the message from the Slack subscription (see SLACK_FILTER_POLICY). */
  audience: typeof EMAIL_ONLY_AUDIENCE;
}

/**
 * Announces rollout notifications on the watchdog's SNS topic. The message carries one body per
 * protocol (`MessageStructure: 'json'`): `email` is the plain-text body, `lambda` the notification
 * as JSON (Slack notifier, region sync), `default` a short text for anything else. Message
 * attributes `eventType`, `severity` and `endpoint` let subscriptions filter.
 */
export class NotificationPublisher implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  /**
   * Publishes `n`. Drops detail (metric reasons, then evidence, then problems) until the message
   * fits SNS's limit. Never throws: SNS errors come back as `{ ok: false, error }`.
   */
  async publish(n: RolloutNotification): Promise<PublishResult> {
    try {
      const message = buildSnsMessage(n);
      const out = await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: renderSubject(n),
          Message: message,
          MessageStructure: 'json',
          MessageAttributes: {
            eventType: { DataType: 'String', StringValue: n.eventType },
            severity: { DataType: 'String', StringValue: n.severity },
            endpoint: { DataType: 'String', StringValue: n.endpointName || 'unknown' },
          },
        }),
      );
      return out.MessageId ? { ok: true, messageId: out.MessageId } : { ok: true };
    } catch (error) {
      const e = error as { name?: string; message?: string };
      return { ok: false, error: `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}` };
    }
  }
}

/**
 * Publishes alerts for email only, as plain text (subject, why, what next, commands), with the
 * `audience: email-only` attribute the Slack subscription filters out. For the Slack notifier's
 * alert that its webhook is revoked: plain text rather than `renderEmail` keeps that function's
 * bundle small, and an alert has no numbers to lay out.
 */
export class EmailAlertPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  /** Publishes `n`. Never throws: SNS errors come back as `{ ok: false, error }`. */
  async publish(n: RolloutNotification, options: EmailAlertOptions): Promise<PublishResult> {
    try {
      const out = await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: renderSubject(n),
          Message: [n.reason, '', `Next: ${n.next}`, '', ...n.intervene.map((c) => `  $ ${c}`)].join('\n'),
          MessageAttributes: {
            eventType: { DataType: 'String', StringValue: n.eventType },
            severity: { DataType: 'String', StringValue: n.severity },
            [AUDIENCE_ATTRIBUTE]: { DataType: 'String', StringValue: options.audience },
          },
        }),
      );
      return out.MessageId ? { ok: true, messageId: out.MessageId } : { ok: true };
    } catch (error) {
      const e = error as { name?: string; message?: string };
      return { ok: false, error: `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}` };
    }
  }
}

/**
 * The `MessageStructure: json` body for `n`, under `SNS_MAX_MESSAGE_BYTES`. Detail is dropped in
 * order of least use to a reader: per-metric reasons, then the evidence, then itemised
 * problems, then the reason itself is cut.
 */
export function buildSnsMessage(
  n: RolloutNotification,
  maxBytes = SNS_MAX_MESSAGE_BYTES - SIZE_MARGIN_BYTES,
): string {
  for (const candidate of shrinkSteps(n)) {
    const body = encode(candidate);
    if (Buffer.byteLength(body, 'utf8') <= maxBytes) return body;
  }
  // Last resort: a reason cut to fit. The envelope without reason is small (a few KB).
  const bare = { ...n, evidence: undefined, problems: undefined, intervene: n.intervene.slice(0, 3) };
  let reason = n.reason;
  let body = encode({ ...bare, reason });
  while (Buffer.byteLength(body, 'utf8') > maxBytes && reason.length > 0) {
    reason = `${reason.slice(0, Math.floor(reason.length / 2))}... (truncated)`;
    if (reason.length < 40) reason = '(reason too long; see the logs)';
    body = encode({ ...bare, reason });
    if (reason === '(reason too long; see the logs)') break;
  }
  return body;
}

function* shrinkSteps(n: RolloutNotification): Generator<RolloutNotification> {
  yield n;
  if (n.evidence) {
    yield {
      ...n,
      evidence: { ...n.evidence, metrics: n.evidence.metrics.map((m) => ({ ...m, reason: '' })) },
    };
    yield { ...n, evidence: undefined };
  }
  if (n.problems && n.problems.length > 0) {
    yield {
      ...n,
      evidence: undefined,
      problems: [...n.problems.slice(0, 20), `(${n.problems.length} problems in all)`],
    };
  }
}

function encode(n: RolloutNotification): string {
  const defaultText = `${renderSubject(n)}\n\n${n.reason}\n\nNext: ${n.next}`;
  return JSON.stringify({ default: defaultText, email: renderEmail(n), lambda: JSON.stringify(n) });
}
