import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SLACK_FILTER_POLICY } from '../../shared/aws/notification-publisher';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { rolloutTableDefinition } from '../../shared/aws/rollout-table';
import { sandboxClientConfig } from './sandbox-clients';

/** The sandbox's fixed account id, as in every ARN it hands out. */
const ACCOUNT_ID = '000000000000';

export interface ProvisionOptions {
  /** Sandbox URL (`AWS_ENDPOINT_URL`). */
  endpoint: string;
  region: string;
  /** Serverless stage; the names below follow `serverless.yml`'s `local` stage environment. */
  stage: string;
  /** Where the Slack notifier posts (a sandbox Slack sink hook). */
  slackWebhookUrl: string;
  /** Email address subscribed to the topic. */
  alertEmail: string;
}

export interface ProvisionedWatchdog {
  tableName: string;
  topicArn: string;
  parameterPrefix: string;
}

/**
 * Creates, in the sandbox, what CloudFormation creates in AWS for one stage (`resources/*.yml`):
 * the table, the notification topic with its email, Slack-notifier and region-sync subscriptions,
 * and the Slack webhook SecureString. The names are the ones `serverless.yml` gives the functions
 * in its `local` stage, so the unchanged handlers find them.
 */
export async function provisionWatchdog(options: ProvisionOptions): Promise<ProvisionedWatchdog> {
  const config = sandboxClientConfig(options.endpoint, options.region);
  const service = 'rollout-watchdog';
  const tableName = `${service}-${options.stage}`;
  const parameterPrefix = `/${service}/${options.stage}`;
  const lambdaArn = (key: string) =>
    `arn:aws:lambda:${options.region}:${ACCOUNT_ID}:function:${service}-${options.stage}-${key}`;

  const dynamodb = new DynamoDBClient(config);
  const sns = new SNSClient(config);
  const ssm = new SSMClient(config);
  try {
    await dynamodb.send(new CreateTableCommand(rolloutTableDefinition(tableName)));
    const { TopicArn: topicArn = '' } = await sns.send(
      new CreateTopicCommand({ Name: `${service}-${options.stage}-notifications` }),
    );
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: options.alertEmail }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'lambda',
        Endpoint: lambdaArn('slackNotifier'),
        // As functions/slack-notifier.yml: not the notifier's own email-only alert.
        Attributes: {
          FilterPolicyScope: 'MessageAttributes',
          FilterPolicy: JSON.stringify(SLACK_FILTER_POLICY),
        },
      }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'lambda',
        Endpoint: lambdaArn('regionSync'),
        Attributes: { FilterPolicy: JSON.stringify({ eventType: ['rollout.promoted'] }) },
      }),
    );
    await ssm.send(
      new PutParameterCommand({
        Name: `${parameterPrefix}/slack-webhook-url`,
        Value: options.slackWebhookUrl,
        Type: 'SecureString',
        Overwrite: true,
      }),
    );
    return { tableName, topicArn, parameterPrefix };
  } finally {
    dynamodb.destroy();
    sns.destroy();
    ssm.destroy();
  }
}
