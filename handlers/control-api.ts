import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotificationPublisher } from '../shared/aws/notification-publisher';
import { RolloutStore } from '../shared/aws/rollout-store';
import { SageMakerEndpoints, SDK_MAX_ATTEMPTS } from '../shared/aws/sagemaker-endpoints';
import { type ControlApiEvent, handleControlRequest } from '../shared/http/control-api-router';
import { makeHandler } from '../shared/middleware/make-handler';
import { countEvent, watchdogLog } from '../shared/middleware/telemetry';
import { PolicySource } from '../shared/policy/policy-source';
import { readEnv } from '../shared/runtime/env';
import type { ControlDeps } from '../shared/control/control-deps';
import { RegionSyncStore } from '../shared/watchdog/region-sync-store';

/**
 * Control API (HTTP API, payload 2.0, IAM auth when deployed): start / list / status / history /
 * pause / resume / promote / abort / rollback. Routing, validation and the commands live in
 * `shared/http/control-api-router.ts` and `shared/control/`.
 *
 * `CONTROL_API_CLOCK_HEADER=true` (local stage only) lets the sandbox's simulated clock reach the
 * commands through the `x-watchdog-now` header; `CONTROL_API_URL` is printed in notifications.
 */

/**
 * How long a stored policy read for `POST /rollouts` is reused, in milliseconds. Zero: starts are
 * rare and an operator who just stored a policy must not be told it is missing.
 */
export const START_POLICY_TTL_MS = 0;

const env = readEnv();
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: SDK_MAX_ATTEMPTS }), {
  marshallOptions: { removeUndefinedValues: true },
});
const store = new RolloutStore(doc, env.tableName);
const sagemaker = new Map<string, SageMakerEndpoints>();

const deps: ControlDeps = {
  store,
  endpoints(region) {
    let adapter = sagemaker.get(region);
    if (!adapter) {
      adapter = new SageMakerEndpoints(new SageMakerClient({ region, maxAttempts: SDK_MAX_ATTEMPTS }));
      sagemaker.set(region, adapter);
    }
    return adapter;
  },
  notifier: new NotificationPublisher(new SNSClient({ maxAttempts: SDK_MAX_ATTEMPTS }), env.topicArn),
  policies: new PolicySource(new SSMClient({ maxAttempts: SDK_MAX_ATTEMPTS }), env.parameterPrefix, {
    ttlMs: START_POLICY_TTL_MS,
  }),
  listRecent: (limit) => store.listFinished(limit),
  regionSync: new RegionSyncStore(doc, env.tableName),
  log: watchdogLog,
  ...(process.env.CONTROL_API_URL ? { apiUrl: process.env.CONTROL_API_URL } : {}),
};

const allowClockHeader = process.env.CONTROL_API_CLOCK_HEADER === 'true';

export const handler = makeHandler('controlApi', async (event: ControlApiEvent) => {
  const response = await handleControlRequest(deps, event, { allowClockHeader });
  countEvent(
    response.statusCode < 400
      ? 'ControlApiRequests'
      : `ControlApiRefusals${Math.floor(response.statusCode / 100)}xx`,
  );
  return response;
});
