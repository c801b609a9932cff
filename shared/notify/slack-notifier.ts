import { parseNotificationMessage } from '../events/notification-message';
import { type SnsRecord, snsRecords } from '../events/sns-event';
import { countEvent, logger, METRIC } from '../middleware/telemetry';
import { renderSlack } from './render-slack';
import {
  describePayloadShape,
  postToSlack,
  type SlackDeliveryOptions,
  type SlackDeliveryOutcome,
} from './slack-delivery';

/** Where the webhook URL comes from (an SSM SecureString, cached). */
export interface WebhookSource {
  getSecure(name: string): Promise<string | undefined>;
  invalidate?(name: string): void;
}

export interface SlackNotifierDeps {
  parameters: WebhookSource;
  /** SSM parameter holding the webhook URL. */
  webhookParameter: string;
  delivery?: Omit<SlackDeliveryOptions, 'remainingMs'>;
}

export type RecordOutcome =
  SlackDeliveryOutcome | { status: 'malformed'; problem: string } | { status: 'no-webhook'; problem: string };

export interface SlackNotifierReport {
  records: RecordOutcome[];
}

/**
 * The Slack notifier's body: for each SNS record, parse the notification, render it as Block Kit
 * and post it to the webhook. Malformed records and permanent Slack failures are logged,
 * counted and acknowledged: it never throws, because a throw makes Lambda retry the whole event
 * (and post the delivered ones twice). `context.getRemainingTimeInMillis` bounds every wait.
 */
export function createSlackNotifier(deps: SlackNotifierDeps) {
  return async (
    event: unknown,
    context?: { getRemainingTimeInMillis?: () => number },
  ): Promise<SlackNotifierReport> => {
    const remainingMs = () => context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
    const all = snsRecords(event);
    if (!all) {
      countEvent(METRIC.malformedEvents);
      logger.warn('ignoring an event that is not an SNS event (no Records array)');
      return { records: [{ status: 'malformed', problem: 'not an SNS event' }] };
    }
    const records: RecordOutcome[] = [];
    for (const record of all) {
      records.push(await handleRecord(deps, record, remainingMs));
    }
    return { records };
  };
}

async function handleRecord(
  deps: SlackNotifierDeps,
  record: SnsRecord | undefined,
  remainingMs: () => number,
): Promise<RecordOutcome> {
  const sns = record?.Sns;
  if (!sns) {
    countEvent(METRIC.malformedEvents);
    logger.warn('ignoring a malformed SNS record (no Sns.Message string)');
    return { status: 'malformed', problem: 'not an SNS record' };
  }
  const messageId = sns.MessageId;
  const parsed = parseNotificationMessage(sns.Message);
  if (!parsed.ok) {
    countEvent(METRIC.malformedEvents);
    logger.warn('ignoring an SNS message that is not a rollout notification', {
      messageId,
      problem: parsed.problem,
    });
    return { status: 'malformed', problem: parsed.problem };
  }
  const n = parsed.notification;
  const url = await deps.parameters.getSecure(deps.webhookParameter).catch((error: unknown) => {
    logger.error('reading the Slack webhook URL failed', {
      parameter: deps.webhookParameter,
      error: error as Error,
    });
    return undefined;
  });
  if (!url) {
    countEvent(METRIC.slackTransientFailures);
    logger.error('no Slack webhook URL: message not posted', { parameter: deps.webhookParameter, messageId });
    return { status: 'no-webhook', problem: `parameter ${deps.webhookParameter} missing or unreadable` };
  }
  const payload = renderSlack(n);
  const outcome = await postToSlack(url, payload, { ...deps.delivery, remainingMs });
  const context = { messageId, eventType: n.eventType, endpoint: n.endpointName, attempts: outcome.attempts };
  switch (outcome.status) {
    case 'delivered':
      countEvent(METRIC.slackDelivered);
      logger.info('posted to Slack', context);
      break;
    case 'permanent':
      countEvent(METRIC.slackPermanentFailures);
      // The URL may have been rotated in SSM since it was cached: read it afresh next time.
      deps.parameters.invalidate?.(deps.webhookParameter);
      logger.error('Slack webhook refused permanently; not retrying', {
        ...context,
        httpStatus: outcome.httpStatus,
        body: outcome.body,
      });
      break;
    case 'rejected':
      countEvent(METRIC.slackPermanentFailures);
      logger.error('Slack rejected the payload', {
        ...context,
        httpStatus: outcome.httpStatus,
        body: outcome.body,
        payloadShape: describePayloadShape(payload),
      });
      break;
    case 'gave-up':
      countEvent(METRIC.slackTransientFailures);
      logger.error('gave up posting to Slack', { ...context, reason: outcome.reason });
      break;
  }
  return outcome;
}
