import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT, runOperatorCli } from '../../../shared/cli-client/run-operator-cli';
import { logger, watchdogLog } from '../../../shared/middleware/telemetry';
import { notificationFromTransition } from '../../../shared/notify/notification';
import { createSlackNotifier } from '../../../shared/notify/slack-notifier';
import { standardPolicy, transitions } from '../notify/notify-fixtures';

/** Known secrets: none of their distinctive parts may appear in anything logged or printed. */
const WEBHOOK = 'https://hooks.slack.com/services/T0SECRET1/B0SECRET2/abcdSECRETxyz123';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = `IQoJb3JpZ2luX2VjE${'A1b2C3d4E5f6G7h8'.repeat(12)}==`;
const SIGNATURE = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMifQ.SflKxwRJSMeKKF2QT4fwpM';
const SIGV4 = `AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEID/20260301/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=${SIGNATURE}`;
const FRAGMENTS = [
  'T0SECRET1',
  'B0SECRET2',
  'abcdSECRETxyz123',
  SECRET_KEY,
  'EXAMPLEKEY',
  SESSION_TOKEN.slice(0, 24),
  'A1b2C3d4E5f6G7h8A1b2',
  SIGNATURE,
  'ASIAEXAMPLEID',
  BEARER.slice(0, 20),
  'SflKxwRJSMeKKF2QT4fwpM',
];

function expectNoSecret(text: string): void {
  for (const fragment of FRAGMENTS) expect(text).not.toContain(fragment);
}

/** Everything written to stdout and stderr while a test runs (where the Powertools logger writes). */
let written: string[] = [];
beforeEach(() => {
  written = [];
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  logger.setLogLevel('DEBUG');
});
afterEach(() => {
  vi.restoreAllMocks();
});

const policy = standardPolicy();
const notification = notificationFromTransition({
  policy,
  ...transitions(policy).rolledBack!,
  source: 'tick',
});
const snsEvent = {
  Records: [{ EventSource: 'aws:sns', Sns: { MessageId: 'm0', Message: JSON.stringify(notification) } }],
};

/** A fetch that behaves as undici's does: a URL that does not parse throws with the URL in the message. */
function slackFetch(status: number, body: (url: string) => string) {
  return (async (url: string) => {
    try {
      new URL(url);
    } catch (cause) {
      throw new TypeError(`Failed to parse URL from ${url}`, { cause });
    }
    return new Response(body(url), { status });
  }) as unknown as typeof fetch;
}

function notifier(options: {
  url?: string;
  getSecure?: () => Promise<string | undefined>;
  fetch: typeof fetch;
}) {
  return createSlackNotifier({
    parameters: { getSecure: options.getSecure ?? (async () => options.url), invalidate: () => {} },
    webhookParameter: '/rollout-watchdog/test/slack-webhook-url',
    delivery: { fetch: options.fetch, sleep: async () => {}, maxAttempts: 2 },
  });
}

describe('secrets never reach the logs: the Slack notifier', () => {
  it.each([
    ['a stored URL without its scheme', WEBHOOK.replace('https://', '')],
    ['a stored URL with a mistyped scheme', WEBHOOK.replace('https://', 'htps//')],
    ['a stored URL with a bad port', WEBHOOK.replace('.com/', '.com:notaport/')],
  ])('%s', async (_name, url) => {
    const handler = notifier({ url, fetch: slackFetch(200, () => 'ok') });
    const report = await handler(snsEvent);
    expect(report.records[0]!.status).toBe('gave-up');
    expect(written.join('')).toContain('gave up posting to Slack');
    expectNoSecret(written.join(''));
  });

  it.each([
    ['a permanent refusal (404)', 404],
    ['a rejected payload (400)', 400],
    ['a server error, retried then given up (500)', 500],
    ['throttling above the cap (429)', 429],
  ])('a Slack response body that echoes the URL: %s', async (_name, status) => {
    const handler = notifier({
      url: WEBHOOK,
      fetch: slackFetch(status, (url) => `no_service for ${url} (Authorization: Bearer ${BEARER})`),
    });
    await handler(snsEvent);
    expect(written.join('')).toMatch(/"level":"ERROR"/);
    expectNoSecret(written.join(''));
  });

  it('a network error whose cause names the URL', async () => {
    const fetchFn = (async (url: string) => {
      throw new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED ${url}`) });
    }) as unknown as typeof fetch;
    const handler = notifier({ url: WEBHOOK, fetch: fetchFn });
    await handler(snsEvent);
    expect(written.join('')).toContain('gave up posting to Slack');
    expectNoSecret(written.join(''));
  });

  it('an SSM read failure that echoes the parameter value and the signed request', async () => {
    const handler = notifier({
      getSecure: async () => {
        const error = new Error(
          `AccessDenied: value ${WEBHOOK}; Authorization: ${SIGV4}; X-Amz-Security-Token: ${SESSION_TOKEN}`,
        );
        Object.assign(error, { $metadata: { secretAccessKey: SECRET_KEY } });
        throw error;
      },
      fetch: slackFetch(200, () => 'ok'),
    });
    await handler(snsEvent);
    expect(written.join('')).toContain('reading the Slack webhook URL failed');
    expectNoSecret(written.join(''));
  });

  it('the WatchdogLog adapter redacts messages and nested extra fields', () => {
    watchdogLog.error(`posting to ${WEBHOOK} failed`, {
      request: { headers: { authorization: SIGV4, 'x-amz-security-token': SESSION_TOKEN } },
      attempts: [{ body: `echo ${WEBHOOK}`, key: `aws_secret_access_key=${SECRET_KEY}` }],
      error: new Error(`Bearer ${BEARER}`),
    });
    expect(written.join('')).toContain('posting to https://hooks.slack.com/[redacted] failed');
    expectNoSecret(written.join(''));
  });
});

describe('secrets never reach the output: the operator CLI', () => {
  const API = 'http://api.test';

  function answering(status: number, body: unknown) {
    return (async () =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      })) as unknown as typeof fetch;
  }

  it.each([
    [
      'a refusal whose problems echo a webhook URL',
      answering(400, {
        error: 'invalid request',
        problems: [`notify.slack.webhook: ${WEBHOOK} is not allowed`],
      }),
      EXIT.refused,
    ],
    [
      'an error that echoes the signed request',
      answering(403, {
        error: `signature mismatch for Authorization: ${SIGV4} X-Amz-Security-Token=${SESSION_TOKEN}`,
      }),
      EXIT.refused,
    ],
    [
      'an error that echoes credentials',
      answering(500, { error: `internal error: AWS_SECRET_ACCESS_KEY=${SECRET_KEY} token Bearer ${BEARER}` }),
      EXIT.unavailable,
    ],
    [
      'a body that is not JSON and echoes a presigned URL',
      (async () =>
        new Response(
          `<html>${API}/?X-Amz-Signature=${SIGNATURE}&X-Amz-Security-Token=${SESSION_TOKEN}</html>`,
          {
            status: 502,
          },
        )) as unknown as typeof fetch,
      EXIT.unavailable,
    ],
    [
      'a network failure whose cause names the secrets',
      (async () => {
        throw new TypeError('fetch failed', {
          cause: new Error(`proxy ${WEBHOOK} refused Bearer ${BEARER} (key ${SECRET_KEY})`),
        });
      }) as unknown as typeof fetch,
      EXIT.unavailable,
    ],
  ])('%s', async (_name, fetchFn, exitCode) => {
    const out = await runOperatorCli(['status', 'ep-1', '--api', API], { fetch: fetchFn });
    expect(out.exitCode).toBe(exitCode);
    expect(out.stderr).not.toBe('');
    expectNoSecret(out.stderr);
    expectNoSecret(out.stdout);
  });
});
