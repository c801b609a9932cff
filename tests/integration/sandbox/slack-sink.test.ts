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
