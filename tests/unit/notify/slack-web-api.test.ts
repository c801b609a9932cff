import { describe, expect, it } from 'vitest';
import { SLACK_API_URL, slackWebApi } from '../../../shared/notify/slack-web-api';

type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

/** A Web API client whose fetch answers from `answers` in turn (the last one repeats). */
function client(answers: Answer[], options: { apiUrl?: string } = {}) {
  const requests: Array<{ url: string; headers: Record<string, string>; body: unknown }> = [];
  const waits: number[] = [];
  const call = slackWebApi('xoxb-secret', {
    ...options,
    random: () => 0.5,
    sleep: async (ms) => {
      waits.push(ms);
    },
    fetch: (async (url: string, init: RequestInit) => {
      requests.push({
        url,
        headers: init.headers as Record<string, string>,
        body: JSON.parse(String(init.body)),
      });
      const a = answers[Math.min(requests.length - 1, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return new Response(JSON.stringify(a.body ?? {}), { status: a.status, headers: a.headers ?? {} });
    }) as unknown as typeof fetch,
  });
  return { call, requests, waits };
}

describe('slackWebApi', () => {
  it("POSTs JSON to the method's URL with the bot token as a bearer token, and returns the message ts", async () => {
    const { call, requests } = client([{ status: 200, body: { ok: true, channel: 'C1', ts: '1.000001' } }]);
    expect(await call('chat.postMessage', { channel: 'C1', text: 'hi' })).toEqual({
      status: 'ok',
      ts: '1.000001',
      attempts: 1,
    });
    expect(requests).toEqual([
      {
        url: `${SLACK_API_URL}/chat.postMessage`,
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-secret' },
        body: { channel: 'C1', text: 'hi' },
      },
    ]);
  });

  it('takes another base URL (the sandbox) without a trailing slash problem', async () => {
    const { call, requests } = client([{ status: 200, body: { ok: true, ts: '1.1' } }], {
      apiUrl: 'http://127.0.0.1:4566/_sandbox/slack-api/',
    });
    await call('chat.update', { channel: 'C1', ts: '1.1', text: 'x' });
    expect(requests[0]!.url).toBe('http://127.0.0.1:4566/_sandbox/slack-api/chat.update');
  });

  it('backs off after a 500 or a network error and then succeeds', async () => {
    const { call, waits } = client([
      { status: 500, body: { ok: false, error: 'internal_error' } },
      new TypeError('fetch failed'),
      { status: 200, body: { ok: true, ts: '2.2' } },
    ]);
    expect(await call('chat.postMessage', { channel: 'C1', text: 'x' })).toEqual({
      status: 'ok',
      ts: '2.2',
      attempts: 3,
    });
    expect(waits).toEqual([125, 250]);
  });

  it('honours ratelimited even when Slack answers it with HTTP 200', async () => {
    const { call, waits } = client([
      { status: 200, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '2' } },
      { status: 200, body: { ok: true, ts: '3.3' } },
    ]);
    expect((await call('chat.postMessage', { channel: 'C1', text: 'x' })).status).toBe('ok');
    expect(waits).toEqual([2000]);
  });

  it('gives up at once when Retry-After does not fit in the time the function has left', async () => {
    const { call, waits } = client([
      { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '10' } },
    ]);
    const outcome = await call(
      'chat.postMessage',
      { channel: 'C1', text: 'x' },
      { remainingMs: () => 5_000 },
    );
    expect(outcome).toMatchObject({ status: 'gave-up', attempts: 1 });
    expect(waits).toEqual([]);
  });

  it.each([
    ['channel_not_found', 'refused'],
    ['invalid_auth', 'refused'],
    ['not_in_channel', 'refused'],
    ['invalid_blocks', 'rejected'],
    ['message_not_found', 'rejected'],
  ])('answers %s as %s, without retrying', async (error, status) => {
    const { call, requests } = client([{ status: 200, body: { ok: false, error } }]);
    expect(await call('chat.update', { channel: 'C1', ts: '1.1', text: 'x' })).toEqual({
      status,
      error,
      attempts: 1,
    });
    expect(requests).toHaveLength(1);
  });

  it('never puts the token in an outcome', async () => {
    const { call } = client([new TypeError('connect ECONNREFUSED')]);
    const outcome = await call('chat.postMessage', { channel: 'C1', text: 'x' });
    expect(outcome.status).toBe('gave-up');
    expect(JSON.stringify(outcome)).not.toContain('xoxb-secret');
  });
});
