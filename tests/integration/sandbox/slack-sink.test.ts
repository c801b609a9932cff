import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from './sandbox-fixture';

describe('the Slack webhook sink over HTTP', () => {
  let t: TestSandbox;
  const hook = 'slack-suite-hook';

  const postTo = (body: unknown) =>
    fetch(t.sandbox.slackWebhookUrl(hook), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    t = await startTestSandbox();
  });
  afterEach(() => t.sandbox.slack.reset());
  afterAll(async () => {
    await t.stop();
  });

  it('records text and blocks and answers ok', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Rolled back*' } }];
    const response = await postTo({ text: 'Rolled back', blocks });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    const listed = (await (await fetch(t.sandbox.slackWebhookUrl(hook))).json()) as { posts: unknown[] };
    expect(listed.posts).toEqual([expect.objectContaining({ text: 'Rolled back', blocks })]);
    const hooks = await (await fetch(`${t.sandbox.url}/_sandbox/slack`)).json();
    expect(hooks).toEqual([{ hookId: hook, posts: 1, attempts: 1 }]);
  });

  it('answers 429 with Retry-After for the next K posts, then accepts again', async () => {
    t.sandbox.slack.behave(hook, { failure: 'rate_limited', times: 2, retryAfterSeconds: 7 });
    for (let i = 0; i < 2; i++) {
      const limited = await postTo({ text: `try ${i}` });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('7');
      expect(await limited.text()).toBe('rate_limited');
    }
    expect((await postTo({ text: 'third time' })).status).toBe(200);
    expect(t.sandbox.slack.posts(hook).map((p) => p.text)).toEqual(['third time']);
    expect(t.sandbox.slack.attempts(hook).map((a) => a.status)).toEqual([429, 429, 200]);
  });

  it.each([
    ['no_service', 404, 'no_service'],
    ['channel_is_archived', 410, 'channel_is_archived'],
    ['action_prohibited', 403, 'action_prohibited'],
    ['invalid_payload', 400, 'invalid_payload'],
    ['server_error', 500, 'internal_error'],
  ] as const)('answers %s as Slack does (%i %s) until reset', async (failure, status, body) => {
    t.sandbox.slack.behave(hook, { failure });
    for (let i = 0; i < 2; i++) {
      const response = await postTo({ text: 'x' });
      expect(response.status).toBe(status);
      expect(await response.text()).toBe(body);
    }
    expect(t.sandbox.slack.posts(hook)).toEqual([]);
  });

  it.each([
    ['a body that is not JSON', 'text=hello', 'invalid_payload'],
    ['a payload with neither text nor blocks', { username: 'bot' }, 'no_text'],
  ])('refuses %s with 400', async (_case, body, answer) => {
    const response = await postTo(body);
    expect(response.status).toBe(400);
    expect(await response.text()).toBe(answer);
  });

  it('takes a behaviour over the control route', async () => {
    const set = await fetch(`${t.sandbox.slackWebhookUrl(hook)}/behaviour`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failure: 'rate_limited', times: 1, retryAfterSeconds: 3 }),
    });
    expect(set.status).toBe(200);
    const limited = await postTo({ text: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
  });
});

describe('the Slack Web API sink over HTTP (chat.postMessage, chat.update)', () => {
  let t: TestSandbox;
  const channel = 'C0SINKSUITE';
  const api = (method: string, body: unknown, token: string | null = 'xoxb-sink-suite') =>
    fetch(`${t.sandbox.url}/_sandbox/slack-api/${method}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });
  const json = async (response: Response) => (await response.json()) as Record<string, unknown>;

  beforeAll(async () => {
    t = await startTestSandbox();
  });
  afterEach(() => t.sandbox.slack.reset());
  afterAll(async () => {
    await t.stop();
  });

  it('posts a message and a reply in its thread, updates the first in place, and lists them', async () => {
    const card = await json(await api('chat.postMessage', { channel, text: 'card v1' }));
    expect(card).toMatchObject({ ok: true, channel, ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    const reply = await json(
      await api('chat.postMessage', {
        channel,
        thread_ts: card.ts,
        text: 'rolled back',
        reply_broadcast: true,
      }),
    );
    expect(reply).toMatchObject({ ok: true, message: { thread_ts: card.ts } });
    expect(await json(await api('chat.update', { channel, ts: card.ts, text: 'card v2' }))).toMatchObject({
      ok: true,
      ts: card.ts,
    });
    const listed = (await (await fetch(`${t.sandbox.url}/_sandbox/slack-api?channel=${channel}`)).json()) as {
      messages: Array<{ ts: string; text: string; threadTs?: string; broadcast: boolean; edits: unknown[] }>;
    };
    expect(listed.messages).toEqual([
      expect.objectContaining({
        ts: card.ts,
        text: 'card v2',
        broadcast: false,
        edits: [expect.objectContaining({ text: 'card v1' })],
      }),
      expect.objectContaining({ ts: reply.ts, text: 'rolled back', threadTs: card.ts, broadcast: true }),
    ]);
  });

  it.each([
    ['no token', null, { channel, text: 'x' }, 'not_authed'],
    ['a revoked token', 'xoxb-revoked-9', { channel, text: 'x' }, 'invalid_auth'],
    ['a channel id Slack would not issue', 'xoxb-1', { channel: '#general', text: 'x' }, 'channel_not_found'],
    ['no text, blocks or attachments', 'xoxb-1', { channel }, 'no_text'],
  ])('answers ok: false for %s', async (_case, token, body, error) => {
    const response = await api('chat.postMessage', body, token);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ ok: false, error });
  });

  it('refuses to update a message that does not exist', async () => {
    expect(await json(await api('chat.update', { channel, ts: '1.000001', text: 'x' }))).toEqual({
      ok: false,
      error: 'message_not_found',
    });
  });

  it('rate limits the next calls with 429 and Retry-After when told to, then accepts again', async () => {
    const set = await fetch(`${t.sandbox.url}/_sandbox/slack-api/behaviour`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failure: 'ratelimited', times: 1, retryAfterSeconds: 4 }),
    });
    expect(set.status).toBe(200);
    const limited = await api('chat.postMessage', { channel, text: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('4');
    expect(await json(limited)).toEqual({ ok: false, error: 'ratelimited' });
    expect((await json(await api('chat.postMessage', { channel, text: 'x' }))).ok).toBe(true);
  });

  it('plays channel_not_found for one method only when told to', async () => {
    t.sandbox.slack.api.behave({ failure: 'channel_not_found', method: 'chat.update' });
    const posted = await json(await api('chat.postMessage', { channel, text: 'x' }));
    expect(posted.ok).toBe(true);
    expect(await json(await api('chat.update', { channel, ts: posted.ts, text: 'y' }))).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
  });
});
