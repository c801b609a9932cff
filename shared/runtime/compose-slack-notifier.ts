import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { EmailAlertPublisher } from '../aws/notification-publisher';
import { ParameterStore } from '../aws/parameter-store';
import { DynamoSlackThreadStore } from '../aws/slack-thread-store';
import type { SlackNotifierDeps } from '../notify/slack-notifier';
import { ClientCache, type ClientConfig } from './client-cache';
import type { WatchdogEnv } from './env';

/** How long the Slack notifier reuses the webhook URL before SSM is read again, in milliseconds. */
export const WEBHOOK_URL_TTL_MS = 5 * 60_000;

/**
 * slack-notifier: the webhook URL's SSM parameter, read through a cache, and the topic, for the
 * one email alert of a revoked webhook. With `SLACK_BOT_TOKEN_PARAMETER` set, also the thread
 * mode: the bot token and channel parameters (same cache) and the rollout table, for each
 * rollout's thread item (GetItem and PutItem only). It touches no other AWS service.
 */
export function slackNotifierDeps(
  env: WatchdogEnv,
  options: { clientConfig?: ClientConfig } = {},
): SlackNotifierDeps {
  const clients = new ClientCache(env.homeRegion, options.clientConfig);
  return {
    parameters: new ParameterStore(clients.get(SSMClient), { ttlMs: WEBHOOK_URL_TTL_MS }),
    webhookParameter: env.slackWebhookParameter,
    alerts: new EmailAlertPublisher(clients.get(SNSClient), env.topicArn),
    region: env.homeRegion,
    ...(env.slackBotTokenParameter
      ? {
          thread: {
            tokenParameter: env.slackBotTokenParameter,
            channelParameter: env.slackChannelParameter ?? `${env.parameterPrefix}/slack-channel-id`,
            store: new DynamoSlackThreadStore(clients.get(DynamoDBClient), env.tableName),
            ...(env.slackApiUrl ? { apiUrl: env.slackApiUrl } : {}),
          },
        }
      : {}),
  };
}
