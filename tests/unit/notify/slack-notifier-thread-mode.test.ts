import { describe, expect, it } from 'vitest';
import { createSlackApiSink } from '../../../sandbox/slack-api-sink';
import { notificationFromTransition, type RolloutNotification } from '../../../shared/notify/notification';
import {
  type AlertPublisher,
  createSlackNotifier,
  failureToKeep,
} from '../../../shared/notify/slack-notifier';
import type { SlackThread, SlackThreadStore } from '../../../shared/notify/slack-thread';
import { slackWebApi } from '../../../shared/notify/slack-web-api';
import { standardPolicy, transitions } from './notify-fixtures';

const policy = standardPolicy();
const steps = transitions(policy);
const TOKEN_PARAMETER = '/rollout-watchdog/test/slack-bot-token';
const CHANNEL_PARAMETER = '/rollout-watchdog/test/slack-channel-id';
const WEBHOOK_PARAMETER = '/rollout-watchdog/test/slack-webhook-url';

const announce = (key: string, version: number): RolloutNotification => ({
  ...notificationFromTransition({ policy, ...steps[key]!, source: 'tick' }),
  notificationId: `r-1#${version}#0`,
  rolloutVersion: version,
});
const snsEvent = (n: RolloutNotification, id: string) => ({
  Records: [{ EventSource: 'aws:sns', Sns: { MessageId: id, Message: JSON.stringify(n) } }],
});

function rig(parameters: Record<string, string>) {
  const sink = createSlackApiSink();
  const webhookPosts: unknown[] = [];
  const alerts: RolloutNotification[] = [];
  const items = new Map<string, SlackThread>();
  const store: SlackThreadStore = {
    get: async (e, r) => items.get(`${e}/${r}`),
    put: async (t, rev) => {
      const stored = items.get(`${t.endpointName}/${t.rolloutId}`);
      if (rev === null ? stored : stored?.rev !== rev) return false;
      items.set(`${t.endpointName}/${t.rolloutId}`, t);
      return true;
    },
  };
  const fetchFn = (async (url: string, init: RequestInit) => {
    if (url.startsWith('https://hooks.slack.test/')) {
      webhookPosts.push(JSON.parse(String(init.body)));
      return new Response('ok', { status: 200 });
    }
    const reply = sink.call(
      url.split('/').pop()!,
      (init.headers as Record<string, string>).authorization,
      String(init.body),
    );
    return new Response(reply.body, { status: reply.status, headers: reply.headers });
  }) as unknown as typeof fetch;
  const alertPublisher: AlertPublisher = {
    publish: async (n) => {
      alerts.push(n);
      return { ok: true, messageId: `alert-${alerts.length}` };
    },
  };
  const notify = createSlackNotifier({
    parameters: { getSecure: async (name) => parameters[name] },
    webhookParameter: WEBHOOK_PARAMETER,
    delivery: { fetch: fetchFn, sleep: async () => {} },
    alerts: alertPublisher,
    region: 'us-east-1',
    thread: {
      tokenParameter: TOKEN_PARAMETER,
      channelParameter: CHANNEL_PARAMETER,
      store,
      client: (token) =>
        slackWebApi(token, { fetch: fetchFn, sleep: async () => {}, apiUrl: 'https://slack.test/api' }),
    },
  });
  return { sink, webhookPosts, alerts, notify };
}

describe('the Slack notifier with the thread mode configured', () => {
  it('posts to the webhook while the token parameter holds no token', async () => {
    const { sink, webhookPosts, notify } = rig({ [WEBHOOK_PARAMETER]: 'https://hooks.slack.test/T/B/x' });
    const report = await notify(snsEvent(announce('started', 1), 'm1'));
    expect(report.records).toEqual([{ status: 'delivered', attempts: 1 }]);
    expect(webhookPosts).toHaveLength(1);
    expect(sink.calls()).toEqual([]);
  });

  it('keeps one thread per rollout once a token and channel are stored', async () => {
    const { sink, webhookPosts, notify } = rig({
      [WEBHOOK_PARAMETER]: 'https://hooks.slack.test/T/B/x',
      [TOKEN_PARAMETER]: 'xoxb-1',
      [CHANNEL_PARAMETER]: 'C0THREADS',
    });
    await notify(snsEvent(announce('started', 1), 'm1'));
    await notify(snsEvent(announce('rolledBack', 2), 'm2'));
    expect(webhookPosts).toEqual([]);
    const messages = sink.messages('C0THREADS');
    expect(messages.filter((m) => m.threadTs === undefined)).toHaveLength(1);
    expect(messages.filter((m) => m.threadTs !== undefined).map((m) => m.broadcast)).toEqual([false, true]);
  });

  it('keeps the message for a retry when the channel parameter is missing', async () => {
    const { notify } = rig({ [TOKEN_PARAMETER]: 'xoxb-1' });
    const report = await notify(snsEvent(announce('started', 1), 'm1'));
    expect(report.records[0]).toMatchObject({ status: 'no-webhook' });
    expect(failureToKeep(report)).toBeDefined();
  });

  it.each(['channel_not_found', 'invalid_auth'] as const)(
    'alerts by email once on %s, names the parameter to fix, and does not retry',
    async (failure) => {
      const { sink, alerts, notify } = rig({ [TOKEN_PARAMETER]: 'xoxb-1', [CHANNEL_PARAMETER]: 'C0THREADS' });
      sink.behave({ failure });
      const first = await notify(snsEvent(announce('started', 1), 'm1'));
      const second = await notify(snsEvent(announce('advanced', 2), 'm2'));
      expect(first.records[0]).toMatchObject({ status: 'permanent', body: failure, alert: 'sent' });
      expect(second.records[0]).toMatchObject({ status: 'permanent', alert: 'already-sent' });
      expect(failureToKeep(first)).toBeUndefined();
      expect(alerts).toHaveLength(1);
      expect(alerts[0]!.reason).toContain(failure === 'invalid_auth' ? TOKEN_PARAMETER : CHANNEL_PARAMETER);
      expect(JSON.stringify(alerts[0])).not.toContain('xoxb-1');
    },
  );
});
