import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../../shared/middleware/telemetry';
import { notificationFromTransition } from '../../../shared/notify/notification';
import { createSlackNotifier } from '../../../shared/notify/slack-notifier';
import { standardPolicy, transitions } from './notify-fixtures';

const policy = standardPolicy();
const steps = transitions(policy);
const notification = notificationFromTransition({ policy, ...steps.rolledBack!, source: 'tick' });

function snsEvent(...messages: string[]) {
  return {
    Records: messages.map((Message, i) => ({ EventSource: 'aws:sns', Sns: { MessageId: `m${i}`, Message } })),
  };
}

function notifier(statuses: number[], url: string | null = 'https://hooks.slack.test/T/B/x') {
  const posted: unknown[] = [];
  let invalidated = 0;
  const fetchFn = (async (_url: string, init: RequestInit) => {
    posted.push(JSON.parse(String(init.body)));
    const status = statuses[Math.min(posted.length - 1, statuses.length - 1)]!;
    return new Response(status === 200 ? 'ok' : 'no_service', { status });
  }) as unknown as typeof fetch;
  const handler = createSlackNotifier({
    parameters: {
      getSecure: async () => url ?? undefined,
      invalidate: () => {
        invalidated++;
      },
    },
    webhookParameter: '/rollout-watchdog/test/slack-webhook-url',
    delivery: { fetch: fetchFn, sleep: async () => {} },
  });
  return { handler, posted, invalidated: () => invalidated };
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

  it('acknowledges a revoked webhook without retrying or throwing, and rereads the URL next time', async () => {
    const n = notifier([404]);
    const report = await n.handler(snsEvent(JSON.stringify(notification)));
    expect(report.records).toEqual([
      { status: 'permanent', httpStatus: 404, body: 'no_service', attempts: 1 },
    ]);
    expect(n.posted).toHaveLength(1);
    expect(n.invalidated()).toBe(1);
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

  it('acknowledges when no webhook URL is stored', async () => {
    const n = notifier([200], null);
    const report = await n.handler(snsEvent(JSON.stringify(notification)));
    expect(report.records[0]!.status).toBe('no-webhook');
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
