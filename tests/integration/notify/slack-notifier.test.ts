import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandboxClock } from '../../../sandbox/clock';
import { createSandbox, type Sandbox } from '../../../sandbox/create-sandbox';
import { createInProcessLambdaInvoker } from '../../../sandbox/lambda-invoker';
import { SANDBOX_ACCOUNT_ID } from '../../../sandbox/service';
import { NotificationPublisher, SLACK_FILTER_POLICY } from '../../../shared/aws/notification-publisher';
import type { RolloutNotification } from '../../../shared/notify/notification';
import type { SlackNotifierReport } from '../../../shared/notify/slack-notifier';

// Own names for this suite: stage `notifytest`, hook `notify-suite`, its own sandbox on a free port.
const STAGE = 'notifytest';
const REGION = 'us-east-1';
const FUNCTION_NAME = `rollout-watchdog-${STAGE}-slackNotifier`;
const WEBHOOK_PARAMETER = `/rollout-watchdog/${STAGE}/slack-webhook-url`;
const HOOK = 'notify-suite';
const TOPIC_NAME = `rollout-watchdog-${STAGE}-notifications`;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${SANDBOX_ACCOUNT_ID}:${TOPIC_NAME}`;

/** A rollback as the tick announces it (a literal, so this suite does not depend on the engine). */
const rolledBack: RolloutNotification = {
  version: 1,
  eventType: 'rollout.rolled-back',
  severity: 'critical',
  endpointName: 'demo-endpoint',
  region: 'us-east-1',
  phase: 'RolledBack',
  action: 'rollback',
  reason:
    'rolled back: error-rate 8.0% > 5.0% threshold (2/2 failing judgements); canary 300 req, baseline 5,700 req',
  baselineVariant: 'primary',
  canaryVariant: 'canary',
  weights: { primary: 100, canary: 0 },
  previousWeights: { primary: 95, canary: 5 },
  step: { index: 1, count: 6 },
  evidence: {
    windowStart: Date.parse('2026-01-01T00:01:00Z'),
    windowEnd: Date.parse('2026-01-01T00:02:00Z'),
    baseline: { invocations: 5700, errors5xx: 6, errors4xx: 0, errorRate: 6 / 5700, latencyP99Ms: 160 },
    canary: { invocations: 300, errors5xx: 24, errors4xx: 0, errorRate: 0.08, latencyP99Ms: 150 },
    metrics: [
      {
        name: 'error-rate',
        type: 'errorRate',
        verdict: 'fail',
        canary: 0.08,
        baseline: 6 / 5700,
        limit: 0.05,
        consecutiveFailures: 2,
        reason: 'error-rate 8.0% > 5.0% threshold (2/2 failing judgements)',
      },
    ],
  },
  time: '2026-01-01T00:02:00.000Z',
  next: 'The canary (canary) gets no traffic and the watchdog stops acting on this endpoint.',
  intervene: ['rollout-watchdog history demo-endpoint --api "$ROLLOUT_WATCHDOG_API"'],
  source: 'tick',
};

let sandbox: Sandbox;
let outboxDir: string;
let publisher: NotificationPublisher;
const reports: SlackNotifierReport[] = [];
const asyncErrors: unknown[] = [];

function clientConfig() {
  return {
    endpoint: sandbox.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
}

/** Publishes and waits until the notifier has handled the delivery (or `timeoutMs` passes). */
async function publishAndWait(n: RolloutNotification, timeoutMs = 10_000) {
  const before = reports.length;
  const result = await publisher.publish(n);
  await sandbox.sns.idle();
  const deadline = Date.now() + timeoutMs;
  while (reports.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return { result, report: reports[before] };
}

beforeAll(async () => {
  outboxDir = await mkdtemp(join(tmpdir(), 'rw-notify-outbox-'));
  // The handler module reads its environment and builds its SSM client at load, as in Lambda.
  // eslint-disable-next-line prefer-const -- assigned once, after the sandbox it closes over exists
  let handler: ((event: unknown, context: Record<string, unknown>) => Promise<unknown>) | undefined;
  sandbox = await createSandbox({
    port: 0,
    clock: createSandboxClock({ mode: 'manual', startTime: Date.parse('2026-01-01T00:00:00Z') }),
    outboxDir,
    dynamodb: false,
    lambdaInvoker: createInProcessLambdaInvoker(
      {
        [FUNCTION_NAME]: async (event, context) => {
          const report = (await handler!(event, context)) as SlackNotifierReport;
          reports.push(report);
          return report;
        },
      },
      (_name, error) => asyncErrors.push(error),
    ),
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    STAGE,
    TABLE_NAME: `rollout-watchdog-${STAGE}`,
    // The notifier publishes its revoked-webhook alert to the topic.
    TOPIC_ARN,
    PARAMETER_PREFIX: `/rollout-watchdog/${STAGE}`,
    SLACK_WEBHOOK_PARAMETER: WEBHOOK_PARAMETER,
    // Keep the test output readable: the handler's JSON logs and EMF metrics are not under test.
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  handler = (await import('../../../handlers/slack-notifier')).handler as unknown as typeof handler;

  const sns = new SNSClient(clientConfig());
  const topic = await sns.send(new CreateTopicCommand({ Name: TOPIC_NAME }));
  const topicArn = topic.TopicArn!;
  expect(topicArn).toBe(TOPIC_ARN);
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'lambda',
      Endpoint: `arn:aws:lambda:${REGION}:000000000000:function:${FUNCTION_NAME}`,
      Attributes: {
        FilterPolicy: JSON.stringify(SLACK_FILTER_POLICY),
        FilterPolicyScope: 'MessageAttributes',
      },
    }),
  );
  await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }),
  );
  await new SSMClient(clientConfig()).send(
    new PutParameterCommand({
      Name: WEBHOOK_PARAMETER,
      Type: 'SecureString',
      Value: sandbox.slackWebhookUrl(HOOK),
    }),
  );
  publisher = new NotificationPublisher(sns, topicArn);
});

afterAll(async () => {
  await sandbox?.close();
  if (outboxDir) await rm(outboxDir, { recursive: true, force: true });
});

beforeEach(() => sandbox.slack.reset(HOOK));

describe('Slack notifier end to end (SNS → lambda → webhook)', () => {
  it('posts a published notification to Slack as a coloured Block Kit message', async () => {
    const { result, report } = await publishAndWait(rolledBack);
    expect(result.ok).toBe(true);
    expect(report?.records.map((r) => r.status)).toEqual(['delivered']);
    const posts = sandbox.slack.posts(HOOK);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text).toContain('[ROLLED BACK] demo-endpoint: error-rate 8.0% &gt; 5.0%');
    expect(JSON.stringify(posts[0]!.payload)).toContain('"color":"#a30200"');
  });

  it('waits out a 429 Retry-After and then delivers', async () => {
    sandbox.slack.behave(HOOK, { failure: 'rate_limited', times: 1, retryAfterSeconds: 1 });
    const { report } = await publishAndWait(rolledBack);
    expect(report?.records).toEqual([{ status: 'delivered', attempts: 2 }]);
    expect(sandbox.slack.attempts(HOOK).map((a) => a.status)).toEqual([429, 200]);
    expect(sandbox.slack.posts(HOOK)).toHaveLength(1);
  });

  it('treats 404 no_service as permanent: one attempt, no throw, an email alert, and the publisher is unaffected', async () => {
    sandbox.slack.behave(HOOK, { failure: 'no_service' });
    const errorsBefore = asyncErrors.length;
    const { result, report } = await publishAndWait(rolledBack);
    expect(result.ok).toBe(true);
    expect(report?.records).toEqual([
      { status: 'permanent', httpStatus: 404, body: 'no_service', attempts: 1, alert: 'sent' },
    ]);
    expect(sandbox.slack.attempts(HOOK)).toHaveLength(1);
    expect(asyncErrors.length).toBe(errorsBefore);
  });

  it('delivers the readable plain-text body to email subscribers', async () => {
    await publishAndWait(rolledBack);
    const mails = await sandbox.outbox.list();
    const mail = mails.find((m) => m.subject === '[ROLLED BACK] demo-endpoint: error-rate 8.0% > 5.0%');
    expect(mail).toBeDefined();
    const eml = await sandbox.outbox.read(mail!.file);
    expect(eml).toContain('The canary was rolled back: demo-endpoint (us-east-1)');
    expect(eml).toContain('THE NUMBERS');
    expect(eml).toContain('HOW TO INTERVENE');
    expect(eml).not.toContain('"lambda"');
  });
});
