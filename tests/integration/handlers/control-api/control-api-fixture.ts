import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import { createSandboxClock } from '../../../../sandbox/clock';
import { createSandbox, type Sandbox } from '../../../../sandbox/create-sandbox';
import { createInProcessLambdaInvoker, type InProcessHandler } from '../../../../sandbox/lambda-invoker';
import { rolloutTableDefinition } from '../../../../shared/aws/rollout-table';
import type { RolloutNotification } from '../../../../shared/notify/notification';
import { clientCache, watchdogDeps } from '../../../../shared/runtime/composition-root';
import { readEnv } from '../../../../shared/runtime/env';
import { applyIntent } from '../../../../shared/watchdog/commit-transition';
import { STANDARD_POLICY_FILE } from '../../../../shared/simulation/scenario-catalogue';

/** Simulated time an endpoint stays Updating in these suites, ms (advanced past between commands). */
export const ENDPOINT_DELAY_MS = 1_000;

/** The alarm the standard policy rolls back on; every harness creates it (in us-east-1), OK. */
export const STANDARD_POLICY_ALARM = 'demo-canary-5xx';

/** The scenarios' standard policy with the endpoint renamed (and regions added when asked). */
export async function standardPolicy(
  endpointName: string,
  regions: ReadonlyArray<{ region: string; endpointName: string }> = [],
): Promise<string> {
  const text = await readFile(STANDARD_POLICY_FILE, 'utf8');
  const renamed = text.replace(/name: demo-endpoint/, `name: ${endpointName}`);
  if (regions.length === 0) return renamed;
  const lines = regions.map((r) => `  - { region: ${r.region}, endpointName: ${r.endpointName} }`);
  return `${renamed.trimEnd()}\nregions:\n${lines.join('\n')}\n`;
}

export interface Harness {
  sandbox: Sandbox;
  tableName: string;
  topicArn: string;
  prefix: string;
  /** Notifications delivered to the capture subscription (the `lambda` key JSON). */
  notifications: RolloutNotification[];
  /** Waits until a delivered notification matches (SNS delivers to Lambda asynchronously). */
  notification(match: (n: RolloutNotification) => boolean): Promise<RolloutNotification>;
  sagemaker(region?: string): SageMakerClient;
  /**
   * Creates (or replaces) a metric alarm on an endpoint's canary 5XX errors in us-east-1 and sets
   * its state. `ALARM` treats missing data as breaching, so the sandbox's own evaluations keep it
   * firing; `OK` treats it as not breaching, so they keep it quiet.
   */
  putAlarm(name: string, state: 'OK' | 'ALARM', endpointName?: string): Promise<void>;
  /** Creates model(s), a two-variant config and an endpoint, and waits until it is InService. */
  createEndpoint(
    name: string,
    options?: { region?: string; variants?: string[]; image?: string },
  ): Promise<void>;
  /**
   * Moves simulated time past the endpoint delay so in-flight updates land, and records the
   * weights the endpoints now serve as applied (as the tick's reconcile does).
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a sandbox on a free port with a manual clock, points the SDK at it through the
 * environment, creates the suite's table and topic, and subscribes a capture function to the
 * topic. `suite` keeps resource names apart from other suites; `extraHandlers` are more in-process
 * functions SNS may deliver to (name → handler), subscribed with their filter policy.
 */
export async function startHarness(
  suite: string,
  extraHandlers: Record<string, { handler: InProcessHandler; filterPolicy?: Record<string, string[]> }> = {},
): Promise<Harness> {
  const notifications: RolloutNotification[] = [];
  const capture: InProcessHandler = (event) => {
    for (const record of (event as { Records: Array<{ Sns: { Message: string } }> }).Records) {
      notifications.push(JSON.parse(record.Sns.Message) as RolloutNotification);
    }
  };
  const handlers: Record<string, InProcessHandler> = { [`${suite}-capture`]: capture };
  for (const [name, entry] of Object.entries(extraHandlers)) handlers[name] = entry.handler;
  const clock = createSandboxClock({ mode: 'manual', startTime: Date.parse('2026-03-01T10:00:00Z') });
  const sandbox = await createSandbox({
    port: 0,
    clock,
    endpointDelayMs: ENDPOINT_DELAY_MS,
    outboxDir: await mkdtemp(join(tmpdir(), `${suite}-outbox-`)),
    lambdaInvoker: createInProcessLambdaInvoker(handlers, (name, error) =>
      console.error(`in-process ${name} failed`, error),
    ),
  });

  const tableName = `${suite}-table`;
  const prefix = `/rollout-watchdog/${suite}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    STAGE: suite,
    TABLE_NAME: tableName,
    PARAMETER_PREFIX: prefix,
    CONTROL_API_CLOCK_HEADER: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });

  await new DynamoDBClient({}).send(new CreateTableCommand(rolloutTableDefinition(tableName)));
  const sns = new SNSClient({});
  const topic = await sns.send(new CreateTopicCommand({ Name: `${suite}-topic` }));
  const topicArn = topic.TopicArn as string;
  process.env.TOPIC_ARN = topicArn;
  const lambdaArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
  await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: lambdaArn(`${suite}-capture`) }),
  );
  for (const [name, entry] of Object.entries(extraHandlers)) {
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'lambda',
        Endpoint: lambdaArn(name),
        ...(entry.filterPolicy ? { Attributes: { FilterPolicy: JSON.stringify(entry.filterPolicy) } } : {}),
      }),
    );
  }

  const cloudwatch = new CloudWatchClient({});
  const putAlarm = async (name: string, state: 'OK' | 'ALARM', endpointName = 'any') => {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocation5XXErrors',
        Dimensions: [
          { Name: 'EndpointName', Value: endpointName },
          { Name: 'VariantName', Value: 'canary' },
        ],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 30,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: state === 'ALARM' ? 'breaching' : 'notBreaching',
      }),
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: `${suite} fixture` }),
    );
  };
  // A start checks the alarms its policy names and refuses a missing one: the standard policy's
  // alarm exists, quiet, in every suite that starts rollouts with it.
  await putAlarm(STANDARD_POLICY_ALARM, 'OK');

  const clients = new Map<string, SageMakerClient>();
  const sagemaker = (region = 'us-east-1') => {
    let client = clients.get(region);
    if (!client) {
      client = new SageMakerClient({ region });
      clients.set(region, client);
    }
    return client;
  };
  const settle = async () => {
    await clock.advance(ENDPOINT_DELAY_MS * 2);
    // What the tick's reconcile does each minute: record weights the endpoint now serves as applied.
    const env = readEnv();
    const runtime = watchdogDeps(env, clientCache(env));
    for (const record of await runtime.store.listActive()) {
      if (record.state.canaryWeight !== record.appliedCanaryWeight)
        await applyIntent(runtime, record, { now: clock.now() });
    }
    await sandbox.sns.idle();
  };

  return {
    sandbox,
    tableName,
    topicArn,
    prefix,
    notifications,
    async notification(match) {
      return vi.waitFor(
        () => {
          const found = notifications.find(match);
          if (!found) throw new Error('notification not delivered yet');
          return found;
        },
        { timeout: 5_000, interval: 20 },
      );
    },
    sagemaker,
    putAlarm,
    settle,
    async createEndpoint(name, options = {}) {
      const client = sagemaker(options.region);
      const variants = options.variants ?? ['primary', 'canary'];
      for (const variant of variants) {
        await client.send(
          new CreateModelCommand({
            ModelName: `${name}-${variant}-model`,
            PrimaryContainer: {
              Image: options.image ?? `123456789012.dkr.ecr.us-east-1.amazonaws.com/${variant}:1`,
            },
            ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sagemaker',
          }),
        );
      }
      await client.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: `${name}-config`,
          ProductionVariants: variants.map((variant, index) => ({
            VariantName: variant,
            ModelName: `${name}-${variant}-model`,
            InstanceType: 'ml.m5.large',
            InitialInstanceCount: 1,
            InitialVariantWeight: index === 0 ? 1 : 0,
          })),
        }),
      );
      await client.send(
        new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config` }),
      );
      await settle();
    },
    async close() {
      await sandbox.sns.idle();
      cloudwatch.destroy();
      await sandbox.close();
    },
  };
}

/** A Lambda context good enough for the middleware stack. */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

let requestCounter = 0;

/** An API Gateway HTTP API (payload 2.0) event as the deployed API sends it. */
export function httpEvent(
  method: string,
  path: string,
  options: {
    body?: unknown;
    rawBody?: string;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    userArn?: string;
    now?: number;
  } = {},
) {
  requestCounter += 1;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.now !== undefined) headers['x-watchdog-now'] = new Date(options.now).toISOString();
  const query = options.query ?? {};
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `req-${requestCounter}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      ...(options.userArn
        ? {
            authorizer: {
              iam: {
                accessKey: 'AKIA',
                accountId: '000000000000',
                callerId: 'AIDA',
                cognitoIdentity: null,
                principalOrgId: 'o-1',
                userArn: options.userArn,
                userId: 'AIDA',
              },
            },
          }
        : {}),
    },
    ...(options.rawBody !== undefined
      ? { body: options.rawBody }
      : options.body !== undefined
        ? { body: JSON.stringify(options.body) }
        : {}),
    isBase64Encoded: false,
  };
}
