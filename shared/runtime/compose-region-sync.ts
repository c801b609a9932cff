import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { RegionSyncStore } from '../aws/region-sync-store';
import { RolloutStore } from '../aws/rollout-store';
import { SageMakerRegionModels } from '../aws/sagemaker-region-models';
import type { RegionSyncRunDeps } from '../watchdog/region-sync-run';
import { checkDrift, syncRegion } from '../watchdog/region-sync-worker';
import { perRegion } from './client-cache';
import { clientCache, documentClient, type RuntimeOptions, topicNotifier } from './composition-root';
import type { WatchdogEnv } from './env';

/** region-sync: sync items, the promoted rollout, SageMaker in every region, notifications. */
export function regionSyncDeps(env: WatchdogEnv, options: RuntimeOptions = {}): RegionSyncRunDeps {
  const clients = clientCache(env, options);
  const doc = documentClient(clients);
  const store = new RolloutStore(doc, env.tableName);
  const syncStore = new RegionSyncStore(doc, env.tableName);
  const models = perRegion((region) => new SageMakerRegionModels(clients.get(SageMakerClient, region)));
  return {
    syncStore,
    readRollout: (endpointName) => store.get(endpointName),
    models,
    syncRegion: (item, now) => syncRegion({ syncStore, models }, item, now),
    checkDrift: (item, now) => checkDrift({ syncStore, models }, item, now),
    notifier: topicNotifier(env, clients),
    ...(options.log ? { log: options.log } : {}),
  };
}
