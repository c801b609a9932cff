import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { RolloutStore } from '../aws/rollout-store';
import type { RegionSyncRunDeps } from '../watchdog/region-sync-run';
import { RegionSyncStore } from '../watchdog/region-sync-store';
import { checkDrift, syncRegion } from '../watchdog/region-sync-worker';
import { clientCache, documentClient, type RuntimeOptions, topicNotifier } from './composition-root';
import type { WatchdogEnv } from './env';

/** region-sync: sync items, the promoted rollout, SageMaker in every region, notifications. */
export function regionSyncDeps(env: WatchdogEnv, options: RuntimeOptions = {}): RegionSyncRunDeps {
  const clients = clientCache(env, options);
  const doc = documentClient(clients);
  const store = new RolloutStore(doc, env.tableName);
  const syncStore = new RegionSyncStore(doc, env.tableName);
  const sagemakerFor = (region: string) => clients.get(SageMakerClient, region);
  return {
    syncStore,
    readRollout: (endpointName) => store.get(endpointName),
    sagemakerFor,
    syncRegion: (item, now) => syncRegion({ syncStore, sagemakerFor }, item, now),
    checkDrift: (item, now) => checkDrift({ syncStore, sagemakerFor }, item, now),
    notifier: topicNotifier(env, clients),
    ...(options.log ? { log: options.log } : {}),
  };
}
