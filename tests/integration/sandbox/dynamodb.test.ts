import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from './sandbox-fixture';

const TABLE = 'ddb-suite-table';

describe('DynamoDB through the sandbox URL (dynalite behind it)', () => {
  let t: TestSandbox;
  let ddb: DynamoDBClient;

  beforeAll(async () => {
    t = await startTestSandbox({ dynamodb: true });
    ddb = new DynamoDBClient(t.client('us-east-1'));
    await ddb.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  });
  afterAll(async () => {
    ddb.destroy();
    await t.stop();
  });

  it('writes and reads an item', async () => {
    await ddb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: 'ROLLOUT#a' }, sk: { S: 'STATE' }, version: { N: '1' } },
      }),
    );
    const { Item } = await ddb.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'ROLLOUT#a' }, sk: { S: 'STATE' } } }),
    );
    expect(Item?.version).toEqual({ N: '1' });
  });

  it('raises ConditionalCheckFailedException when an optimistic-lock condition fails', async () => {
    const key = { pk: { S: 'ROLLOUT#b' }, sk: { S: 'STATE' } };
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...key, version: { N: '1' } } }));
    const bump = (expected: string) =>
      ddb.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: key,
          UpdateExpression: 'SET version = :next',
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: {
            ':expected': { N: expected },
            ':next': { N: String(Number(expected) + 1) },
          },
        }),
      );
    await bump('1');
    const error = await bump('1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect(error).toMatchObject({ name: 'ConditionalCheckFailedException', $fault: 'client' });
  });

  it('refuses to create a conditional first write twice (attribute_not_exists)', async () => {
    const put = () =>
      ddb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: 'EVENT#k' }, sk: { S: 'EVENT' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await put();
    await expect(put()).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  it('answers ResourceNotFoundException for an unknown table', async () => {
    await expect(
      ddb.send(
        new GetItemCommand({ TableName: 'ddb-suite-missing', Key: { pk: { S: 'x' }, sk: { S: 'y' } } }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
