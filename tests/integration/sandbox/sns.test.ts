import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInProcessLambdaInvoker } from '../../../sandbox/lambda-invoker';
import { startTestSandbox, type TestSandbox } from './sandbox-fixture';

const REGION = 'us-east-1';

interface HttpDelivery {
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('SNS through the real SDK client', () => {
  let t: TestSandbox;
  let sns: SNSClient;
  const lambdaEvents: { name: string; event: SNSEvent }[] = [];
  const httpDeliveries: HttpDelivery[] = [];
  let receiver: http.Server;
  let receiverUrl: string;
  let topicCount = 0;

  const newTopic = async () => {
    topicCount += 1;
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `sns-suite-topic-${topicCount}` }));
    return TopicArn!;
  };

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        httpDeliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(req.url === '/broken' ? 500 : 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const record = (name: string) => (event: unknown) => {
      lambdaEvents.push({ name, event: event as SNSEvent });
    };
    t = await startTestSandbox({
      lambdaInvoker: createInProcessLambdaInvoker({
        'rollout-watchdog-local-slackNotifier': record('rollout-watchdog-local-slackNotifier'),
        'rollout-watchdog-local-regionSync': record('rollout-watchdog-local-regionSync'),
      }),
    });
    sns = new SNSClient(t.client(REGION));
  });
  afterEach(() => {
    lambdaEvents.length = 0;
    httpDeliveries.length = 0;
    t.sandbox.faults.clear();
  });
  afterAll(async () => {
    sns.destroy();
    await t.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('creates topics idempotently with the ARN AWS would give', async () => {
    const first = await sns.send(new CreateTopicCommand({ Name: 'sns-suite-idem' }));
    const again = await sns.send(new CreateTopicCommand({ Name: 'sns-suite-idem' }));
    expect(first.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:sns-suite-idem');
    expect(again.TopicArn).toBe(first.TopicArn);
  });

  it('delivers to a lambda subscriber in the SNS event shape with message attributes', async () => {
    const topic = await newTopic();
    const sub = await sns.send(
      new SubscribeCommand({
        TopicArn: topic,
        Protocol: 'lambda',
        Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:rollout-watchdog-local-slackNotifier',
      }),
    );
    expect(sub.SubscriptionArn).toMatch(new RegExp(`^${topic}:`));
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: topic,
        Subject: 'Rollout paused',
        Message: '{"kind":"paused"}',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'paused' } },
      }),
    );
    await vi.waitFor(() => expect(lambdaEvents).toHaveLength(1));
    const [record] = lambdaEvents[0]!.event.Records;
    expect(record).toMatchObject({
      EventSource: 'aws:sns',
      EventSubscriptionArn: sub.SubscriptionArn,
      Sns: {
        Type: 'Notification',
        MessageId,
        TopicArn: topic,
        Subject: 'Rollout paused',
        Message: '{"kind":"paused"}',
        Timestamp: new Date(t.clock.now()).toISOString(),
        MessageAttributes: { kind: { Type: 'String', Value: 'paused' } },
      },
    });
  });

  it('delivers only messages that pass the subscription filter policy', async () => {
    const topic = await newTopic();
    await sns.send(
      new SubscribeCommand({
        TopicArn: topic,
        Protocol: 'lambda',
        Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:rollout-watchdog-local-regionSync',
        Attributes: { FilterPolicy: JSON.stringify({ kind: ['promoted'] }) },
      }),
    );
    await sns.send(
      new PublishCommand({
        TopicArn: topic,
        Message: 'step advanced',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'step-advanced' } },
      }),
    );
    await sns.send(new PublishCommand({ TopicArn: topic, Message: 'no attributes at all' }));
    await sns.send(
      new PublishCommand({
        TopicArn: topic,
        Message: 'promoted!',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'promoted' } },
      }),
    );
    await vi.waitFor(() => expect(lambdaEvents).toHaveLength(1));
    await t.sandbox.sns.idle();
    expect(lambdaEvents.map((e) => e.event.Records[0]?.Sns.Message)).toEqual(['promoted!']);
  });

  it('refuses a malformed filter policy with InvalidParameterException', async () => {
    const topic = await newTopic();
    await expect(
      sns.send(
        new SubscribeCommand({
          TopicArn: topic,
          Protocol: 'lambda',
          Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:rollout-watchdog-local-regionSync',
          Attributes: { FilterPolicy: '{not json' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('posts to an HTTP subscriber as SNS does, and records a failing endpoint without failing the publish', async () => {
    const topic = await newTopic();
    await sns.send(
      new SubscribeCommand({ TopicArn: topic, Protocol: 'http', Endpoint: `${receiverUrl}/hook` }),
    );
    await sns.send(
      new SubscribeCommand({ TopicArn: topic, Protocol: 'http', Endpoint: `${receiverUrl}/broken` }),
    );
    const { MessageId } = await sns.send(
      new PublishCommand({ TopicArn: topic, Subject: 'Hello', Message: 'over http' }),
    );
    await t.sandbox.sns.idle();
    const delivered = httpDeliveries.find(
      (d) => d.headers['x-amz-sns-subscription-arn'] && d.body.includes('over http'),
    );
    expect(delivered?.headers).toMatchObject({
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': MessageId,
      'x-amz-sns-topic-arn': topic,
    });
    expect(JSON.parse(delivered!.body)).toMatchObject({
      Type: 'Notification',
      MessageId,
      TopicArn: topic,
      Subject: 'Hello',
      Message: 'over http',
      SignatureVersion: '1',
    });
    const outcomes = t.sandbox.sns
      .deliveries()
      .filter((d) => d.messageId === MessageId)
      .map((d) => [d.endpoint.replace(receiverUrl, ''), d.outcome]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['/hook', 'delivered'],
        ['/broken', 'failed'],
      ]),
    );
  });

  it('writes email deliveries to the outbox as .eml files a person can open', async () => {
    const topic = await newTopic();
    const sub = await sns.send(
      new SubscribeCommand({ TopicArn: topic, Protocol: 'email', Endpoint: 'oncall@example.com' }),
    );
    expect(sub.SubscriptionArn).toBe('pending confirmation');
    await sns.send(
      new PublishCommand({
        TopicArn: topic,
        Subject: 'Rollback: fraud-detector',
        Message: 'Canary rolled back.\nReason: 5xx',
      }),
    );
    await t.sandbox.sns.idle();
    const mails = await t.sandbox.outbox.list();
    const mail = mails.find((m) => m.subject === 'Rollback: fraud-detector');
    expect(mail).toMatchObject({ to: 'oncall@example.com' });
    const eml = await t.sandbox.outbox.read(mail!.file);
    expect(eml).toMatch(/^From: AWS Notifications <no-reply@sns\.amazonaws\.com>\r\n/);
    expect(eml).toContain('Content-Type: text/plain; charset=UTF-8');
    expect(eml).toContain('\r\n\r\nCanary rolled back.\r\nReason: 5xx\r\n');
    expect(mails.some((m) => m.subject === 'AWS Notification - Subscription Confirmation')).toBe(true);
  });

  it('sends each protocol its own text for MessageStructure=json', async () => {
    const topic = await newTopic();
    await sns.send(
      new SubscribeCommand({ TopicArn: topic, Protocol: 'email', Endpoint: 'structured@example.com' }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn: topic,
        Protocol: 'lambda',
        Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:rollout-watchdog-local-slackNotifier',
      }),
    );
    await sns.send(
      new PublishCommand({
        TopicArn: topic,
        Subject: 'Structured',
        MessageStructure: 'json',
        Message: JSON.stringify({
          default: 'plain default',
          email: 'for people',
          lambda: '{"for":"machines"}',
        }),
      }),
    );
    await vi.waitFor(() => expect(lambdaEvents).toHaveLength(1));
    await t.sandbox.sns.idle();
    expect(lambdaEvents[0]?.event.Records[0]?.Sns.Message).toBe('{"for":"machines"}');
    const mail = (await t.sandbox.outbox.list()).find((m) => m.subject === 'Structured');
    expect(await t.sandbox.outbox.read(mail!.file)).toContain('for people');
  });

  it('reports unconfirmed email subscriptions as PendingConfirmation when confirmation is manual', async () => {
    const manual = await startTestSandbox({ emailConfirmation: 'manual' });
    const client = new SNSClient(manual.client(REGION));
    try {
      const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'sns-suite-manual' }));
      await client.send(
        new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'waiting@example.com' }),
      );
      const before = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
      expect(before.Subscriptions).toEqual([
        expect.objectContaining({
          SubscriptionArn: 'PendingConfirmation',
          Protocol: 'email',
          Endpoint: 'waiting@example.com',
        }),
      ]);
      await client.send(new PublishCommand({ TopicArn, Subject: 'Not yet', Message: 'nobody reads this' }));
      await manual.sandbox.sns.idle();
      expect((await manual.sandbox.outbox.list()).some((m) => m.subject === 'Not yet')).toBe(false);

      expect(manual.sandbox.sns.confirm(REGION, 'waiting@example.com')).toBe(true);
      const after = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
      expect(after.Subscriptions?.[0]?.SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:`));
    } finally {
      client.destroy();
      await manual.stop();
    }
  });

  it('confirms an email subscription with ConfirmSubscription and the token from the confirmation mail', async () => {
    const manual = await startTestSandbox({ emailConfirmation: 'manual' });
    const client = new SNSClient(manual.client(REGION));
    try {
      const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'sns-suite-token' }));
      await client.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'token@example.com' }));
      await manual.sandbox.sns.idle();
      await vi.waitFor(async () => expect(await manual.sandbox.outbox.list()).toHaveLength(1));
      const [mail] = await manual.sandbox.outbox.list();
      const token = /ConfirmSubscription token: ([0-9a-f]+)/.exec(
        await manual.sandbox.outbox.read(mail!.file),
      )?.[1];
      await expect(
        client.send(new ConfirmSubscriptionCommand({ TopicArn, Token: 'wrong' })),
      ).rejects.toMatchObject({
        name: 'InvalidParameterException',
      });
      const confirmed = await client.send(new ConfirmSubscriptionCommand({ TopicArn, Token: token! }));
      expect(confirmed.SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:`));
      const listed = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
      expect(listed.Subscriptions?.[0]?.SubscriptionArn).toBe(confirmed.SubscriptionArn);
    } finally {
      client.destroy();
      await manual.stop();
    }
  });

  it.each([
    ['a subject with a line break', { Subject: 'two\nlines', Message: 'x' }, 'Invalid parameter: Subject'],
    ['a subject of 100 characters', { Subject: 's'.repeat(100), Message: 'x' }, 'Invalid parameter: Subject'],
    ['a non-ASCII subject', { Subject: 'Rollback → now', Message: 'x' }, 'Invalid parameter: Subject'],
    ['a message over 256 KB', { Message: 'x'.repeat(262_145) }, 'Invalid parameter: Message too long'],
    ['an empty message', { Message: '' }, 'Invalid parameter: Empty message'],
    [
      'a json structure without default',
      { MessageStructure: 'json', Message: '{"email":"x"}' },
      'Invalid parameter: Message Structure - No default entry in JSON message body',
    ],
  ])('refuses to publish %s with InvalidParameterException', async (_case, input, message) => {
    const topic = await newTopic();
    await expect(sns.send(new PublishCommand({ TopicArn: topic, ...input }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      $fault: 'client',
      message,
    });
  });

  it('accepts a subject of 99 printable ASCII characters and a message of exactly 256 KB', async () => {
    const topic = await newTopic();
    const result = await sns.send(
      new PublishCommand({ TopicArn: topic, Subject: 's'.repeat(99), Message: 'x'.repeat(262_144) }),
    );
    expect(result.MessageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers NotFoundException for an unknown topic', async () => {
    await expect(
      sns.send(
        new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:sns-suite-nope', Message: 'x' }),
      ),
    ).rejects.toMatchObject({ name: 'NotFoundException', message: 'Topic does not exist' });
  });

  it('publishes in-process for alarm actions with the same delivery', async () => {
    const topic = await newTopic();
    await sns.send(
      new SubscribeCommand({
        TopicArn: topic,
        Protocol: 'lambda',
        Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:rollout-watchdog-local-slackNotifier',
      }),
    );
    const { messageId } = await t.sandbox.sns.publishToSns(REGION, topic, {
      subject: 'ALARM',
      message: '{"AlarmName":"x"}',
    });
    await vi.waitFor(() => expect(lambdaEvents).toHaveLength(1));
    expect(lambdaEvents[0]?.event.Records[0]?.Sns).toMatchObject({ MessageId: messageId, Subject: 'ALARM' });
  });

  it('drops or duplicates deliveries when the faults say so', async () => {
    const topic = await newTopic();
    await sns.send(
      new SubscribeCommand({
        TopicArn: topic,
        Protocol: 'lambda',
        Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:rollout-watchdog-local-slackNotifier',
      }),
    );
    t.sandbox.faults.dropDeliveries(1, 'sns');
    t.sandbox.faults.duplicateDeliveries(1, 'sns');
    await sns.send(new PublishCommand({ TopicArn: topic, Message: 'dropped' }));
    await sns.send(new PublishCommand({ TopicArn: topic, Message: 'twice' }));
    await sns.send(new PublishCommand({ TopicArn: topic, Message: 'once' }));
    await vi.waitFor(() => expect(lambdaEvents).toHaveLength(3));
    await t.sandbox.sns.idle();
    expect(lambdaEvents.map((e) => e.event.Records[0]?.Sns.Message)).toEqual(['twice', 'twice', 'once']);
    expect(t.sandbox.sns.deliveries().some((d) => d.outcome === 'dropped')).toBe(true);
  });
});
