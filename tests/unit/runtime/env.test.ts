import { describe, expect, it } from 'vitest';
import { InvalidEnvironmentError, readEnv } from '../../../shared/runtime/env';

const BASE = { STAGE: 'dev', AWS_REGION: 'eu-west-1', TABLE_NAME: 't', TOPIC_ARN: 'arn:topic' };

describe('readEnv', () => {
  it('reads the required variables and derives the SSM names from the stage', () => {
    expect(readEnv(BASE)).toEqual({
      stage: 'dev',
      homeRegion: 'eu-west-1',
      tableName: 't',
      topicArn: 'arn:topic',
      parameterPrefix: '/rollout-watchdog/dev',
      slackWebhookParameter: '/rollout-watchdog/dev/slack-webhook-url',
    });
  });

  it('reads every per-function setting once', () => {
    expect(
      readEnv({
        ...BASE,
        METRIC_SETTLE_SECONDS: '60',
        POLICY_TTL_MS: '0',
        ALARM_APPLY_WAIT_MS: '1000',
        CONTROL_API_URL: 'https://api.example',
        CONTROL_API_CLOCK_HEADER: 'true',
      }),
    ).toMatchObject({
      metricSettleSeconds: 60,
      policyTtlMs: 0,
      alarmApplyWaitMs: 1000,
      controlApiUrl: 'https://api.example',
      controlApiClockHeader: true,
    });
  });

  it('treats empty optional values as unset and only "true" as enabling the clock header', () => {
    const env = readEnv({
      ...BASE,
      METRIC_SETTLE_SECONDS: '',
      CONTROL_API_URL: ' ',
      CONTROL_API_CLOCK_HEADER: '1',
    });
    expect(env).not.toHaveProperty('metricSettleSeconds');
    expect(env).not.toHaveProperty('controlApiUrl');
    expect(env).not.toHaveProperty('controlApiClockHeader');
  });

  it('lists every missing and malformed variable at once', () => {
    let error: unknown;
    try {
      readEnv({ STAGE: 'dev', AWS_REGION: 'eu-west-1', POLICY_TTL_MS: 'soon', ALARM_APPLY_WAIT_MS: '-5' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    expect((error as InvalidEnvironmentError).missing).toEqual(['TABLE_NAME', 'TOPIC_ARN']);
    expect((error as InvalidEnvironmentError).invalid).toHaveLength(2);
    expect((error as Error).message).toMatch(/missing environment variables: TABLE_NAME, TOPIC_ARN; invalid/);
  });
});
