import { describe, expect, it } from 'vitest';
import { createSlackApiSink, type SlackApiSink } from '../../../sandbox/slack-api-sink';
import { notificationFromTransition, type RolloutNotification } from '../../../shared/notify/notification';
import { postToThread, type SlackThread, type SlackThreadStore } from '../../../shared/notify/slack-thread';
import { slackWebApi } from '../../../shared/notify/slack-web-api';
import { standardPolicy, transitions } from './notify-fixtures';

const policy = standardPolicy();
const steps = transitions(policy);
const CHANNEL = 'C0ROLLOUTS';
const NOW = Date.parse('2026-01-01T00:00:00Z');

const announce = (key: string, version: number, rollout = 'r-1'): RolloutNotification => ({
  ...notificationFromTransition({ policy, ...steps[key]!, source: 'tick' }),
  notificationId: `${rollout}#${version}#0`,
  rolloutVersion: version,
});

/** The thread items in memory, with DynamoDB's conditional-write semantics on `rev`. */
function memoryStore(): SlackThreadStore & { items: Map<string, SlackThread>; beforePut?: () => void } {
  const items = new Map<string, SlackThread>();
  const store = {
    items,
    beforePut: undefined as (() => void) | undefined,
    async get(endpoint: string, rolloutId: string) {
      const t = items.get(`${endpoint}/${rolloutId}`);
      return t ? structuredClone(t) : undefined;
    },
    async put(thread: SlackThread, expectedRev: number | null) {
      store.beforePut?.();
      const key = `${thread.endpointName}/${thread.rolloutId}`;
      const stored = items.get(key);
      if (expectedRev === null ? stored !== undefined : stored?.rev !== expectedRev) return false;
      items.set(key, structuredClone(thread));
      return true;
    },
  };
  return store;
}

/** The real Web API client, its fetch answered by the sandbox's sink; waits are recorded, not slept. */
function rig(token = 'xoxb-test') {
  const sink: SlackApiSink = createSlackApiSink();
  const waits: number[] = [];
  const slack = slackWebApi(token, {
    apiUrl: 'https://slack.test/api',
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    fetch: (async (url: string, init: RequestInit) => {
      const method = url.split('/').pop()!;
      const headers = init.headers as Record<string, string>;
      const reply = sink.call(method, headers.authorization, String(init.body));
      return new Response(reply.body, { status: reply.status, headers: reply.headers });
    }) as unknown as typeof fetch,
  });
  const store = memoryStore();
  const post = (n: RolloutNotification) => postToThread({ slack, store, channel: CHANNEL }, n, { now: NOW });
  return { sink, store, waits, post };
}

describe('postToThread', () => {
  it('opens a rollout with its card, then keeps that one card current and replies in its thread in order', async () => {
    const { sink, post } = rig();
    for (const [key, version] of [
      ['started', 1],
      ['advanced', 2],
      ['rolledBack', 3],
    ] as const)
      expect((await post(announce(key, version))).status).toBe('delivered');

    const messages = sink.messages(CHANNEL);
    const cards = messages.filter((m) => m.threadTs === undefined);
    expect(cards).toHaveLength(1);
    const card = cards[0]!;
    expect(card.edits).toHaveLength(2);
    expect(JSON.stringify(card.attachments)).toContain('#3 rolled-back');
    const replies = messages.filter((m) => m.threadTs === card.ts);
    expect(replies.map((r) => /^\[([A-Z ]+) #(\d+)\]/.exec(r.text ?? '')?.slice(1))).toEqual([
      ['STARTED', '1'],
      ['ADVANCED', '2'],
      ['ROLLED BACK', '3'],
    ]);
    expect(replies.map((r) => r.broadcast)).toEqual([false, false, true]);
  });

  it('stores the card ts with the rollout, and a new rollout of the endpoint gets a thread of its own', async () => {
    const { sink, store, post } = rig();
    await post(announce('started', 1, 'r-1'));
    await post(announce('started', 1, 'r-2'));
    const threads = [...store.items.values()];
    expect(threads.map((t) => t.rolloutId)).toEqual(['r-1', 'r-2']);
    expect(new Set(threads.map((t) => t.ts)).size).toBe(2);
    expect(
      sink
        .messages(CHANNEL)
        .filter((m) => m.threadTs === undefined)
        .map((m) => m.ts),
    ).toEqual(threads.map((t) => t.ts));
  });

  it('never takes the card back to an older decision that arrives late; its reply reads as earlier', async () => {
    const { sink, post } = rig();
    await post(announce('started', 1));
    await post(announce('rolledBack', 3));
    await post(announce('held', 2));
    const [card, ...replies] = sink.messages(CHANNEL);
    expect(JSON.stringify(card!.attachments)).toContain('#3 rolled-back');
    expect(card!.edits).toHaveLength(1);
    expect(JSON.stringify(replies[2]!.attachments)).toContain('Earlier decision #2');
  });

  it('drops a redelivered decision the thread already has', async () => {
    const { sink, post } = rig();
    const n = announce('started', 1);
    await post(n);
    expect(await post(n)).toEqual({ status: 'duplicate', key: 'r-1#1#0' });
    expect(sink.messages(CHANNEL)).toHaveLength(2);
  });

  it('waits the Retry-After of a rate-limited call and then posts', async () => {
    const { sink, waits, post } = rig();
    sink.behave({ failure: 'ratelimited', times: 2, retryAfterSeconds: 3 });
    const outcome = await post(announce('started', 1));
    expect(outcome).toMatchObject({ status: 'delivered', attempts: 4 });
    expect(waits).toEqual([3000, 3000]);
    expect(sink.messages(CHANNEL)).toHaveLength(2);
  });

  it('gives up for a later retry when Retry-After is above the cap, and the retry finishes without a second card', async () => {
    const { sink, post } = rig();
    await post(announce('started', 1));
    sink.behave({ failure: 'ratelimited', method: 'chat.postMessage', times: 1, retryAfterSeconds: 120 });
    const first = await post(announce('advanced', 2));
    expect(first).toMatchObject({ status: 'gave-up' });
    expect((await post(announce('advanced', 2))).status).toBe('delivered');
    const messages = sink.messages(CHANNEL);
    expect(messages.filter((m) => m.threadTs === undefined)).toHaveLength(1);
    expect(messages.filter((m) => m.threadTs !== undefined)).toHaveLength(2);
  });

  it('repairs a card update that failed before: the next delivery applies the stored card', async () => {
    const { sink, store, post } = rig();
    await post(announce('started', 1));
    sink.behave({ failure: 'internal_error', method: 'chat.update' });
    expect((await post(announce('advanced', 2))).status).toBe('gave-up');
    sink.reset();
    const thread = [...store.items.values()][0]!;
    expect(thread.card.version).toBe(2);
    expect(thread.shownVersion).toBe(1);
  });

  it.each(['channel_not_found', 'invalid_auth'] as const)(
    'reports %s as refused, without retrying',
    async (failure) => {
      const { sink, post } = rig();
      sink.behave({ failure });
      expect(await post(announce('started', 1))).toEqual({ status: 'refused', error: failure, attempts: 1 });
      expect(sink.calls()).toHaveLength(1);
    },
  );

  it('a revoked token is refused by the sink as Slack refuses it', async () => {
    const { post } = rig('xoxb-revoked-1');
    expect(await post(announce('started', 1))).toMatchObject({ status: 'refused', error: 'invalid_auth' });
  });

  it('re-applies the newer card when another delivery claimed it while this one updated the card', async () => {
    const { sink, store, post } = rig();
    await post(announce('started', 1));
    // While decision #2 is delivered, another container claims #3 (and shows it) before #2 records its reply.
    let raced = false;
    store.beforePut = () => {
      const thread = [...store.items.values()][0]!;
      if (raced || thread.card.version !== 2) return;
      raced = true;
      store.items.set(`${thread.endpointName}/${thread.rolloutId}`, {
        ...thread,
        rev: thread.rev + 1,
        card: { ...thread.card, version: 3, text: 'newer card' },
        shownVersion: 3,
      });
    };
    expect((await post(announce('advanced', 2))).status).toBe('delivered');
    const card = sink.messages(CHANNEL)[0]!;
    expect(card.text).toBe('newer card');
  });
});
