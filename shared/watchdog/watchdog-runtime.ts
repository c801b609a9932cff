import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CloudWatchAlarmStates } from '../aws/cloudwatch-alarms';
import { CloudWatchMetrics, DEFAULT_METRIC_SETTLE_SECONDS } from '../aws/cloudwatch-metrics';
import { NotificationPublisher } from '../aws/notification-publisher';
import { RolloutStore } from '../aws/rollout-store';
import { SageMakerEndpoints, SDK_MAX_ATTEMPTS } from '../aws/sagemaker-endpoints';
import { PolicySource } from '../policy/policy-source';
import type { WatchdogLog } from '../ports/watchdog-log';
import type { WatchdogEnv } from '../runtime/env';
import type { AlarmDeps } from './handle-alarm-event';
import type { TickDeps } from './run-tick';

/**
 * How long the tick and the alarm handler reuse a stored policy before asking SSM again.
 * Milliseconds. A tick visits every rollout each minute; a one-minute cache would ask SSM once
 * per rollout per tick (GetParameter allows about 40 per second by default).
 */
export const DEFAULT_RUNTIME_POLICY_TTL_MS = 5 * 60_000;

export interface RuntimeOptions {
  log?: WatchdogLog;
  /** Closed periods younger than this are not read yet. Seconds. */
  metricSettleSeconds?: number;
  /** Stored policy cache. Milliseconds. Default DEFAULT_RUNTIME_POLICY_TTL_MS. */
  policyTtlMs?: number;
  /** Wait for an Updating endpoint during an alarm rollback. Milliseconds. */
  alarmApplyWaitMs?: number;
  apiUrl?: string;
  /** Extra client settings for every SDK client (tests: credentials, endpoint). */
  clientConfig?: { endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } };
}

/**
 * Builds the dependencies of the tick and the alarm handler from the environment: one client per
 * service (per region for SageMaker and CloudWatch, created on first use and reused while the
 * Lambda stays warm), all with SDK_MAX_ATTEMPTS so throttling is retried with jittered backoff.
 * Endpoints come from `AWS_ENDPOINT_URL` (the SDK reads it) unless `clientConfig` names one.
 */
export function createWatchdogRuntime(env: WatchdogEnv, options: RuntimeOptions = {}): TickDeps & AlarmDeps {
  const base = { maxAttempts: SDK_MAX_ATTEMPTS, ...options.clientConfig };
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ ...base, region: env.homeRegion }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sageMakers = new Map<string, SageMakerEndpoints>();
  const cloudWatchClients = new Map<string, CloudWatchClient>();
  const cloudWatchClient = (region: string): CloudWatchClient => {
    let client = cloudWatchClients.get(region);
    if (!client) {
      client = new CloudWatchClient({ ...base, region });
      cloudWatchClients.set(region, client);
    }
    return client;
  };
  const cloudWatches = new Map<string, CloudWatchMetrics>();
  const alarmStates = new Map<string, CloudWatchAlarmStates>();
  const settle = options.metricSettleSeconds ?? DEFAULT_METRIC_SETTLE_SECONDS;
  const deps: TickDeps & AlarmDeps = {
    store: new RolloutStore(doc, env.tableName),
    endpoints(region) {
      let adapter = sageMakers.get(region);
      if (!adapter) {
        adapter = new SageMakerEndpoints(new SageMakerClient({ ...base, region }));
        sageMakers.set(region, adapter);
      }
      return adapter;
    },
    metrics(region) {
      let reader = cloudWatches.get(region);
      if (!reader) {
        reader = new CloudWatchMetrics(cloudWatchClient(region), settle);
        cloudWatches.set(region, reader);
      }
      return reader;
    },
    alarmStates(region) {
      let reader = alarmStates.get(region);
      if (!reader) {
        reader = new CloudWatchAlarmStates(cloudWatchClient(region));
        alarmStates.set(region, reader);
      }
      return reader;
    },
    notifier: new NotificationPublisher(new SNSClient({ ...base, region: env.homeRegion }), env.topicArn),
    policies: new PolicySource(new SSMClient({ ...base, region: env.homeRegion }), env.parameterPrefix, {
      ttlMs: options.policyTtlMs ?? DEFAULT_RUNTIME_POLICY_TTL_MS,
    }),
  };
  if (options.log) deps.log = options.log;
  if (options.apiUrl) deps.apiUrl = options.apiUrl;
  if (options.alarmApplyWaitMs !== undefined) deps.applyWaitMs = options.alarmApplyWaitMs;
  return deps;
}

/** A number from an environment variable, or undefined when unset or not a number. */
export function numberFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
