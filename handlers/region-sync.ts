import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotificationPublisher } from '../shared/aws/notification-publisher';
import { RolloutStore } from '../shared/aws/rollout-store';
import { SDK_MAX_ATTEMPTS } from '../shared/aws/sagemaker-endpoints';
import { makeHandler } from '../shared/middleware/make-handler';
import { countEvent, watchdogLog } from '../shared/middleware/telemetry';
import { readEnv } from '../shared/runtime/env';
import { handleRegionSyncEvent, type RegionSyncRunDeps } from '../shared/watchdog/region-sync-run';
import { RegionSyncStore } from '../shared/watchdog/region-sync-store';
import { checkDrift, syncRegion } from '../shared/watchdog/region-sync-worker';

/**
 * Region sync: invoked by its schedule and by the SNS `rollout.promoted` notification (the
 * subscription filters on `eventType`). A promotion records one sync item per target region; the
 * schedule copies the promoted model into each region that is not done yet (`region-sync-worker.ts`).
 */

const env = readEnv();
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: SDK_MAX_ATTEMPTS }), {
  marshallOptions: { removeUndefinedValues: true },
});
const store = new RolloutStore(doc, env.tableName);
const syncStore = new RegionSyncStore(doc, env.tableName);
const clients = new Map<string, SageMakerClient>();

function sagemakerFor(region: string): SageMakerClient {
  let client = clients.get(region);
  if (!client) {
    client = new SageMakerClient({ region, maxAttempts: SDK_MAX_ATTEMPTS });
    clients.set(region, client);
  }
  return client;
}

const deps: RegionSyncRunDeps = {
  syncStore,
  readRollout: (endpointName) => store.get(endpointName),
  sagemakerFor,
  syncRegion: (item, now) => syncRegion({ syncStore, sagemakerFor }, item, now),
  checkDrift: (item, now) => checkDrift({ syncStore, sagemakerFor }, item, now),
  notifier: new NotificationPublisher(new SNSClient({ maxAttempts: SDK_MAX_ATTEMPTS }), env.topicArn),
  log: watchdogLog,
};

export const handler = makeHandler('regionSync', async (event: unknown) => {
  const result = await handleRegionSyncEvent(deps, event);
  countEvent(result.kind === 'ignored' ? 'RegionSyncIgnoredEvents' : 'RegionSyncRuns');
  return result;
});
