import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CloudWatchAlarmStates } from '../aws/cloudwatch-alarms';
import { CloudWatchVerdictAlarms } from '../aws/cloudwatch-verdict-alarms';
import { SageMakerBlueGreenDeployments } from '../aws/sagemaker-blue-green-deployments';
import { CloudWatchMetrics } from '../aws/cloudwatch-metrics';
import { RolloutStore } from '../aws/rollout-store';
import { PolicySource } from '../aws/policy-source';
import { RegionSyncStore } from '../aws/region-sync-store';
import type { ControlDeps } from '../control/control-deps';
import { perRegion } from './client-cache';
import { clientCache, documentClient, type RuntimeOptions, watchdogDeps } from './composition-root';
import type { WatchdogEnv } from './env';

/**
 * How long a stored policy read for `POST /rollouts` is reused, in milliseconds. Zero: starts are
 * rare and an operator who just stored a policy must not be told it is missing.
 */
export const START_POLICY_TTL_MS = 0;

/**
 * control-api: the watchdog's dependencies plus alarm states per region (the start's alarm check),
 * stored policies, recent rollouts, region sync progress, rollout outcomes (stats) and per-variant
 * metrics (the rollout page's charts).
 */
export function controlApiDeps(env: WatchdogEnv, options: RuntimeOptions = {}): ControlDeps {
  const clients = clientCache(env, options);
  const doc = documentClient(clients);
  const core = watchdogDeps(env, clients, options, doc);
  return {
    ...core,
    alarmStates: perRegion((region) => new CloudWatchAlarmStates(clients.get(CloudWatchClient, region))),
    policies: new PolicySource(clients.get(SSMClient), env.parameterPrefix, { ttlMs: START_POLICY_TTL_MS }),
    listRecent: (limit) => core.store.listFinished(limit),
    regionSync: new RegionSyncStore(doc, env.tableName),
    outcomes: (range) => new RolloutStore(doc, env.tableName).listOutcomes(range),
    metrics: perRegion((region) => new CloudWatchMetrics(clients.get(CloudWatchClient, region))),
    blueGreen: perRegion((region) => new SageMakerBlueGreenDeployments(clients.get(SageMakerClient, region))),
    verdicts: perRegion((region) => new CloudWatchVerdictAlarms(clients.get(CloudWatchClient, region))),
  };
}
