import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandboxClock } from '../../../sandbox/clock';
import { createSandbox, type Sandbox } from '../../../sandbox/create-sandbox';
import { createInProcessLambdaInvoker, type InProcessHandler } from '../../../sandbox/lambda-invoker';
import { SANDBOX_ACCOUNT_ID } from '../../../sandbox/service';
import { NotificationPublisher, SLACK_FILTER_POLICY } from '../../../shared/aws/notification-publisher';
import type { RolloutNotification } from '../../../shared/notify/notification';
import { SLACK_MAX_ATTEMPTS } from '../../../shared/notify/slack-delivery';
import { type AsyncInvocations, slackNotifierRetryAttempts, withAsyncRetries } from './async-invocation';

// Issue 9, reproduction 5: "A 429 with a long Retry-After, or a webhook that answers 500 for a
// while, loses the message: nothing is retried or kept." Here SNS delivers to the real handler
// module through Lambda's asynchronous retries (as configured in functions/slack-notifier.yml),
// and the sandbox's Slack sink plays the webhook.
// Own names for this suite: stage `notifykeep`, hook `keep-suite`, its own sandbox on a free port.
const STAGE = 'notifykeep';
const REGION = 'us-east-1';
const FUNCTION_NAME = `rollout-watchdog-${STAGE}-slackNotifier`;
const WEBHOOK_PARAMETER = `/rollout-watchdog/${STAGE}/slack-webhook-url`;
const TOPIC_NAME = `rollout-watchdog-${STAGE}-notifications`;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${SANDBOX_ACCOUNT_ID}:${TOPIC_NAME}`;
const HOOK = 'keep-suite';
/** Stand-in for Lambda's 1 and 2 minute waits between attempts, in milliseconds. */
const RETRY_DELAY_MS = 50;
/** Longer than the notifier's Retry-After cap (20 s): it gives up at once. Seconds. */
const LONG_RETRY_AFTER_SECONDS = 120;

let sandbox: Sandbox;
let outboxDir: string;
let publisher: NotificationPublisher;
let lambda: AsyncInvocations;

function clientConfig() {
  return {
    endpoint: sandbox.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
}

/** A decision as the outbox publishes it, with its own id so suites and cases do not collide. */
function decision(version: number): RolloutNotification {
  return {
    version: 1,
    eventType: 'rollout.rolled-back',
    severity: 'critical',
    endpointName: 'keep-endpoint',
    region: REGION,
    phase: 'RolledBack',
    action: 'rollback',
    reason: 'rolled back: alarm keep-canary-5xx entered ALARM',
    baselineVariant: 'primary',
    canaryVariant: 'canary',
    weights: { primary: 100, canary: 0 },
    time: '2026-01-01T00:02:00.000Z',
    next: 'The canary gets no traffic.',
    intervene: [],
    source: 'alarm',
    notificationId: `keep-endpoint#${version}#0`,
    rolloutVersion: version,
    current: { version, phase: 'RolledBack', canaryWeight: 0 },
  };
}

async function publishAndSettle(n: RolloutNotification) {
  const result = await publisher.publish(n);
  expect(result.ok).toBe(true);
  await sandbox.sns.idle();
  await lambda.settled();
}

/** Posts Slack accepted that carry decision `version` of this case. */
const postsOf = (version: number) =>
  sandbox.slack.posts(HOOK).filter((p) => p.text?.includes(`#${version}]`) === true);

beforeAll(async () => {
  outboxDir = await mkdtemp(join(tmpdir(), 'rw-notify-keep-outbox-'));
  // The handler module reads its environment and builds its clients at load, as in Lambda.
  // eslint-disable-next-line prefer-const -- assigned once, after the sandbox it closes over exists
  let handler: InProcessHandler | undefined;
  lambda = withAsyncRetries((event, context) => handler!(event, context), {
    maximumRetryAttempts: slackNotifierRetryAttempts(),
    retryDelayMs: RETRY_DELAY_MS,
  });
  sandbox = await createSandbox({
    port: 0,
    clock: createSandboxClock({ mode: 'manual', startTime: Date.parse('2026-01-01T00:00:00Z') }),
    outboxDir,
    dynamodb: false,
    lambdaInvoker: createInProcessLambdaInvoker({ [FUNCTION_NAME]: lambda.handler }),
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    STAGE,
    TABLE_NAME: `rollout-watchdog-${STAGE}`,
    TOPIC_ARN,
    PARAMETER_PREFIX: `/rollout-watchdog/${STAGE}`,
    SLACK_WEBHOOK_PARAMETER: WEBHOOK_PARAMETER,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  handler = (await import('../../../handlers/slack-notifier')).handler as unknown as InProcessHandler;

  const sns = new SNSClient(clientConfig());
  await sns.send(new CreateTopicCommand({ Name: TOPIC_NAME }));
  await sns.send(
    new SubscribeCommand({
      TopicArn: TOPIC_ARN,
      Protocol: 'lambda',
      Endpoint: `arn:aws:lambda:${REGION}:${SANDBOX_ACCOUNT_ID}:function:${FUNCTION_NAME}`,
      Attributes: {
        FilterPolicy: JSON.stringify(SLACK_FILTER_POLICY),
        FilterPolicyScope: 'MessageAttributes',
      },
    }),
  );
  await sns.send(
    new SubscribeCommand({ TopicArn: TOPIC_ARN, Protocol: 'email', Endpoint: 'oncall@example.com' }),
  );
  await new SSMClient(clientConfig()).send(
    new PutParameterCommand({
      Name: WEBHOOK_PARAMETER,
      Type: 'SecureString',
      Value: sandbox.slackWebhookUrl(HOOK),
    }),
  );
  publisher = new NotificationPublisher(sns, TOPIC_ARN);
});

afterAll(async () => {
  await sandbox?.close();
  if (outboxDir) await rm(outboxDir, { recursive: true, force: true });
});

beforeEach(() => sandbox.slack.reset(HOOK));

describe('Slack keeps messages it could not post yet (issue 9, reproduction 5)', () => {
  it('delivers exactly once, on a Lambda retry, a message whose webhook answered 500 for a while', async () => {
    // Every attempt of the first invocation fails; the webhook has recovered by the retry.
    sandbox.slack.behave(HOOK, { failure: 'server_error', times: SLACK_MAX_ATTEMPTS });
    await publishAndSettle(decision(1));
    expect(sandbox.slack.attempts(HOOK).map((a) => a.status)).toEqual([
      ...Array<number>(SLACK_MAX_ATTEMPTS).fill(500),
      200,
    ]);
    expect(postsOf(1)).toHaveLength(1);
    expect(lambda.failed).toEqual([]);
  });

  it('keeps a message throttled past the Retry-After cap on the failure queue, and a redrive delivers it exactly once', async () => {
    const failedBefore = lambda.failed.length;
    sandbox.slack.behave(HOOK, { failure: 'rate_limited', retryAfterSeconds: LONG_RETRY_AFTER_SECONDS });
    await publishAndSettle(decision(2));
    expect(postsOf(2)).toEqual([]);
    // One attempt per invocation (the wait is above the cap), each retried by Lambda, then kept.
    expect(sandbox.slack.attempts(HOOK).map((a) => a.status)).toEqual(
      Array<number>(slackNotifierRetryAttempts() + 1).fill(429),
    );
    const kept = lambda.failed.slice(failedBefore);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.requestContext).toEqual({
      condition: 'RetriesExhausted',
      approximateInvokeCount: slackNotifierRetryAttempts() + 1,
    });
    expect(kept[0]!.responsePayload.errorType).toBe('SlackDeliveryFailedError');
    expect(JSON.stringify(kept[0]!.requestPayload)).toContain('keep-endpoint#2#0');

    // Slack recovers; an operator redrives the kept event (twice, by mistake).
    sandbox.slack.reset(HOOK);
    for (let i = 0; i < 2; i++) {
      await lambda.handler(kept[0]!.requestPayload, { functionName: FUNCTION_NAME });
      await lambda.settled();
    }
    expect(postsOf(2)).toHaveLength(1);
    expect(lambda.failed.length).toBe(failedBefore + 1);
  });

  it('does not retry or keep a revoked webhook, and alerts once by email, not to Slack', async () => {
    const failedBefore = lambda.failed.length;
    const toLambda = () => sandbox.sns.deliveries().filter((d) => d.protocol === 'lambda').length;
    const toLambdaBefore = toLambda();
    const alertsBefore = (await sandbox.outbox.list()).filter((m) => m.subject.startsWith('[ALERT]')).length;
    sandbox.slack.behave(HOOK, { failure: 'no_service' });
    await publishAndSettle(decision(3));
    await publishAndSettle(decision(4));
    await sandbox.sns.idle();
    // One attempt per message: no Slack retry, no Lambda retry, nothing kept.
    expect(sandbox.slack.attempts(HOOK)).toHaveLength(2);
    expect(lambda.failed.length).toBe(failedBefore);
    const alerts = (await sandbox.outbox.list()).filter((m) => m.subject.startsWith('[ALERT]'));
    expect(alerts.length - alertsBefore).toBe(1);
    const mail = await sandbox.outbox.read(alerts.at(-1)!.file);
    expect(mail).toContain(`${WEBHOOK_PARAMETER} answered 404 (no_service)`);
    expect(mail).not.toContain(sandbox.slackWebhookUrl(HOOK));
    // Three messages went to the topic: the two decisions reached the notifier, and the
    // subscription's filter policy kept the email-only alert from it.
    expect(toLambda() - toLambdaBefore).toBe(2);
  });
});
