import { describe, expect, it } from 'vitest';
import type { SlackPayload } from '../../../shared/notify/render-slack';
import { describePayloadShape, postToSlack } from '../../../shared/notify/slack-delivery';

const payload: SlackPayload = {
  text: 'hello',
  attachments: [
    { color: '#fff', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'secret body' } }] },
  ],
};

type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'network-error';

/** A fetch that answers from a script and records each call; sleeps are recorded, not waited. */
function scripted(replies: Reply[]) {
  const calls: string[] = [];
  const sleeps: number[] = [];
  const fetchFn = (async (url: string) => {
    calls.push(String(url));
    const reply = replies[Math.min(calls.length - 1, replies.length - 1)]!;
    if (reply === 'network-error') throw new TypeError('fetch failed');
    return new Response(reply.body ?? '', { status: reply.status, headers: reply.headers });
  }) as unknown as typeof fetch;
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  return { calls, sleeps, fetchFn, sleep };
}

describe('postToSlack', () => {
  it.each([
    [403, 'action_prohibited'],
    [404, 'no_service'],
    [410, 'channel_is_archived'],
  ])('treats %i %s as permanent: one attempt, no retry', async (status, body) => {
    const s = scripted([{ status, body }]);
    const outcome = await postToSlack('https://hooks/x', payload, { fetch: s.fetchFn, sleep: s.sleep });
    expect(outcome).toEqual({ status: 'permanent', httpStatus: status, body, attempts: 1 });
    expect(s.calls).toHaveLength(1);
    expect(s.sleeps).toEqual([]);
  });

  it('does not retry a payload Slack refused (400 invalid_payload)', async () => {
    const s = scripted([{ status: 400, body: 'invalid_payload' }]);
    const outcome = await postToSlack('https://hooks/x', payload, { fetch: s.fetchFn, sleep: s.sleep });
    expect(outcome).toMatchObject({ status: 'rejected', httpStatus: 400, attempts: 1 });
  });

  it('waits Retry-After seconds after a 429, then delivers', async () => {
    const s = scripted([
      { status: 429, body: 'rate_limited', headers: { 'retry-after': '3' } },
      { status: 200, body: 'ok' },
    ]);
    const outcome = await postToSlack('https://hooks/x', payload, { fetch: s.fetchFn, sleep: s.sleep });
    expect(outcome).toEqual({ status: 'delivered', attempts: 2 });
    expect(s.sleeps).toEqual([3000]);
  });

  it('gives up on a 429 whose wait would outlast the Lambda', async () => {
    const s = scripted([{ status: 429, headers: { 'retry-after': '10' } }, { status: 200 }]);
    const outcome = await postToSlack('https://hooks/x', payload, {
      fetch: s.fetchFn,
      sleep: s.sleep,
      remainingMs: () => 8_000,
    });
    expect(outcome.status).toBe('gave-up');
    expect(s.calls).toHaveLength(1);
    expect(s.sleeps).toEqual([]);
  });

  it('gives up on a Retry-After above the cap', async () => {
    const s = scripted([{ status: 429, headers: { 'retry-after': '3600' } }]);
    const outcome = await postToSlack('https://hooks/x', payload, { fetch: s.fetchFn, sleep: s.sleep });
    expect(outcome).toMatchObject({ status: 'gave-up', attempts: 1 });
  });

  it('retries 5xx and network errors with bounded, jittered backoff', async () => {
    const s = scripted([{ status: 500 }, 'network-error', { status: 503 }, { status: 200 }]);
    const outcome = await postToSlack('https://hooks/x', payload, {
      fetch: s.fetchFn,
      sleep: s.sleep,
      random: () => 0.5,
      baseBackoffMs: 100,
      maxBackoffMs: 300,
    });
    expect(outcome).toEqual({ status: 'delivered', attempts: 4 });
    expect(s.sleeps).toEqual([50, 100, 150]);
  });

  it('stops after maxAttempts when Slack keeps failing', async () => {
    const s = scripted([{ status: 500, body: 'oops' }]);
    const outcome = await postToSlack('https://hooks/x', payload, {
      fetch: s.fetchFn,
      sleep: s.sleep,
      maxAttempts: 3,
    });
    expect(outcome).toMatchObject({ status: 'gave-up', attempts: 3 });
    expect(s.calls).toHaveLength(3);
  });

  it('describes a payload by its shape without its text', () => {
    const shape = describePayloadShape(payload);
    expect(JSON.stringify(shape)).not.toContain('secret body');
    expect(shape).toMatchObject({
      textLength: 5,
      attachments: [{ blocks: [{ type: 'section', textLength: 11 }] }],
    });
  });
});
