import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotificationPublisher } from '../aws/notification-publisher';
import { RolloutStore } from '../aws/rollout-store';
import { SageMakerEndpointConfigs } from '../aws/sagemaker-endpoint-configs';
import { SageMakerEndpoints } from '../aws/sagemaker-endpoints';
import type { WatchdogLog } from '../ports/watchdog-log';
import type { AlarmDeps } from '../watchdog/handle-alarm-event';
import type { WatchdogDeps } from '../watchdog/watchdog-deps';
import { type ClientConfig, ClientCache, perRegion } from './client-cache';
import type { WatchdogEnv } from './env';

/**
 * The composition root: where each function's dependencies are built, from one validated
 * environment (`readEnv()` in `env.ts`) over one cache of SDK clients (`client-cache.ts`). Every
 * handler calls one builder once at load:
 *
 * | function       | builder                | file                         |
 * | -------------- | ---------------------- | ---------------------------- |
 * | canary-tick    | `canaryTickDeps`       | `compose-canary-tick.ts`     |
 * | alarm-rollback | `alarmRollbackDeps`    | this file                    |
 * | control-api    | `controlApiDeps`       | `compose-control-api.ts`     |
 * | region-sync    | `regionSyncDeps`       | `compose-region-sync.ts`     |
 * | slack-notifier | `slackNotifierDeps`    | `compose-slack-notifier.ts`  |
 *
 * A builder builds only what its function uses, and clients are created on first use. The builders
 * are separate files because a bundle keeps every module its entry imports: one file naming every
 * adapter would put the YAML parser, CloudWatch and DynamoDB into the Slack notifier's bundle.
 */

/** Settings a caller may add to or override in the environment (tests, benchmarks, tools). */
export interface RuntimeOptions {
  log?: WatchdogLog;
  /** Overrides `env.metricSettleSeconds`. Seconds. */
  metricSettleSeconds?: number;
  /** Overrides `env.policyTtlMs`. Milliseconds. */
  policyTtlMs?: number;
  /** Overrides `env.alarmApplyWaitMs`. Milliseconds. */
  alarmApplyWaitMs?: number;
  /** Overrides `env.controlApiUrl`. */
  apiUrl?: string;
  clientConfig?: ClientConfig;
}

/** The client cache of one function, in the watchdog's home region. */
export function clientCache(env: WatchdogEnv, options: RuntimeOptions = {}): ClientCache {
  return new ClientCache(env.homeRegion, options.clientConfig);
}

/** The DynamoDB document client of the home region (undefined attributes dropped on write). */
export function documentClient(clients: ClientCache): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(clients.get(DynamoDBClient), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** Notifications on the watchdog's SNS topic. */
export function topicNotifier(env: WatchdogEnv, clients: ClientCache): NotificationPublisher {
  return new NotificationPublisher(clients.get(SNSClient), env.topicArn);
}

/** What the tick, the alarm handler and the control API share: rollouts, endpoints per region, notifications. */
export function watchdogDeps(
  env: WatchdogEnv,
  clients: ClientCache,
  options: RuntimeOptions = {},
  doc: DynamoDBDocumentClient = documentClient(clients),
): WatchdogDeps {
  const apiUrl = options.apiUrl ?? env.controlApiUrl;
  return {
    store: new RolloutStore(doc, env.tableName),
    endpoints: perRegion((region) => new SageMakerEndpoints(clients.get(SageMakerClient, region))),
    endpointConfigs: perRegion(
      (region) => new SageMakerEndpointConfigs(clients.get(SageMakerClient, region)),
    ),
    notifier: topicNotifier(env, clients),
    ...(options.log ? { log: options.log } : {}),
    ...(apiUrl ? { apiUrl } : {}),
  };
}

/** alarm-rollback: rollouts, endpoints and notifications; it reads neither metrics nor policies. */
export function alarmRollbackDeps(env: WatchdogEnv, options: RuntimeOptions = {}): AlarmDeps {
  const deps: AlarmDeps = watchdogDeps(env, clientCache(env, options), options);
  const wait = options.alarmApplyWaitMs ?? env.alarmApplyWaitMs;
  if (wait !== undefined) deps.applyWaitMs = wait;
  return deps;
}
