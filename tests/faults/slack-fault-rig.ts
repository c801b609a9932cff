import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { vi } from 'vitest';
import { createSandboxClock } from '../../sandbox/clock';
import { createSandbox, type Sandbox } from '../../sandbox/create-sandbox';
import { createInProcessLambdaInvoker, type InProcessHandler } from '../../sandbox/lambda-invoker';
import { SANDBOX_ACCOUNT_ID } from '../../sandbox/service';
import { NotificationPublisher, SLACK_FILTER_POLICY } from '../../shared/aws/notification-publisher';
import type { RolloutNotification } from '../../shared/notify/notification';
import {
  type AsyncInvocations,
  slackNotifierRetryAttempts,
  withAsyncRetries,
} from '../integration/notify/async-invocation';

/**
 * The Slack notifier's world for the fault suite: the sandbox (SNS with the Slack subscription's
 * filter policy and an email subscription, SSM holding the webhook URL, the Slack sink), and the
 * real `handlers/slack-notifier` module invoked by SNS through Lambda's asynchronous retries as
 * functions/slack-notifier.yml configures them. Own names: stage `faultslack`, one hook per case.
 *
 * What the sink and the sandbox's fault rules cannot play is played in-process, around the
 * webhook POST (the notifier calls the global `fetch`): a reply lost after Slack took the post, and
 * the function dying just before or just after the POST. A dead function is what Lambda sees as a
 * runtime exit: the invocation failed, it is retried, and the retry cold-starts a new container
 * (a fresh module instance, so nothing the dead one remembered survives).
 */

const STAGE = 'faultslack';
const REGION = 'us-east-1';
const FUNCTION_NAME = `rollout-watchdog-${STAGE}-slackNotifier`;
export const SLACK_WEBHOOK_PARAMETER = `/rollout-watchdog/${STAGE}/slack-webhook-url`;
const TOPIC_NAME = `rollout-watchdog-${STAGE}-notifications`;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${SANDBOX_ACCOUNT_ID}:${TOPIC_NAME}`;
/** Stand-in for Lambda's 1 and 2 minute waits between attempts, in milliseconds. */
const RETRY_DELAY_MS = 20;

/** Faults around the webhook POST that only the process can play. */
export type PostFault = 'lost-reply' | 'crash-before' | 'crash-after';

export interface PostInterception {
  /** The `nth` webhook POST of the case (from 1) meets `kind`. */
  fault?: { kind: PostFault; nth: number };
  /** Told each webhook answer's status before the notifier sees it (to arm a fault for the next step). */
  onAnswer?: (status: number) => void;
}

export interface SlackRig {
  sandbox: Sandbox;
  lambda: AsyncInvocations;
  /** Points the webhook parameter at a new sink hook, and the next run at a new container. */
  newCase(hook: string, interception?: PostInterception): Promise<void>;
  /** True once the case's POST fault was played. */
  postFaultFired(): boolean;
  /** Publishes a decision to the topic and waits until SNS, Lambda's retries and the emails are done. */
  publish(n: RolloutNotification): Promise<void>;
  /** An operator redrives a kept invocation record's event; it runs in a new container, later. */
  redrive(requestPayload: unknown): Promise<void>;
  /** Containers started so far. */
  coldStarts(): number;
  /** Revoked-webhook alerts in the email outbox so far. */
  alertMails(): Promise<number>;
  close(): Promise<void>;
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

interface Container {
  handler: InProcessHandler;
  crash(): void;
  crashed: Promise<'crashed'>;
}

export async function startSlackRig(): Promise<SlackRig> {
  const outboxDir = await mkdtemp(join(tmpdir(), 'rw-faults-slack-outbox-'));
  let running: Container | undefined;
  let coldStarts = 0;

  const coldStart = async (): Promise<Container> => {
    coldStarts++;
    // A new container loads the module afresh: its clients, its SSM cache and its memory of what
    // it posted and alerted are new.
    vi.resetModules();
    const { handler } = (await import('../../handlers/slack-notifier')) as unknown as {
      handler: InProcessHandler;
    };
    let crash: () => void = () => undefined;
    const crashed = new Promise<'crashed'>((resolve) => (crash = () => resolve('crashed')));
    return { handler, crash, crashed };
  };

  // One invocation as Lambda runs it: in the warm container if there is one; a container that
  // died is gone, and Lambda reports the invocation as failed (then retries it, in a new one).
  const invoke: InProcessHandler = async (event, context) => {
    running ??= await coldStart();
    const container = running;
    const outcome = await Promise.race([
      Promise.resolve(container.handler(event, { ...context, functionName: FUNCTION_NAME })).then(
        (value) => ({ value }),
      ),
      container.crashed,
    ]);
    if (outcome !== 'crashed') return outcome.value;
    if (running === container) running = undefined;
    throw Object.assign(new Error('Runtime exited without providing a reason'), {
      name: 'Runtime.ExitError',
    });
  };
  const lambda = withAsyncRetries(invoke, {
    maximumRetryAttempts: slackNotifierRetryAttempts(),
    retryDelayMs: RETRY_DELAY_MS,
  });

  const sandbox = await createSandbox({
    port: 0,
    clock: createSandboxClock({ mode: 'manual', startTime: Date.parse('2026-01-01T00:00:00Z') }),
    outboxDir,
    dynamodb: false,
    quotas: false,
    lambdaInvoker: createInProcessLambdaInvoker({ [FUNCTION_NAME]: lambda.handler }),
  });

  // The handler module reads its environment at load, as in Lambda; restored on close, so the
  // suite's other areas (which pass their clients explicitly) see what they saw before.
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    STAGE,
    TABLE_NAME: `rollout-watchdog-${STAGE}`,
    TOPIC_ARN,
    PARAMETER_PREFIX: `/rollout-watchdog/${STAGE}`,
    SLACK_WEBHOOK_PARAMETER,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);

  const clientConfig = {
    endpoint: sandbox.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const sns = new SNSClient(clientConfig);
  const ssm = new SSMClient(clientConfig);
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
  const publisher = new NotificationPublisher(sns, TOPIC_ARN);

  // The webhook POST goes through the global fetch (the notifier passes no fetch of its own).
  const realFetch = globalThis.fetch;
  const webhookPrefix = `${sandbox.url}/_sandbox/slack/`;
  let interception: PostInterception = {};
  let posts = 0;
  let fired = false;
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(webhookPrefix)) return realFetch(input, init);
    posts++;
    const fault = interception.fault;
    const container = running;
    if (fault && !fired && fault.nth === posts) {
      fired = true;
      if (fault.kind === 'crash-before') {
        container?.crash();
        return never();
      }
      const response = await realFetch(input, init);
      interception.onAnswer?.(response.status);
      if (fault.kind === 'crash-after') {
        container?.crash();
        return never();
      }
      // Slack took the post; the connection dropped before its answer came back.
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      });
    }
    const response = await realFetch(input, init);
    interception.onAnswer?.(response.status);
    return response;
  };

  const settle = async () => {
    await sandbox.sns.idle();
    await lambda.settled();
    // The revoked-webhook alert is published during the run; its email is delivered after it.
    await sandbox.sns.idle();
  };

  return {
    sandbox,
    lambda,
    async newCase(hook, next = {}) {
      await ssm.send(
        new PutParameterCommand({
          Name: SLACK_WEBHOOK_PARAMETER,
          Type: 'SecureString',
          Overwrite: true,
          Value: sandbox.slackWebhookUrl(hook),
        }),
      );
      interception = next;
      posts = 0;
      fired = false;
      running = undefined;
    },
    postFaultFired: () => fired,
    async publish(n) {
      const result = await publisher.publish(n);
      if (!result.ok) throw new Error(`publishing ${n.notificationId} failed: ${result.error}`);
      await settle();
    },
    async redrive(requestPayload) {
      running = undefined;
      await lambda.handler(requestPayload, { functionName: FUNCTION_NAME });
      await settle();
    },
    coldStarts: () => coldStarts,
    async alertMails() {
      return (await sandbox.outbox.list()).filter((m) => m.subject.startsWith('[ALERT]')).length;
    },
    async close() {
      globalThis.fetch = realFetch;
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await sandbox.close();
      await rm(outboxDir, { recursive: true, force: true });
    },
  };
}

/** A rollback decision of `endpointName` as the outbox publishes it (its own notificationId). */
export function slackDecision(endpointName: string, version: number): RolloutNotification {
  return {
    version: 1,
    eventType: 'rollout.rolled-back',
    severity: 'critical',
    endpointName,
    region: REGION,
    phase: 'RolledBack',
    action: 'rollback',
    reason: `rolled back: alarm ${endpointName}-canary-5xx entered ALARM`,
    baselineVariant: 'primary',
    canaryVariant: 'canary',
    weights: { primary: 100, canary: 0 },
    time: '2026-01-01T00:02:00.000Z',
    next: 'The canary gets no traffic.',
    intervene: [],
    source: 'alarm',
    notificationId: `${endpointName}#${version}#0`,
    rolloutVersion: version,
    current: { version, phase: 'RolledBack', canaryWeight: 0 },
  };
}
