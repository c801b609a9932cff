/**
 * SNS (awsQuery) for the watchdog's notification topic: CreateTopic, Subscribe (email, lambda,
 * http/https), ListSubscriptionsByTopic, Publish with AWS's limits, and delivery — to Lambda in
 * the SNS event shape (through a `LambdaInvoker`), to HTTP endpoints as SNS posts them, and to
 * email as `.eml` files in the outbox. Deliveries run after Publish answers; failures are recorded
 * and never fail the publish.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../../aws-error';
import type { Faults } from '../../faults';
import { functionNameFromArn, type LambdaInvoker } from '../../lambda-invoker';
import type { Outbox } from '../../outbox';
import { QueryMap } from '../../protocols/query-protocol';
import type { Operation, RequestContext, ServiceEmulation } from '../../service';
import { SANDBOX_ACCOUNT_ID } from '../../service';
import {
  type FilterPolicyScope,
  InvalidFilterPolicyError,
  type MessageAttribute,
  matchesFilterPolicy,
  parseFilterPolicy,
} from './filter-policy';

/** Largest Publish message, bytes (256 KiB). */
export const MAX_MESSAGE_BYTES = 262_144;
/** Longest Publish subject, characters (AWS: "under 100"). */
export const MAX_SUBJECT_LENGTH = 99;
/** The awsQuery XML namespace the SNS client expects. */
export const SNS_XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

export type SubscriptionProtocol = 'email' | 'email-json' | 'lambda' | 'http' | 'https' | 'sqs';

interface Subscription {
  SubscriptionArn: string;
  TopicArn: string;
  Protocol: SubscriptionProtocol;
  Endpoint: string;
  confirmed: boolean;
  /** Token from the confirmation mail, for `ConfirmSubscription`. */
  token: string;
  attributes: Record<string, string>;
  filterPolicy?: Record<string, unknown>;
}

interface Topic {
  TopicArn: string;
  name: string;
  attributes: Record<string, string>;
  subscriptions: Subscription[];
}

/** One attempted delivery, kept for tests and `/_sandbox/sns/deliveries`. */
export interface DeliveryRecord {
  messageId: string;
  topicArn: string;
  subscriptionArn: string;
  protocol: SubscriptionProtocol;
  endpoint: string;
  outcome: 'delivered' | 'failed' | 'dropped';
  /** Outbox file name for email deliveries. */
  file?: string;
  error?: string;
}

export interface PublishInput {
  subject?: string;
  message: string;
  messageAttributes?: Record<string, MessageAttribute>;
}

export interface SnsOptions {
  now(): number;
  outbox: Outbox;
  lambdaInvoker?: LambdaInvoker;
  faults?: Pick<Faults, 'nextDelivery'>;
  /**
   * `auto` (default): email subscriptions confirm themselves right after Subscribe (Subscribe still
   * answers `pending confirmation`, as AWS does); `manual`: they stay `PendingConfirmation` until
   * `confirm()` — the faithful behaviour for testing "unconfirmed subscription" reporting.
   */
  emailConfirmation?: 'auto' | 'manual';
  /** Base URL of this sandbox, used in unsubscribe links. */
  baseUrl?: () => string;
}

export interface SnsEmulation {
  emulation: ServiceEmulation;
  /** In-process Publish (CloudWatch alarm actions); same validation and delivery as the API. */
  publishToSns(region: string, topicArn: string, input: PublishInput): Promise<{ messageId: string }>;
  /** Confirms a pending subscription by ARN or by endpoint (e.g. the email address). */
  confirm(region: string, subscriptionArnOrEndpoint: string): boolean;
  deliveries(): DeliveryRecord[];
  /** Resolves when every delivery started so far has finished. */
  idle(): Promise<void>;
  dump(region: string): unknown;
}

const invalidParameter = (message: string) => new AwsError('InvalidParameter', message, 400);

/**
 * Creates the SNS emulation. Delivery depends on `lambdaInvoker` (lambda subscriptions fail
 * without one), `outbox` (email), `faults.nextDelivery('sns')` (drop / duplicate) and
 * `emailConfirmation`.
 */
export function createSns(options: SnsOptions): SnsEmulation {
  const states = new Map<string, Map<string, Topic>>();
  const topics = (region: string) => {
    let s = states.get(region);
    if (!s) {
      s = new Map();
      states.set(region, s);
    }
    return s;
  };
  const records: DeliveryRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const baseUrl = options.baseUrl ?? (() => 'http://127.0.0.1:4566');

  const findTopic = (region: string, topicArn: unknown): Topic => {
    if (typeof topicArn !== 'string' || topicArn === '')
      throw invalidParameter('Invalid parameter: TopicArn');
    const topic = topics(region).get(topicArn);
    if (!topic) throw new AwsError('NotFound', 'Topic does not exist', 404);
    return topic;
  };

  const publish = (region: string, topicArn: unknown, input: Record<string, unknown>, now: number) => {
    const topic = findTopic(region, topicArn);
    const message = input.Message;
    if (typeof message !== 'string' || message === '') {
      throw invalidParameter('Invalid parameter: Empty message');
    }
    if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) {
      throw invalidParameter('Invalid parameter: Message too long');
    }
    const subject = input.Subject;
    if (subject !== undefined) {
      if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH) {
        throw invalidParameter('Invalid parameter: Subject');
      }
      if (!/^[\x20-\x7e]+$/.test(subject)) throw invalidParameter('Invalid parameter: Subject');
    }
    let perProtocol: Record<string, unknown> | undefined;
    if (input.MessageStructure !== undefined) {
      if (input.MessageStructure !== 'json') throw invalidParameter('Invalid parameter: MessageStructure');
      try {
        perProtocol = JSON.parse(message) as Record<string, unknown>;
      } catch {
        throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
      }
      if (!perProtocol || typeof perProtocol !== 'object' || typeof perProtocol.default !== 'string') {
        throw invalidParameter(
          'Invalid parameter: Message Structure - No default entry in JSON message body',
        );
      }
    }
    const attributes = parseMessageAttributes(input.MessageAttributes);
    const messageId = randomUUID();
    for (const subscription of topic.subscriptions) {
      if (!subscription.confirmed) continue;
      const body = bodyFor(subscription.Protocol, message, perProtocol);
      if (
        subscription.filterPolicy &&
        !matchesFilterPolicy(
          subscription.filterPolicy,
          (subscription.attributes.FilterPolicyScope as FilterPolicyScope | undefined) ?? 'MessageAttributes',
          attributes,
          body,
        )
      ) {
        continue;
      }
      const verdict = options.faults?.nextDelivery('sns') ?? 'deliver';
      const notification: Notification = {
        messageId,
        topicArn: topic.TopicArn,
        subject: typeof subject === 'string' ? subject : undefined,
        message: body,
        attributes,
        timestamp: new Date(now).toISOString(),
        region,
      };
      if (verdict === 'drop') {
        records.push(recordFor(notification, subscription, 'dropped'));
        continue;
      }
      const copies = verdict === 'duplicate' ? 2 : 1;
      for (let i = 0; i < copies; i++) track(deliver(notification, subscription));
    }
    return { messageId };
  };

  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  const deliver = async (n: Notification, subscription: Subscription): Promise<void> => {
    // Deliveries happen after Publish has answered, as with the real service.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const file = await deliverOne(n, subscription);
      records.push({ ...recordFor(n, subscription, 'delivered'), ...(file ? { file } : {}) });
    } catch (error) {
      records.push({
        ...recordFor(n, subscription, 'failed'),
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };

  const deliverOne = async (n: Notification, subscription: Subscription): Promise<string | undefined> => {
    const unsubscribeUrl = `${baseUrl()}/_sandbox/sns/unsubscribe?SubscriptionArn=${encodeURIComponent(subscription.SubscriptionArn)}`;
    switch (subscription.Protocol) {
      case 'lambda': {
        if (!options.lambdaInvoker) throw new Error('no Lambda invoker configured for lambda subscriptions');
        await options.lambdaInvoker.invoke(
          functionNameFromArn(subscription.Endpoint),
          lambdaEvent(n, subscription, unsubscribeUrl),
          { async: true },
        );
        return undefined;
      }
      case 'http':
      case 'https': {
        const raw = subscription.attributes.RawMessageDelivery === 'true';
        const response = await fetch(subscription.Endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'text/plain; charset=UTF-8',
            'x-amz-sns-message-type': 'Notification',
            'x-amz-sns-message-id': n.messageId,
            'x-amz-sns-topic-arn': n.topicArn,
            'x-amz-sns-subscription-arn': subscription.SubscriptionArn,
            ...(raw ? { 'x-amz-sns-rawdelivery': 'true' } : {}),
            'user-agent': 'Amazon Simple Notification Service Agent',
          },
          body: raw ? n.message : JSON.stringify(httpNotification(n, unsubscribeUrl)),
        });
        await response.arrayBuffer();
        if (response.status < 200 || response.status >= 300) {
          throw new Error(`${subscription.Endpoint} answered ${response.status}`);
        }
        return undefined;
      }
      case 'email':
      case 'email-json':
        return options.outbox.write({
          from: 'AWS Notifications <no-reply@sns.amazonaws.com>',
          to: subscription.Endpoint,
          subject: n.subject ?? 'AWS Notification Message',
          date: Date.parse(n.timestamp),
          messageId: n.messageId,
          body:
            subscription.Protocol === 'email-json'
              ? JSON.stringify(httpNotification(n, unsubscribeUrl))
              : `${n.message}\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n${unsubscribeUrl}\n\nPlease do not reply directly to this email. If you have any questions or comments regarding this email, please contact us at https://aws.amazon.com/support`,
          headers: { 'X-Amz-Sns-Topic-Arn': n.topicArn, 'X-Amz-Sns-Message-Id': n.messageId },
        });
      default:
        throw new Error(`delivery over ${subscription.Protocol} is not emulated`);
    }
  };

  const operations: Record<string, Operation> = {
    CreateTopic(input, ctx) {
      const name = input.Name;
      if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(name)) {
        throw invalidParameter(
          'Invalid parameter: Topic Name must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
        );
      }
      const topicArn = `arn:aws:sns:${ctx.region}:${SANDBOX_ACCOUNT_ID}:${name}`;
      const existing = topics(ctx.region).get(topicArn);
      // CreateTopic is idempotent for the same name.
      if (!existing) {
        const attributes = (input.Attributes as Record<string, string> | undefined) ?? {};
        topics(ctx.region).set(topicArn, { TopicArn: topicArn, name, attributes, subscriptions: [] });
      }
      return { TopicArn: topicArn };
    },
    ListTopics(_input, ctx) {
      return { Topics: [...topics(ctx.region).keys()].map((TopicArn) => ({ TopicArn })) };
    },
    DeleteTopic(input, ctx) {
      const topic = findTopic(ctx.region, input.TopicArn);
      topics(ctx.region).delete(topic.TopicArn);
      return {};
    },
    Subscribe(input, ctx) {
      const topic = findTopic(ctx.region, input.TopicArn);
      const protocol = input.Protocol;
      const endpoint = input.Endpoint;
      if (
        typeof protocol !== 'string' ||
        !['email', 'email-json', 'lambda', 'http', 'https', 'sqs'].includes(protocol)
      ) {
        throw invalidParameter('Invalid parameter: Amazon SNS does not support this protocol string');
      }
      if (typeof endpoint !== 'string' || !validEndpoint(protocol as SubscriptionProtocol, endpoint)) {
        throw invalidParameter(
          `Invalid parameter: ${protocol === 'lambda' ? 'Lambda endpoint ARN' : 'Endpoint'}`,
        );
      }
      const attributes = { ...((input.Attributes as Record<string, string> | undefined) ?? {}) };
      let filterPolicy: Record<string, unknown> | undefined;
      if (attributes.FilterPolicy !== undefined) {
        try {
          filterPolicy = parseFilterPolicy(attributes.FilterPolicy);
        } catch (error) {
          if (error instanceof InvalidFilterPolicyError)
            throw invalidParameter(`Invalid parameter: ${error.message}`);
          throw error;
        }
      }
      const existing = topic.subscriptions.find((s) => s.Protocol === protocol && s.Endpoint === endpoint);
      const subscription: Subscription = existing ?? {
        SubscriptionArn: `${topic.TopicArn}:${randomUUID()}`,
        TopicArn: topic.TopicArn,
        Protocol: protocol as SubscriptionProtocol,
        Endpoint: endpoint,
        // Only email needs a person to click the confirmation link; lambda and (here) http confirm at once.
        confirmed: !protocol.startsWith('email'),
        token: randomBytes(32).toString('hex'),
        attributes,
        ...(filterPolicy ? { filterPolicy } : {}),
      };
      if (!existing) topic.subscriptions.push(subscription);
      const pending = !subscription.confirmed;
      if (pending) {
        void writeConfirmationMail(ctx, subscription);
        if ((options.emailConfirmation ?? 'auto') === 'auto') subscription.confirmed = true;
      }
      return {
        SubscriptionArn:
          pending && input.ReturnSubscriptionArn !== 'true'
            ? 'pending confirmation'
            : subscription.SubscriptionArn,
      };
    },
    ConfirmSubscription(input, ctx) {
      const topic = findTopic(ctx.region, input.TopicArn);
      const subscription = topic.subscriptions.find((s) => s.token === input.Token);
      if (!subscription) throw invalidParameter('Invalid token');
      subscription.confirmed = true;
      return { SubscriptionArn: subscription.SubscriptionArn };
    },
    Unsubscribe(input, ctx) {
      for (const topic of topics(ctx.region).values()) {
        topic.subscriptions = topic.subscriptions.filter((s) => s.SubscriptionArn !== input.SubscriptionArn);
      }
      return {};
    },
    ListSubscriptionsByTopic(input, ctx) {
      const topic = findTopic(ctx.region, input.TopicArn);
      return {
        Subscriptions: topic.subscriptions.map((s) => ({
          SubscriptionArn: s.confirmed ? s.SubscriptionArn : 'PendingConfirmation',
          Owner: SANDBOX_ACCOUNT_ID,
          Protocol: s.Protocol,
          Endpoint: s.Endpoint,
          TopicArn: s.TopicArn,
        })),
      };
    },
    GetTopicAttributes(input, ctx) {
      const topic = findTopic(ctx.region, input.TopicArn);
      const confirmed = topic.subscriptions.filter((s) => s.confirmed).length;
      return {
        Attributes: new QueryMap({
          ...topic.attributes,
          TopicArn: topic.TopicArn,
          Owner: SANDBOX_ACCOUNT_ID,
          SubscriptionsConfirmed: String(confirmed),
          SubscriptionsPending: String(topic.subscriptions.length - confirmed),
          SubscriptionsDeleted: '0',
        }),
      };
    },
    Publish(input, ctx) {
      const target = input.TopicArn ?? input.TargetArn;
      return { MessageId: publish(ctx.region, target, input, ctx.now()).messageId };
    },
  };

  const writeConfirmationMail = async (ctx: RequestContext, subscription: Subscription) => {
    try {
      await options.outbox.write({
        from: 'AWS Notifications <no-reply@sns.amazonaws.com>',
        to: subscription.Endpoint,
        subject: 'AWS Notification - Subscription Confirmation',
        date: ctx.now(),
        messageId: randomUUID(),
        body: `You have chosen to subscribe to the topic:\n${subscription.TopicArn}\n\nTo confirm this subscription, click or visit the link below (If this was in error no action is necessary):\n${baseUrl()}/_sandbox/sns/confirm?SubscriptionArn=${encodeURIComponent(subscription.SubscriptionArn)}\n\n(ConfirmSubscription token: ${subscription.token})`,
      });
    } catch {
      // A confirmation mail that cannot be written does not change the subscription.
    }
  };

  return {
    emulation: { signingName: 'sns', operations },
    async publishToSns(region, topicArn, input) {
      const result = publish(
        region,
        topicArn,
        {
          Message: input.message,
          ...(input.subject !== undefined ? { Subject: input.subject } : {}),
          ...(input.messageAttributes ? { MessageAttributes: input.messageAttributes } : {}),
        },
        options.now(),
      );
      return result;
    },
    confirm(region, key) {
      for (const topic of topics(region).values()) {
        for (const s of topic.subscriptions) {
          if (s.SubscriptionArn === key || s.Endpoint === key) {
            s.confirmed = true;
            return true;
          }
        }
      }
      return false;
    },
    deliveries: () => records.map((r) => ({ ...r })),
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    dump: (region) =>
      [...(states.get(region)?.values() ?? [])].map((t) => ({
        TopicArn: t.TopicArn,
        subscriptions: t.subscriptions.map((s) => ({
          SubscriptionArn: s.SubscriptionArn,
          Protocol: s.Protocol,
          Endpoint: s.Endpoint,
          confirmed: s.confirmed,
          attributes: s.attributes,
        })),
      })),
  };
}

interface Notification {
  messageId: string;
  topicArn: string;
  subject: string | undefined;
  message: string;
  attributes: Record<string, MessageAttribute>;
  timestamp: string;
  region: string;
}

function recordFor(n: Notification, s: Subscription, outcome: DeliveryRecord['outcome']): DeliveryRecord {
  return {
    messageId: n.messageId,
    topicArn: n.topicArn,
    subscriptionArn: s.SubscriptionArn,
    protocol: s.Protocol,
    endpoint: s.Endpoint,
    outcome,
  };
}

/** Picks the per-protocol text of a `MessageStructure=json` message (`email-json` reads `email`). */
function bodyFor(
  protocol: SubscriptionProtocol,
  message: string,
  perProtocol?: Record<string, unknown>,
): string {
  if (!perProtocol) return message;
  const key = protocol === 'email-json' ? 'email' : protocol;
  const specific = perProtocol[key];
  return typeof specific === 'string' ? specific : String(perProtocol.default);
}

function parseMessageAttributes(raw: unknown): Record<string, MessageAttribute> {
  if (raw === undefined) return {};
  if (!raw || typeof raw !== 'object') throw invalidParameter('Invalid parameter: MessageAttributes');
  const out: Record<string, MessageAttribute> = {};
  for (const [name, value] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
    const dataType = value?.DataType;
    if (typeof dataType !== 'string' || !/^(String|Number|Binary)(\.|$)/.test(dataType)) {
      throw new AwsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const stringValue = value.StringValue;
    const binaryValue = value.BinaryValue;
    if (dataType.startsWith('Binary') ? binaryValue === undefined : typeof stringValue !== 'string') {
      throw new AwsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    }
    out[name] = {
      DataType: dataType,
      ...(typeof stringValue === 'string' ? { StringValue: stringValue } : {}),
      ...(binaryValue !== undefined ? { BinaryValue: String(binaryValue) } : {}),
    };
  }
  return out;
}

function validEndpoint(protocol: SubscriptionProtocol, endpoint: string): boolean {
  switch (protocol) {
    case 'email':
    case 'email-json':
      return /^[^@\s]+@[^@\s]+$/.test(endpoint);
    case 'lambda':
      return /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/.test(endpoint);
    case 'http':
      return endpoint.startsWith('http://');
    case 'https':
      return endpoint.startsWith('https://');
    default:
      return endpoint.length > 0;
  }
}

/** Message attributes as SNS puts them in notifications: `{ Type, Value }`. */
function notificationAttributes(attributes: Record<string, MessageAttribute>) {
  return Object.fromEntries(
    Object.entries(attributes).map(([k, v]) => [
      k,
      { Type: v.DataType, Value: v.DataType.startsWith('Binary') ? v.BinaryValue : v.StringValue },
    ]),
  );
}

function httpNotification(n: Notification, unsubscribeUrl: string) {
  return {
    Type: 'Notification',
    MessageId: n.messageId,
    TopicArn: n.topicArn,
    ...(n.subject !== undefined ? { Subject: n.subject } : {}),
    Message: n.message,
    Timestamp: n.timestamp,
    SignatureVersion: '1',
    Signature: 'U0FOREJPWA==',
    SigningCertURL: `https://sns.${n.region}.amazonaws.com/SimpleNotificationService-sandbox.pem`,
    UnsubscribeURL: unsubscribeUrl,
    ...(Object.keys(n.attributes).length > 0
      ? { MessageAttributes: notificationAttributes(n.attributes) }
      : {}),
  };
}

/** The event a Lambda subscriber receives (`aws-lambda`'s `SNSEvent`). */
function lambdaEvent(n: Notification, s: Subscription, unsubscribeUrl: string) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: s.SubscriptionArn,
        Sns: {
          Type: 'Notification',
          MessageId: n.messageId,
          TopicArn: n.topicArn,
          Subject: n.subject ?? null,
          Message: n.message,
          Timestamp: n.timestamp,
          SignatureVersion: '1',
          Signature: 'U0FOREJPWA==',
          SigningCertUrl: `https://sns.${n.region}.amazonaws.com/SimpleNotificationService-sandbox.pem`,
          UnsubscribeUrl: unsubscribeUrl,
          MessageAttributes: notificationAttributes(n.attributes),
        },
      },
    ],
  };
}
