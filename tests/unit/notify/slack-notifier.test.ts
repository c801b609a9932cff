import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../../shared/middleware/telemetry';
import { notificationFromTransition, type RolloutNotification } from '../../../shared/notify/notification';
import {
  type AlertPublisher,
  createSlackNotifier,
  failureToKeep,
  type RecordOutcome,
} from '../../../shared/notify/slack-notifier';
import { standardPolicy, transitions } from './notify-fixtures';

const policy = standardPolicy();
const steps = transitions(policy);
const notification = notificationFromTransition({ policy, ...steps.rolledBack!, source: 'tick' });

function snsEvent(...messages: string[]) {
  return {
    Records: messages.map((Message, i) => ({ EventSource: 'aws:sns', Sns: { MessageId: `m${i}`, Message } })),
  };
}

/** An SNS event of one record with its own message id (SNS gives every publish its own). */
function snsEventOf(messageId: string, n: RolloutNotification) {
  return { Records: [{ EventSource: 'aws:sns', Sns: { MessageId: messageId, Message: JSON.stringify(n) } }] };
}

const STATUS_BODY: Readonly<Record<number, string>> = {
  200: 'ok',
  404: 'no_service',
  410: 'channel_is_archived',
  500: 'internal_error',
};

function notifier(
  statuses: number[],
  url: string | null = 'https://hooks.slack.test/T/B/x',
  alertResult: { ok: boolean; error?: string } = { ok: true },
) {
  const posted: unknown[] = [];
  const alerts: Array<{ n: RolloutNotification; audience: string }> = [];
  let invalidated = 0;
  let currentUrl = url;
  const fetchFn = (async (_url: string, init: RequestInit) => {
    posted.push(JSON.parse(String(init.body)));
    const status = statuses[Math.min(posted.length - 1, statuses.length - 1)]!;
    return new Response(STATUS_BODY[status] ?? 'error', { status });
  }) as unknown as typeof fetch;
  // Records what the notifier asks the topic to carry (the integration suite publishes for real).
  const alertPublisher: AlertPublisher = {
    publish: async (n, options) => {
      alerts.push({ n, audience: options.audience });
      return alertResult;
    },
  };
  const handler = createSlackNotifier({
    parameters: {
      getSecure: async () => currentUrl ?? undefined,
      invalidate: () => {
        invalidated++;
      },
    },
    webhookParameter: '/rollout-watchdog/test/slack-webhook-url',
    delivery: { fetch: fetchFn, sleep: async () => {}, maxAttempts: 2 },
    alerts: alertPublisher,
    region: 'us-east-1',
  });
  return {
    handler,
    posted,
    alerts,
    invalidated: () => invalidated,
    rotate: (next: string) => {
      currentUrl = next;
    },
  };
}

describe('slack notifier', () => {
  beforeAll(() => logger.setLogLevel('SILENT'));

  it('posts each notification of the SNS event as a Block Kit message', async () => {
    const n = notifier([200]);
    const report = await n.handler(snsEvent(JSON.stringify(notification), JSON.stringify(notification)));
    expect(report.records.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(n.posted).toHaveLength(2);
    expect(JSON.stringify(n.posted[0])).toContain('[ROLLED BACK] demo-endpoint');
  });

  it('acknowledges a revoked webhook without retrying or keeping it, and rereads the URL next time', async () => {
    const n = notifier([404]);
    const report = await n.handler(snsEvent(JSON.stringify(notification)));
    expect(report.records).toEqual([
      { status: 'permanent', httpStatus: 404, body: 'no_service', attempts: 1, alert: 'sent' },
    ]);
    expect(n.posted).toHaveLength(1);
    expect(n.invalidated()).toBe(1);
    expect(failureToKeep(report)).toBeUndefined();
  });

  it.each([
    ['plain text', 'hello'],
    ['JSON that is not a notification', '{"hello":"world"}'],
    ['a notification without severity', JSON.stringify({ ...notification, severity: 'loud' })],
  ])('logs and acknowledges a message that is %s', async (_label, message) => {
    const n = notifier([200]);
    const report = await n.handler(snsEvent(message));
    expect(report.records[0]!.status).toBe('malformed');
    expect(n.posted).toHaveLength(0);
  });

  it('renders a CloudWatch alarm message on the topic as an alert', async () => {
    const n = notifier([200]);
    const alarm = {
      AlarmName: 'rollout-watchdog-prod-canary-tick-stopped',
      NewStateValue: 'ALARM',
      NewStateReason: 'Threshold Crossed: no datapoints',
      StateChangeTime: '2026-01-01T00:05:00.000+0000',
      Region: 'US East (N. Virginia)',
    };
    const report = await n.handler(snsEvent(JSON.stringify(alarm)));
    expect(report.records[0]!.status).toBe('delivered');
    expect(JSON.stringify(n.posted[0])).toContain('canary-tick-stopped is ALARM');
  });

  it('keeps the message when no webhook URL is stored (a retry or a redrive posts it once it is)', async () => {
    const n = notifier([200], null);
    const report = await n.handler(snsEvent(JSON.stringify(notification)));
    expect(report.records[0]!.status).toBe('no-webhook');
    expect(failureToKeep(report)?.name).toBe('SlackDeliveryFailedError');
  });

  it('never throws on an arbitrary event', async () => {
    const n = notifier([200]);
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (event) => {
        await expect(n.handler(event)).resolves.toBeDefined();
        await expect(n.handler({ Records: [event] })).resolves.toBeDefined();
        await expect(
          n.handler({ Records: [{ Sns: { Message: JSON.stringify(event) } }] }),
        ).resolves.toBeDefined();
      }),
      { numRuns: 150 },
    );
  });
});

describe('slack notifier: which failures keep the message', () => {
  it.each<[string, RecordOutcome, boolean]>([
    ['delivered', { status: 'delivered', attempts: 1 }, false],
    ['throttled or failing past the retries', { status: 'gave-up', reason: '429', attempts: 1 }, true],
    ['without a readable webhook URL', { status: 'no-webhook', problem: 'unreadable' }, true],
    [
      'revoked, its alert published',
      { status: 'permanent', httpStatus: 404, body: 'no_service', attempts: 1, alert: 'sent' },
      false,
    ],
    [
      'revoked, its alert not published',
      { status: 'permanent', httpStatus: 404, body: 'no_service', attempts: 1, alert: 'failed' },
      true,
    ],
    [
      'refused with 403',
      { status: 'permanent', httpStatus: 403, body: 'action_prohibited', attempts: 1 },
      false,
    ],
    ['rejected (400)', { status: 'rejected', httpStatus: 400, body: 'invalid_payload', attempts: 1 }, false],
    ['malformed', { status: 'malformed', problem: 'not JSON' }, false],
    ['posted before', { status: 'duplicate', key: 'r#1#0' }, false],
  ])('a record %s: kept for a retry = %s', (_label, outcome, kept) => {
    expect(failureToKeep({ records: [outcome] }) !== undefined).toBe(kept);
  });

  it('keeps an event when one of its records failed, and a retry posts only that one', async () => {
    const first = { ...notification, notificationId: 'demo#7#0', rolloutVersion: 7 };
    const second = { ...notification, notificationId: 'demo#8#0', rolloutVersion: 8 };
    const n = notifier([200, 500, 500, 200]);
    const event = snsEvent(JSON.stringify(first), JSON.stringify(second));
    const report = await n.handler(event);
    expect(report.records.map((r) => r.status)).toEqual(['delivered', 'gave-up']);
    expect(failureToKeep(report)).toBeDefined();
    const retry = await n.handler(event);
    expect(retry.records.map((r) => r.status)).toEqual(['duplicate', 'delivered']);
    expect(n.posted.filter((p) => JSON.stringify(p).includes('#7'))).toHaveLength(1);
  });
});

describe('slack notifier: redelivered copies', () => {
  const decision = { ...notification, notificationId: 'demo-endpoint#8#0', rolloutVersion: 8 };

  it.each([
    ['a copy republished after a crash (same notificationId, new SNS message id)', 'm-republished'],
    ['a Lambda retry of the same event (same SNS message id)', 'm-original'],
  ])('drops %s that this container already posted', async (_label, secondMessageId) => {
    const n = notifier([200]);
    await n.handler(snsEventOf('m-original', decision));
    const again = await n.handler(snsEventOf(secondMessageId, decision));
    expect(again.records).toEqual([{ status: 'duplicate', key: expect.any(String) }]);
    expect(n.posted).toHaveLength(1);
  });

  it('drops a retried copy of a message without a notificationId by its SNS message id', async () => {
    const n = notifier([200]);
    await n.handler(snsEventOf('m-1', notification));
    await n.handler(snsEventOf('m-1', notification));
    await n.handler(snsEventOf('m-2', notification));
    expect(n.posted).toHaveLength(2);
  });

  it('posts a late copy of an earlier decision as earlier, with the latest posted state', async () => {
    const n = notifier([200]);
    const latest: RolloutNotification = {
      ...decision,
      current: { version: 8, phase: 'RolledBack', canaryWeight: 0 },
    };
    // Published before decision 8 existed, delivered after it (a Lambda retry, say).
    const late: RolloutNotification = {
      ...notification,
      eventType: 'rollout.advanced',
      phase: 'Progressing',
      notificationId: 'demo-endpoint#7#0',
      rolloutVersion: 7,
      current: { version: 7, phase: 'Progressing', canaryWeight: 20 },
    };
    await n.handler(snsEventOf('m-8', latest));
    await n.handler(snsEventOf('m-7', late));
    expect((n.posted[1] as { text: string }).text).toContain(
      '[EARLIER #7 ADVANCED] demo-endpoint: now RolledBack, canary 0% (#8)',
    );
  });

  it("does not post the notifier's own email-only alert should its subscription let it through", async () => {
    const n = notifier([200]);
    const event = snsEventOf('m-alert', notification);
    Object.assign(event.Records[0]!.Sns, {
      MessageAttributes: { audience: { Type: 'String', Value: 'email-only' } },
    });
    const report = await n.handler(event);
    expect(report.records).toEqual([{ status: 'not-for-slack' }]);
    expect(n.posted).toHaveLength(0);
  });
});

describe('slack notifier: a revoked webhook alerts once by email', () => {
  const URL_A = 'https://hooks.slack.test/T/B/a';
  const URL_B = 'https://hooks.slack.test/T/B/b';
  const event = (i: number) => snsEventOf(`m${i}`, notification);

  it('alerts once for the same URL, for the email subscribers only', async () => {
    const n = notifier([404], URL_A);
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await n.handler(event(i))).records[0]);
    expect(outcomes.map((o) => (o as { alert?: string }).alert)).toEqual([
      'sent',
      'already-sent',
      'already-sent',
    ]);
    expect(n.alerts).toHaveLength(1);
    expect(n.alerts[0]!.audience).toBe('email-only');
    expect(n.alerts[0]!.n).toMatchObject({ eventType: 'rollout.alert', severity: 'critical' });
    expect(n.alerts[0]!.n.reason).toContain(
      '/rollout-watchdog/test/slack-webhook-url answered 404 (no_service)',
    );
    expect(JSON.stringify(n.alerts[0]!.n)).not.toContain(URL_A);
  });

  it.each([
    ['the URL changes and the new one is revoked too', [404, 410], true],
    ['the webhook works again and is then revoked', [404, 200, 404], false],
  ])('alerts again when %s', async (_label, statuses, rotate) => {
    const n = notifier(statuses, URL_A);
    await n.handler(event(0));
    if (rotate) n.rotate(URL_B);
    for (let i = 1; i < statuses.length; i++) await n.handler(event(i));
    expect(n.alerts).toHaveLength(2);
  });

  it('keeps the message when the alert cannot be published, and alerts on the retry', async () => {
    const n = notifier([404], URL_A, { ok: false, error: 'InternalError' });
    const report = await n.handler(event(0));
    expect(report.records[0]).toMatchObject({ status: 'permanent', alert: 'failed' });
    expect(failureToKeep(report)).toBeDefined();
  });
});
