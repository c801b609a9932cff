import { SSMClient } from '@aws-sdk/client-ssm';
import { ParameterStore } from '../shared/aws/parameter-store';
import { makeHandler } from '../shared/middleware/make-handler';
import { createSlackNotifier } from '../shared/notify/slack-notifier';
import { readEnv } from '../shared/runtime/env';

/** How long the webhook URL is reused before SSM is read again, in milliseconds. */
export const WEBHOOK_URL_TTL_MS = 5 * 60_000;

const env = readEnv();
const parameters = new ParameterStore(new SSMClient({}), { ttlMs: WEBHOOK_URL_TTL_MS });

/** SNS subscription → Slack incoming webhook (see `createSlackNotifier`). */
export const handler = makeHandler(
  'slackNotifier',
  createSlackNotifier({ parameters, webhookParameter: env.slackWebhookParameter }),
);
