import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { createSandboxClock, type SandboxClock } from '../../../../sandbox/clock';
import { createSandbox, type Sandbox } from '../../../../sandbox/create-sandbox';
import type { BusEvent } from '../../../../sandbox/event-bus';
import { startTraffic, type TrafficHandle } from '../../../../sandbox/traffic';
import { RolloutStore } from '../../../../shared/aws/rollout-store';
import { rolloutTableDefinition } from '../../../../shared/aws/rollout-table';
import { startRollout } from '../../../../shared/domain/index';
import type { RolloutPolicy } from '../../../../shared/domain/types';
import { parsePolicyText } from '../../../../shared/events/policy-text';
import type { RolloutNotification } from '../../../../shared/notify/notification';
import type { EndpointWeights } from '../../../../shared/ports/endpoint-weights';
import type { RolloutRecord } from '../../../../shared/ports/rollout-repository';
import { createWatchdogRuntime } from '../../../../shared/runtime/compose-canary-tick';
import type { RuntimeOptions } from '../../../../shared/runtime/composition-root';
import {
  catalogueScenarioFile,
  STANDARD_POLICY_FILE,
} from '../../../../shared/simulation/scenario-catalogue';
import type { Scenario } from '../../../../shared/simulation/scenario-schema';
import { loadScenarioFile } from '../../../../shared/simulation/scenario-schema';
import { applyIntent } from '../../../../shared/watchdog/commit-transition';
import type { AlarmDeps } from '../../../../shared/watchdog/handle-alarm-event';
import type { TickDeps } from '../../../../shared/watchdog/run-tick';
import type { WatchdogDeps } from '../../../../shared/watchdog/watchdog-deps';

/**
 * Shared set-up of the tick and alarm handler suites: an in-process sandbox on a free port with a
 * manual clock, the table, topic and stored policy, and a SageMaker endpoint with a baseline and
 * a canary variant. Handlers are imported after `env` is in process.env (they read it at load).
 */

export const REGION = 'us-east-1';
/** Simulated start of every suite: a whole minute, so periods align. */
export const START = Date.parse('2026-01-01T00:00:00Z');
export const MINUTE = 60_000;
/** How long endpoint updates take in the suites, simulated ms (less than a tick). */
export const ENDPOINT_DELAY_MS = 20_000;

/** Attempts of the suites' SageMaker client, enough to ride out the sandbox's rate quota. Attempts. */
const SANDBOX_READ_ATTEMPTS = 6;
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export function standardPolicyText(endpointName: string, alarmName = `${endpointName}-canary-5xx`): string {
  return readFileSync(STANDARD_POLICY_FILE, 'utf8')
    .replace(/name: demo-endpoint/, `name: ${endpointName}`)
    .replace(/alarmName: demo-canary-5xx/, `alarmName: ${alarmName}`);
}

export function loadScenario(name: string): Scenario {
  return loadScenarioFile(catalogueScenarioFile(name));
}

export function parseOrThrow(text: string): RolloutPolicy {
  const parsed = parsePolicyText(text);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.policy;
}

export interface Harness {
  /** The suite's name: its stage, table and topic are named after it. */
  suite: string;
  sandbox: Sandbox;
  clock: SandboxClock;
  tableName: string;
  topicArn: string;
  prefix: string;
  store: RolloutStore;
  sagemaker: SageMakerClient;
  cloudwatch: CloudWatchClient;
  ssm: SSMClient;
  /** Notifications delivered to the topic's lambda subscriber, oldest first. */
  notifications: RolloutNotification[];
  /** Sets process.env for the handlers (call before importing them). */
  applyEnv(extra?: Record<string, string>): void;
  close(): Promise<void>;
}

export async function startHarness(suite: string): Promise<Harness> {
  const clock = createSandboxClock({ mode: 'manual', startTime: START });
  const notifications: RolloutNotification[] = [];
  const sandbox = await createSandbox({
    lambdaInvoker: {
      async invoke(_name, event) {
        for (const record of (event as { Records?: Array<{ Sns?: { Message?: string } }> }).Records ?? []) {
          const message = record.Sns?.Message;
          if (message) notifications.push(JSON.parse(message) as RolloutNotification);
        }
        return { statusCode: 202 };
      },
    },
    port: 0,
    clock,
    endpointDelayMs: ENDPOINT_DELAY_MS,
    outboxDir: mkdtempSync(join(tmpdir(), `watchdog-${suite}-`)),
    onInternalError: () => undefined,
  });
  const config = { region: REGION, endpoint: sandbox.url, credentials: CREDENTIALS, maxAttempts: 1 };
  const ddb = new DynamoDBClient(config);
  const tableName = `watchdog-${suite}`;
  await ddb.send(new CreateTableCommand(rolloutTableDefinition(tableName)));
  const sns = new SNSClient(config);
  const topic = await sns.send(new CreateTopicCommand({ Name: `watchdog-${suite}` }));
  await sns.send(
    new SubscribeCommand({
      TopicArn: topic.TopicArn,
      Protocol: 'lambda',
      Endpoint: `arn:aws:lambda:${REGION}:000000000000:function:capture-${suite}`,
    }),
  );
  const prefix = `/rollout-watchdog/${suite}`;
  const harness: Harness = {
    suite,
    sandbox,
    clock,
    tableName,
    topicArn: topic.TopicArn ?? '',
    prefix,
    store: new RolloutStore(DynamoDBDocumentClient.from(ddb), tableName),
    // The suites read endpoints with this client while the watchdog's own calls use up the
    // sandbox's DescribeEndpoint quota (10/s): unlike the others it retries a throttle, as the
    // watchdog's clients do, so a test's look never fails for the watchdog's busyness.
    sagemaker: new SageMakerClient({ ...config, maxAttempts: SANDBOX_READ_ATTEMPTS }),
    cloudwatch: new CloudWatchClient(config),
    ssm: new SSMClient(config),
    notifications,
    applyEnv(extra = {}) {
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: sandbox.url,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_REGION: REGION,
        STAGE: suite,
        TABLE_NAME: tableName,
        TOPIC_ARN: topic.TopicArn ?? '',
        PARAMETER_PREFIX: prefix,
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        POWERTOOLS_METRICS_DISABLED: 'true',
        ALARM_APPLY_WAIT_MS: '300',
        POLICY_TTL_MS: '0',
        TICK_RULE_ARN: tickRuleArn(suite),
        ...extra,
      });
    },
    async close() {
      await sandbox.close();
    },
  };
  return harness;
}

/** Creates model, config (baseline 100, canary 0) and endpoint, and waits until it is InService. */
export async function createEndpoint(
  h: Harness,
  endpointName: string,
  variants: [string, string] = ['primary', 'canary'],
): Promise<void> {
  const model = `${endpointName}-model`;
  await h.sagemaker.send(
    new CreateModelCommand({
      ModelName: model,
      ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sagemaker',
      PrimaryContainer: { Image: '000000000000.dkr.ecr.us-east-1.amazonaws.com/model:1' },
    }),
  );
  await h.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${endpointName}-config`,
      ProductionVariants: variants.map((name, i) => ({
        VariantName: name,
        ModelName: model,
        InitialInstanceCount: 1,
        InstanceType: 'ml.m5.large',
        InitialVariantWeight: i === 0 ? 1 : 0,
      })),
    }),
  );
  await h.sagemaker.send(
    new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: `${endpointName}-config` }),
  );
  await h.clock.advance(ENDPOINT_DELAY_MS);
}

export async function storePolicy(h: Harness, endpointName: string, text: string): Promise<void> {
  await h.ssm.send(
    new PutParameterCommand({
      Name: `${h.prefix}/policies/${endpointName}`,
      Value: text,
      Type: 'String',
      Overwrite: true,
    }),
  );
}

/**
 * The scenario's 5XX alarm on the canary variant of `endpointName`, named as the policy names it.
 * `treatMissingData` decides what it does without traffic: `breaching` fires, `notBreaching` stays quiet.
 */
export async function createCanaryAlarm(
  h: Harness,
  endpointName: string,
  alarmName: string,
  options: { evaluationPeriods?: number; treatMissingData?: 'missing' | 'breaching' | 'notBreaching' } = {},
): Promise<void> {
  await h.cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: alarmName,
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Dimensions: [
        { Name: 'EndpointName', Value: endpointName },
        { Name: 'VariantName', Value: 'canary' },
      ],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: options.evaluationPeriods ?? 2,
      Threshold: 30,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: options.treatMissingData ?? 'missing',
    }),
  );
}

/**
 * Creates the scenario's alarms for `endpointName` (named `<endpointName>-<alarm name>`, so
 * suites do not share them) and returns the standard policy naming them.
 */
export async function createScenarioAlarms(
  h: Harness,
  scenario: Scenario,
  endpointName: string,
): Promise<string> {
  let policyText = standardPolicyText(endpointName, `${endpointName}-demo-canary-5xx`);
  for (const alarm of scenario.alarms) {
    const name = `${endpointName}-${alarm.name}`;
    const percentile = /^p\d/.test(alarm.statistic);
    await h.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'AWS/SageMaker',
        MetricName: alarm.metric,
        Dimensions: [
          { Name: 'EndpointName', Value: endpointName },
          { Name: 'VariantName', Value: alarm.variant },
        ],
        ...(percentile
          ? { ExtendedStatistic: alarm.statistic }
          : { Statistic: alarm.statistic as 'Sum' | 'Average' | 'SampleCount' | 'Minimum' | 'Maximum' }),
        Period: scenario.periodSeconds,
        EvaluationPeriods: alarm.evaluationPeriods,
        ...(alarm.datapointsToAlarm ? { DatapointsToAlarm: alarm.datapointsToAlarm } : {}),
        Threshold: alarm.threshold,
        ComparisonOperator: alarm.comparisonOperator,
        TreatMissingData: alarm.treatMissingData ?? 'missing',
      }),
    );
    policyText = policyText.replace(`alarmName: ${endpointName}-${alarm.name}`, `alarmName: ${name}`);
  }
  return policyText;
}

/** Starts a rollout as the control API does: engine start, create, then apply the first weights. */
export async function startRolloutOn(
  h: Harness,
  deps: WatchdogDeps,
  endpointName: string,
  policyText: string,
): Promise<RolloutRecord> {
  const policy = parseOrThrow(policyText);
  const now = h.clock.now();
  const started = startRollout(policy, now);
  const record = await h.store.create(
    { endpointName, region: REGION, policyText, policy, state: started.state, appliedCanaryWeight: 0 },
    now,
  );
  const applied = await applyIntent(deps, record, { now });
  if (applied.status !== 'sent') return applied.record;
  // The first weights count as applied once the endpoint serves them: let its update finish.
  await h.clock.advance(ENDPOINT_DELAY_MS);
  return (await applyIntent(deps, applied.record, { now: h.clock.now() })).record;
}

/** Plays a scenario's traffic against the endpoint (per closed minute, split by the current weights). */
export function playTraffic(h: Harness, scenario: Scenario, endpointName: string): TrafficHandle {
  return startTraffic({
    scenario,
    region: REGION,
    endpointName,
    clock: h.clock,
    store: h.sandbox.cloudwatch.store,
    getEndpointWeights: (region, name) => h.sandbox.sagemaker.getEndpointWeights(region, name),
    stopAtEnd: false,
  });
}

/**
 * A `CloudWatch Alarm State Change` event for `alarmName` entering `value` at `at`, shaped as
 * EventBridge delivers it from the sandbox's account and region; `detail` overrides detail fields.
 */
export function alarmStateChangeEvent(
  alarmName: string,
  value: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA',
  at: number,
  detail: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    version: '0',
    id: `evt-${alarmName}-${value}-${at}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '000000000000',
    time: new Date(at).toISOString(),
    region: REGION,
    resources: [`arn:aws:cloudwatch:${REGION}:000000000000:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: {
        value,
        reason: 'Threshold Crossed: 2 datapoints were greater than the threshold (30.0).',
        reasonData: '{"version":"1.0","queryDate":"x","evaluatedDatapoints":[]}',
        timestamp: new Date(at).toISOString().replace('Z', '+0000'),
      },
      previousState: { value: 'OK', reason: 'ok', timestamp: new Date(at - MINUTE).toISOString() },
      configuration: {
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: { namespace: 'AWS/SageMaker', name: 'Invocation5XXErrors', dimensions: {} },
              period: 60,
              stat: 'Sum',
            },
            returnData: true,
          },
        ],
      },
      ...detail,
    },
  };
}

/** The ARN of the suite's canary tick rule, as the handler is told it (`TICK_RULE_ARN`). */
export function tickRuleArn(suite: string): string {
  return `arn:aws:events:${REGION}:000000000000:rule/rollout-watchdog-${suite}-canary-tick`;
}

/** A scheduled EventBridge event of the suite's own tick rule at the sandbox's simulated now. */
export function scheduledEvent(h: Harness): Record<string, unknown> {
  return {
    version: '0',
    id: `tick-${h.clock.now()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date(h.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [tickRuleArn(h.suite)],
    detail: {},
  };
}

export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Alarm events CloudWatch put on the sandbox bus. */
export function alarmEvents(h: Harness): BusEvent[] {
  return h.sandbox.bus.recent().filter((e) => e['detail-type'] === 'CloudWatch Alarm State Change');
}

export interface CountingDeps {
  deps: TickDeps & AlarmDeps;
  calls: { setWeights: number; describe: number; describeByEndpoint: Map<string, number> };
}

/** Runtime deps against the harness's sandbox, counting SageMaker calls made through the adapter. */
export function countingDeps(h: Harness, options: RuntimeOptions = {}): CountingDeps {
  const deps = createWatchdogRuntime(
    {
      stage: 'test',
      homeRegion: REGION,
      tableName: h.tableName,
      topicArn: h.topicArn,
      parameterPrefix: h.prefix,
      slackWebhookParameter: `${h.prefix}/slack`,
    },
    {
      policyTtlMs: 0,
      alarmApplyWaitMs: 300,
      clientConfig: {
        endpoint: h.sandbox.url,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      },
      ...options,
    },
  );
  const calls = { setWeights: 0, describe: 0, describeByEndpoint: new Map<string, number>() };
  const endpoints = deps.endpoints.bind(deps);
  deps.endpoints = (region) => {
    const adapter = endpoints(region);
    return {
      describe: (name: string) => {
        calls.describe++;
        calls.describeByEndpoint.set(name, (calls.describeByEndpoint.get(name) ?? 0) + 1);
        return adapter.describe(name);
      },
      setWeights: (...args: Parameters<EndpointWeights['setWeights']>) => {
        calls.setWeights++;
        return adapter.setWeights(...args);
      },
    } as EndpointWeights;
  };
  return { deps, calls };
}
