import { describe, expect, it } from 'vitest';
import { redactingReplacer, redactSecrets } from '../../../shared/middleware/redact-secrets';

const WEBHOOK = 'https://hooks.slack.com/services/T0SECRET1/B0SECRET2/abcdSECRETxyz123';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = `IQoJb3JpZ2luX2VjE${'A1b2C3d4E5f6G7h8'.repeat(12)}==`;
const SIGNATURE = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';

describe('redactSecrets', () => {
  it.each([
    ['a Slack webhook URL', `posting to ${WEBHOOK} failed`, ['T0SECRET1', 'B0SECRET2', 'abcdSECRETxyz123']],
    [
      'a webhook without its scheme',
      'bad url hooks.slack.com/services/T0SECRET1/B0SECRET2/abcdSECRETxyz123',
      ['abcdSECRETxyz123'],
    ],
    [
      'any path after /services/',
      'Failed to parse URL from htps:/x/services/T0SECRET1/B0SECRET2/abcd',
      ['T0SECRET1', 'abcd'],
    ],
    ['a bearer token', 'Authorization: Bearer eyJhbGciOi.eyJzdWIi.SflKxwRJSM', ['eyJhbGciOi', 'SflKxwRJSM']],
    ['a Slack token', 'token xoxb-1234-5678-abcdefSECRET', ['abcdefSECRET']],
    ['an AWS secret key', `creds ${SECRET_KEY} in the message`, [SECRET_KEY]],
    ['a labelled AWS secret key', `AWS_SECRET_ACCESS_KEY=${SECRET_KEY}`, [SECRET_KEY]],
    ['a session token', `AWS_SESSION_TOKEN=${SESSION_TOKEN}`, [SESSION_TOKEN.slice(0, 40)]],
    ['a bare session token', `token: ${SESSION_TOKEN} rest`, [SESSION_TOKEN.slice(20, 60)]],
    [
      'a SigV4 Authorization header',
      `{"authorization":"AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260301/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIGNATURE}"}`,
      ['ASIAEXAMPLE', SIGNATURE],
    ],
    [
      'presigned query parameters',
      `GET https://api.test/x?X-Amz-Security-Token=${SESSION_TOKEN}&X-Amz-Signature=${SIGNATURE}&X-Amz-Date=1`,
      [SESSION_TOKEN.slice(0, 30), SIGNATURE],
    ],
    [
      'an X-Amz-Security-Token header',
      `x-amz-security-token: FwoGZXIvYXdzEBYaDSECRET`,
      ['FwoGZXIvYXdzEBYaDSECRET'],
    ],
  ])('removes %s', (_name, text, secrets) => {
    const out = redactSecrets(text);
    for (const secret of secrets) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });

  it.each([
    'rolled back fraud-prod: p99 latency 812 ms above 500 ms',
    'parameter /rollout-watchdog/prod/slack-webhook-url missing or unreadable',
    'policy hash 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12 unchanged',
    'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:rollout-watchdog-prod-canary-tick-stopped',
    'at handleRecord (/work/main/shared/notify/slack-notifier.ts:63:5)',
  ])('leaves ordinary text alone: %s', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  it('redacts recursively through JSON.stringify, and whole values under secret keys', () => {
    const error = new Error(`Slack said no to ${WEBHOOK}`);
    const text = JSON.stringify(
      {
        message: `gave up posting to ${WEBHOOK}`,
        nested: { list: [{ body: `echo ${WEBHOOK}` }], headers: { Authorization: 'opaque-value-123' } },
        credentials: { secretAccessKey: SECRET_KEY, sessionToken: 'short' },
        error: { message: error.message, stack: error.stack },
        parameter: '/rollout-watchdog/prod/slack-webhook-url',
      },
      redactingReplacer,
    );
    expect(text).not.toMatch(/T0SECRET1|abcdSECRETxyz123|opaque-value-123|short"|EXAMPLEKEY/);
    expect(text).toContain('/rollout-watchdog/prod/slack-webhook-url');
  });
});
