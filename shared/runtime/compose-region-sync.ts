import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { CloudWatchMetrics } from '../aws/cloudwatch-metrics';
import { RegionSyncStore } from '../aws/region-sync-store';
import { RolloutStore } from '../aws/rollout-store';
import { SageMakerRegionModels } from '../aws/sagemaker-region-models';
import type { RegionSyncRunDeps } from '../watchdog/region-sync-run';
import { runLadder } from '../watchdog/region-sync-ladder';
import { checkDrift, markFailover, repairRegion, syncRegion } from '../watchdog/region-sync-worker';
import { perRegion } from './client-cache';
import { clientCache, documentClient, type RuntimeOptions, topicNotifier } from './composition-root';
import type { WatchdogEnv } from './env';

/** region-sync: sync items, the promoted rollout and its history, SageMaker and CloudWatch in every region, notifications. */
export function regionSyncDeps(env: WatchdogEnv, options: RuntimeOptions = {}): RegionSyncRunDeps {
  const clients = clientCache(env, options);
  const doc = documentClient(clients);
  const store = new RolloutStore(doc, env.tableName);
  const syncStore = new RegionSyncStore(doc, env.tableName);
  const models = perRegion((region) => new SageMakerRegionModels(clients.get(SageMakerClient, region)));
  // A region's bake reads its own endpoint's metrics with the tick's reader.
  const metrics = perRegion((region) => new CloudWatchMetrics(clients.get(CloudWatchClient, region)));
  return {
    syncStore,
    readRollout: (endpointName) => store.get(endpointName),
    models,
    syncRegion: (item, now) => syncRegion({ syncStore, models }, item, now),
    ladder: (items, policy, now) => runLadder({ syncStore, models, metrics }, items, policy, now),
    checkDrift: (item, now) => checkDrift({ syncStore, models }, item, now),
    repairDrift: (item, now) => repairRegion({ syncStore, models }, item, now),
    endpointStatus: (region, endpointName) => models(region).describeEndpoint(endpointName),
    markFailover: (item, failover, now) => markFailover({ syncStore }, item, failover, now),
    metrics,
    appendHistory: (endpointName, entries) => store.appendHistory(endpointName, entries),
    notifier: topicNotifier(env, clients),
    ...(options.log ? { log: options.log } : {}),
  };
}
