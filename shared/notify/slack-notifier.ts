import { createHash } from 'node:crypto';
import { parseNotificationMessage } from '../events/notification-message';
import { type SnsRecord, snsAttribute, snsRecords } from '../events/sns-event';
import { countEvent, logger, METRIC } from '../middleware/telemetry';
import type { PublishResult } from '../ports/notifier';
import type { NotificationCurrent, RolloutNotification } from './notification';
import { renderSlack } from './render-slack';
import {
  AUDIENCE_ATTRIBUTE,
  EMAIL_ONLY_AUDIENCE,
  revokedWebhookAlert,
  slackAppRefusedAlert,
} from './revoked-webhook-alert';
import {
  describePayloadShape,
  postToSlack,
  type SlackDeliveryOptions,
  type SlackDeliveryOutcome,
} from './slack-delivery';
import { postToThread, type SlackThreadStore, type ThreadOutcome } from './slack-thread';
import { type SlackApiCall, slackWebApi } from './slack-web-api';

/** Message keys (notification ids, SNS message ids) a warm container remembers as posted. Count. */
export const POSTED_KEYS_REMEMBERED = 2_000;

/** Rollouts whose latest posted decision a warm container remembers. Count. */
const ROLLOUTS_REMEMBERED = 500;

/** Statuses by which Slack says the webhook itself is gone (revoked, channel archived): alert people. */
const REVOKED_STATUSES: ReadonlySet<number> = new Set([404, 410]);

/** Where the webhook URL comes from (an SSM SecureString, cached). */
export interface WebhookSource {
  getSecure(name: string): Promise<string | undefined>;
  invalidate?(name: string): void;
}

/** Publishes the revoked-webhook alert to the topic for email only (the publisher sets `audience`). */
export interface AlertPublisher {
  publish(n: RolloutNotification, options: { audience: typeof EMAIL_ONLY_AUDIENCE }): Promise<PublishResult>;
}

export interface SlackNotifierDeps {
  parameters: WebhookSource;
  /** SSM parameter holding the webhook URL. */
  webhookParameter: string;
  delivery?: Omit<SlackDeliveryOptions, 'remainingMs'>;
  /** Where the revoked-webhook alert goes; absent: it is only logged. */
  alerts?: AlertPublisher;
  /** Region named in the alert (the watchdog's home region). */
  region?: string;
  /**
   * Thread mode (one Slack thread per rollout, through a bot token). Used when configured and its
   * token parameter holds a token; the webhook stays the default otherwise.
   */
  thread?: SlackThreadModeDeps;
}

export interface SlackThreadModeDeps {
  /** SSM SecureString holding the bot token (`xoxb-...`). */
  tokenParameter: string;
  /** SSM parameter holding the channel id (`C...`). */
  channelParameter: string;
  /** Where each rollout's thread (the card's `ts`) is kept. */
  store: SlackThreadStore;
  /** Web API base URL (default SLACK_API_URL; the sandbox locally). */
  apiUrl?: string;
  /** Builds the Web API client for a token (tests hand in a fake). */
  client?: (token: string) => SlackApiCall;
  /** Wall clock for the thread item's TTL, epoch ms (default Date.now: expiry is a wall-clock matter). */
  wallClock?: () => number;
}

/** The revoked-webhook alert of a 404/410: sent now, sent before for this URL, or not sent. */
export type AlertOutcome = 'sent' | 'already-sent' | 'failed' | 'no-publisher';

export type RecordOutcome =
  | Exclude<SlackDeliveryOutcome, { status: 'permanent' }>
  | (Extract<SlackDeliveryOutcome, { status: 'permanent' }> & { alert?: AlertOutcome })
  | { status: 'malformed'; problem: string }
  | { status: 'no-webhook'; problem: string }
  /** Posted before by this container (a Lambda retry, or a copy republished after a crash). */
  | { status: 'duplicate'; key: string }
  /** The notifier's own email-only alert, should the subscription's filter let it through. */
  | { status: 'not-for-slack' };

export interface SlackNotifierReport {
  records: RecordOutcome[];
}

/**
 * A delivery that must be tried again: Slack throttled or failed past the retries and the time
 * left, the webhook URL could not be read, or a revoked webhook's alert could not be published.
 */
export class SlackDeliveryFailedError extends Error {
  override readonly name = 'SlackDeliveryFailedError';
  constructor(readonly failures: RecordOutcome[]) {
    super(
      `Slack delivery failed and is to be retried: ${failures
        .map((f) => ('reason' in f ? f.reason : 'problem' in f ? f.problem : f.status))
        .join('; ')}`,
    );
  }
}

/** True for an outcome that a later attempt can still turn into a delivery. */
export function isTransient(outcome: RecordOutcome): boolean {
  return (
    outcome.status === 'gave-up' ||
    outcome.status === 'no-webhook' ||
    (outcome.status === 'permanent' && outcome.alert === 'failed')
  );
}

/**
 * The error that keeps a report's transient failures, or undefined when there are none. The
 * handler throws it: SNS invokes the function asynchronously, so Lambda retries the invocation
 * (`maximumRetryAttempts`) and then sends it, the whole SNS event, to the on-failure destination.
 */
export function failureToKeep(report: SlackNotifierReport): SlackDeliveryFailedError | undefined {
  const failures = report.records.filter(isTransient);
  return failures.length > 0 ? new SlackDeliveryFailedError(failures) : undefined;
}

/**
 * The Slack notifier's body: for each SNS record, parse the notification, render it as Block Kit
 * and post it to the webhook. It returns a report and never throws; the handler throws for the
 * transient failures (`failureToKeep`) so Lambda keeps the message.
 *
 * Redelivery is harmless: a message whose `notificationId` (or SNS message id) this container
 * already posted is dropped, so a retried event does not post its delivered records again. A
 * new container does not know what an earlier one posted and may post a retried copy once more.
 * A late copy of an earlier decision, once this container posted a later one of the same rollout,
 * is shown as earlier. A 404/410 (webhook revoked) alerts by email once per webhook URL, until
 * the URL changes or posts again (see `createRevokedWebhookAlerts`). Malformed records, 400s and
 * 403s are logged, counted and acknowledged. `context.getRemainingTimeInMillis` bounds every wait.
 */
export function createSlackNotifier(deps: SlackNotifierDeps) {
  const posted = new RecentKeys(POSTED_KEYS_REMEMBERED);
  const latest = new LatestDecisions(ROLLOUTS_REMEMBERED);
  const alerts = createRevokedWebhookAlerts(deps);
  const memory: NotifierMemory = { posted, latest, alerts };
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
      records.push(await handleRecord(deps, memory, record, remainingMs));
    }
    return { records };
  };
}

interface NotifierMemory {
  posted: RecentKeys;
  latest: LatestDecisions;
  alerts: RevokedWebhookAlerts;
  /** The thread mode's Web API client and the token it was built for. */
  api?: { token: string; call: SlackApiCall };
}

async function handleRecord(
  deps: SlackNotifierDeps,
  memory: NotifierMemory,
  record: SnsRecord | undefined,
  remainingMs: () => number,
): Promise<RecordOutcome> {
  const sns = record?.Sns;
  if (!record || !sns) {
    countEvent(METRIC.malformedEvents);
    logger.warn('ignoring a malformed SNS record (no Sns.Message string)');
    return { status: 'malformed', problem: 'not an SNS record' };
  }
  const messageId = sns.MessageId;
  // The subscription's filter policy keeps these away; this guards a subscription without it.
  if (snsAttribute(record, AUDIENCE_ATTRIBUTE) === EMAIL_ONLY_AUDIENCE) return { status: 'not-for-slack' };
  const parsed = parseNotificationMessage(sns.Message);
  if (!parsed.ok) {
    countEvent(METRIC.malformedEvents);
    logger.warn('ignoring an SNS message that is not a rollout notification', {
      messageId,
      problem: parsed.problem,
    });
    return { status: 'malformed', problem: parsed.problem };
  }
  const keys = [parsed.notification.notificationId, messageId].filter(
    (k): k is string => typeof k === 'string' && k !== '',
  );
  const seen = keys.find((k) => memory.posted.has(k));
  if (seen !== undefined) {
    logger.info('dropping a message this container already posted to Slack', { messageId, key: seen });
    return { status: 'duplicate', key: seen };
  }
  const n = memory.latest.overtake(parsed.notification);
  if (deps.thread) {
    const thread = await readThreadConfig(deps.parameters, deps.thread);
    if (thread.status === 'unreadable') {
      countEvent(METRIC.slackTransientFailures);
      logger.error('the Slack bot token or channel could not be read: message kept for a retry', {
        messageId,
        problem: thread.problem,
      });
      return { status: 'no-webhook', problem: thread.problem };
    }
    if (thread.status === 'configured') {
      const eventTime = Date.parse(sns.Timestamp ?? '') || Date.parse(n.time) || 0;
      return threadRecord(deps, deps.thread, memory, {
        n,
        keys,
        messageId,
        eventTime,
        remainingMs,
        ...thread,
      });
    }
  }
  const url = await deps.parameters.getSecure(deps.webhookParameter).catch((error: unknown) => {
    logger.error('reading the Slack webhook URL failed', {
      parameter: deps.webhookParameter,
      error: error as Error,
    });
    return undefined;
  });
  if (!url) {
    countEvent(METRIC.slackTransientFailures);
    logger.error('no Slack webhook URL: message kept for a retry', {
      parameter: deps.webhookParameter,
      messageId,
    });
    return { status: 'no-webhook', problem: `parameter ${deps.webhookParameter} missing or unreadable` };
  }
  const payload = renderSlack(n);
  const outcome = await postToSlack(url, payload, { ...deps.delivery, remainingMs });
  const context = {
    messageId,
    notificationId: n.notificationId,
    eventType: n.eventType,
    endpoint: n.endpointName,
    attempts: outcome.attempts,
  };
  switch (outcome.status) {
    case 'delivered':
      countEvent(METRIC.slackDelivered);
      for (const key of keys) memory.posted.add(key);
      memory.latest.record(n);
      memory.alerts.worked(url);
      logger.info('posted to Slack', context);
      return outcome;
    case 'permanent': {
      countEvent(METRIC.slackPermanentFailures);
      // The URL may have been rotated in SSM since it was cached: read it afresh next time.
      deps.parameters.invalidate?.(deps.webhookParameter);
      logger.error('Slack webhook refused permanently; not retrying', {
        ...context,
        httpStatus: outcome.httpStatus,
        body: outcome.body,
      });
      if (!REVOKED_STATUSES.has(outcome.httpStatus)) return outcome;
      const alert = await memory.alerts.revoked(
        url,
        revokedWebhookAlert({
          webhookParameter: deps.webhookParameter,
          httpStatus: outcome.httpStatus,
          body: outcome.body,
          now: Date.parse(sns.Timestamp ?? '') || 0,
          region: deps.region ?? '',
        }),
      );
      return { ...outcome, alert };
    }
    case 'rejected':
      countEvent(METRIC.slackPermanentFailures);
      logger.error('Slack rejected the payload', {
        ...context,
        httpStatus: outcome.httpStatus,
        body: outcome.body,
        payloadShape: describePayloadShape(payload),
      });
      return outcome;
    case 'gave-up':
      countEvent(METRIC.slackTransientFailures);
      logger.error('gave up posting to Slack for now: message kept for a retry', {
        ...context,
        reason: outcome.reason,
      });
      return outcome;
  }
}

interface RevokedWebhookAlerts {
  /**
   * Slack refused `secret` for good (a webhook URL's 404/410; a bot token and channel's
   * `channel_not_found`, `invalid_auth`, ...): publish `alert` by email unless done for it already.
   */
  revoked(secret: string, alert: RolloutNotification): Promise<AlertOutcome>;
  /** A post with `secret` worked: a later refusal of it alerts again. */
  worked(secret: string): void;
}

/**
 * "Alert once" for a revoked webhook, remembered in this container's memory by a fingerprint of
 * the URL (its SHA-256, never the URL): not again for the same URL until it posts again or SSM
 * holds another one. Memory is all the notifier has without write access to anything: a new
 * container (Lambda recycles idle ones; another runs in parallel) that meets the same revoked URL
 * alerts once more. Nothing is lost meanwhile: every decision also went to email.
 */
function createRevokedWebhookAlerts(deps: SlackNotifierDeps): RevokedWebhookAlerts {
  const alerted = new Set<string>();
  const fingerprint = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 16);
  return {
    async revoked(secret, alert) {
      const key = fingerprint(secret);
      if (alerted.has(key)) return 'already-sent';
      if (!deps.alerts) {
        logger.error('Slack webhook revoked and no alert publisher configured', { webhook: key });
        return 'no-publisher';
      }
      const published = await deps.alerts.publish(alert, { audience: EMAIL_ONLY_AUDIENCE });
      if (!published.ok) {
        logger.error('publishing the revoked-webhook alert failed: kept for a retry', {
          webhook: key,
          error: published.error,
        });
        return 'failed';
      }
      alerted.add(key);
      countEvent(METRIC.slackWebhookRevokedAlerts);
      logger.warn('Slack webhook revoked: alerted by email', {
        webhook: key,
        messageId: published.messageId,
      });
      return 'sent';
    },
    worked(secret) {
      alerted.delete(fingerprint(secret));
    },
  };
}

/** A bounded set of keys; the oldest is forgotten first. */
class RecentKeys {
  private readonly keys = new Set<string>();
  constructor(private readonly max: number) {}
  has(key: string): boolean {
    return this.keys.has(key);
  }
  add(key: string): void {
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.max) this.keys.delete(this.keys.values().next().value as string);
  }
}

/**
 * The latest decision this container posted per rollout. A retried message arrives after later
 * ones were posted, with a `current` from its publish time that may not know them: it is then
 * shown as the earlier decision it is, with where the rollout stood at the latest post.
 */
class LatestDecisions {
  private readonly byRollout = new Map<string, NotificationCurrent>();
  constructor(private readonly max: number) {}

  /** `n`, with `current` moved to the latest posted decision when that is later than both. */
  overtake(n: RolloutNotification): RolloutNotification {
    const rollout = rolloutOf(n);
    const known = rollout === undefined ? undefined : this.byRollout.get(rollout);
    if (!known || n.rolloutVersion === undefined || known.version <= n.rolloutVersion) return n;
    if (n.current && n.current.version >= known.version) return n;
    return { ...n, current: known };
  }

  record(n: RolloutNotification): void {
    const rollout = rolloutOf(n);
    if (rollout === undefined || n.rolloutVersion === undefined || n.phase === null) return;
    const canaryWeight = n.canaryVariant ? n.weights[n.canaryVariant] : undefined;
    const own: NotificationCurrent | undefined =
      canaryWeight === undefined ? undefined : { version: n.rolloutVersion, phase: n.phase, canaryWeight };
    const candidates = [this.byRollout.get(rollout), own, n.current].filter(
      (c): c is NotificationCurrent => c !== undefined,
    );
    const newest = candidates.reduce<NotificationCurrent | undefined>(
      (a, c) => (a === undefined || c.version > a.version ? c : a),
      undefined,
    );
    if (!newest) return;
    this.byRollout.delete(rollout);
    this.byRollout.set(rollout, newest);
    if (this.byRollout.size > this.max) this.byRollout.delete(this.byRollout.keys().next().value as string);
  }
}

/** The rollout part of `rolloutId#rolloutVersion#n`; undefined for ids of another shape. */
function rolloutOf(n: RolloutNotification): string | undefined {
  const id = n.notificationId;
  if (id === undefined) return undefined;
  const parts = id.split('#');
  return parts.length >= 3 ? parts.slice(0, -2).join('#') : undefined;
}

type ThreadConfig =
  | { status: 'configured'; token: string; channel: string }
  | { status: 'not-configured' }
  | { status: 'unreadable'; problem: string };

/** The bot token and channel, when the token parameter holds one (else the webhook mode applies). */
async function readThreadConfig(
  parameters: WebhookSource,
  thread: SlackThreadModeDeps,
): Promise<ThreadConfig> {
  let token: string | undefined;
  let channel: string | undefined;
  try {
    token = (await parameters.getSecure(thread.tokenParameter))?.trim();
    if (!token) return { status: 'not-configured' };
    channel = (await parameters.getSecure(thread.channelParameter))?.trim();
  } catch (error) {
    return {
      status: 'unreadable',
      problem: `parameter ${thread.tokenParameter} or ${thread.channelParameter} unreadable: ${(error as Error)?.name ?? 'Error'}`,
    };
  }
  if (!channel)
    return { status: 'unreadable', problem: `parameter ${thread.channelParameter} missing or empty` };
  return { status: 'configured', token, channel };
}

/** One record in thread mode: post it in its rollout's thread and map the outcome as the webhook mode does. */
async function threadRecord(
  deps: SlackNotifierDeps,
  mode: SlackThreadModeDeps,
  memory: NotifierMemory,
  args: {
    n: RolloutNotification;
    keys: string[];
    messageId: string | undefined;
    eventTime: number;
    remainingMs: () => number;
    token: string;
    channel: string;
  },
): Promise<RecordOutcome> {
  const { n, keys, token, channel } = args;
  // One Web API client per token for as long as the token stays the same (a rotated one replaces it).
  let slack = memory.api?.token === token ? memory.api.call : undefined;
  if (!slack) {
    slack = mode.client ? mode.client(token) : slackWebApi(token, { ...deps.delivery, apiUrl: mode.apiUrl });
    memory.api = { token, call: slack };
  }
  const outcome: ThreadOutcome = await postToThread({ slack, store: mode.store, channel }, n, {
    now: (mode.wallClock ?? Date.now)(),
    remainingMs: args.remainingMs,
  });
  const context = {
    messageId: args.messageId,
    notificationId: n.notificationId,
    eventType: n.eventType,
    endpoint: n.endpointName,
  };
  // The fingerprint of what Slack refused: this token in this channel.
  const secret = `${token}\n${channel}`;
  switch (outcome.status) {
    case 'delivered':
      countEvent(METRIC.slackDelivered);
      for (const key of keys) memory.posted.add(key);
      memory.latest.record(n);
      memory.alerts.worked(secret);
      logger.info('posted to the rollout thread in Slack', {
        ...context,
        attempts: outcome.attempts,
        cardUpdated: outcome.cardUpdated,
      });
      return { status: 'delivered', attempts: outcome.attempts };
    case 'duplicate':
      for (const key of keys) memory.posted.add(key);
      logger.info('dropping a message its rollout thread already has', { ...context, key: outcome.key });
      return outcome;
    case 'refused': {
      countEvent(METRIC.slackPermanentFailures);
      // The token or channel may have been replaced in SSM since they were cached: read them afresh.
      deps.parameters.invalidate?.(mode.tokenParameter);
      deps.parameters.invalidate?.(mode.channelParameter);
      logger.error('Slack refused the bot token or channel; not retrying', {
        ...context,
        error: outcome.error,
      });
      const alert = await memory.alerts.revoked(
        secret,
        slackAppRefusedAlert({
          tokenParameter: mode.tokenParameter,
          channelParameter: mode.channelParameter,
          error: outcome.error,
          now: args.eventTime,
          region: deps.region ?? '',
        }),
      );
      return { status: 'permanent', httpStatus: 200, body: outcome.error, attempts: outcome.attempts, alert };
    }
    case 'rejected':
      countEvent(METRIC.slackPermanentFailures);
      logger.error('Slack rejected the thread message', { ...context, error: outcome.error });
      return { status: 'rejected', httpStatus: 200, body: outcome.error, attempts: outcome.attempts };
    case 'gave-up':
      countEvent(METRIC.slackTransientFailures);
      logger.error('gave up posting to the rollout thread for now: message kept for a retry', {
        ...context,
        reason: outcome.reason,
      });
      return outcome;
  }
}
