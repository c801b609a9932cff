import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { SlackThread, SlackThreadStore } from '../notify/slack-thread';

/** How long a rollout's thread item is kept after its last write, as its history is. Seconds (90 days). */
export const SLACK_THREAD_TTL_SECONDS = 90 * 24 * 3600;

/** Sort key of a rollout's Slack thread item, beside the rollout's `STATE` and `HISTORY#...` items. */
export const slackThreadSk = (rolloutId: string): string => `SLACK#${rolloutId}`;

/**
 * The Slack thread of each rollout in the rollout table: pk `ROLLOUT#<endpointName>` (the
 * rollout's), sk `SLACK#<rolloutId>`, so a new rollout of the endpoint gets a new thread and the
 * rollout state's versioned writes never touch it. The thread is one JSON attribute (card blocks
 * and replied ids need no queries); `rev` makes every write conditional; `expiresAt` is the TTL.
 * Plain DynamoDB client (GetItem and PutItem only): the notifier's bundle stays small.
 */
export class DynamoSlackThreadStore implements SlackThreadStore {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(endpointName: string, rolloutId: string): Promise<SlackThread | undefined> {
    const out = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: `ROLLOUT#${endpointName}` }, sk: { S: slackThreadSk(rolloutId) } },
        ConsistentRead: true,
      }),
    );
    const text = out.Item?.thread?.S;
    return text === undefined ? undefined : (JSON.parse(text) as SlackThread);
  }

  async put(thread: SlackThread, expectedRev: number | null, now: number): Promise<boolean> {
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: `ROLLOUT#${thread.endpointName}` },
            sk: { S: slackThreadSk(thread.rolloutId) },
            rev: { N: String(thread.rev) },
            // For people reading the table: where the thread is.
            channel: { S: thread.channel },
            ts: { S: thread.ts },
            thread: { S: JSON.stringify(thread) },
            expiresAt: { N: String(Math.floor(now / 1000) + SLACK_THREAD_TTL_SECONDS) },
          },
          ...(expectedRev === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'rev = :rev',
                ExpressionAttributeValues: { ':rev': { N: String(expectedRev) } },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as { name?: string })?.name === 'ConditionalCheckFailedException'
      )
        return false;
      throw error;
    }
  }
}
