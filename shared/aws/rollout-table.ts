import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The watchdog's one DynamoDB table, as a CreateTable input. Tests, the demo and the benchmarks
 * create the table from this value; `resources/table.yml` mirrors it in CloudFormation, so a change
 * here must be made there too.
 *
 * Key layout (see `shared/runtime/env.ts`): pk/sk strings; `expiresAt` (epoch seconds) is the TTL
 * attribute; the GSI `active-index` is partitioned by `activePk`: `ACTIVE` lists the rollouts that
 * still need the tick, `FINISHED` the finished ones, `SYNC` / `SYNC-DONE` region sync items.
 */

/** Name of the sparse GSI listing rollouts the tick must visit. */
export const ACTIVE_INDEX_NAME = 'active-index';

/** Partition value of `activePk` on every item in the active index (one partition: a query lists all). */
export const ACTIVE_PARTITION = 'ACTIVE';

/**
 * Partition of `active-index` holding the state of finished rollouts (one item per endpoint), so the
 * control API lists recent rollouts with a Query instead of scanning history too.
 */
export const FINISHED_PARTITION = 'FINISHED';

/**
 * Name of the sparse GSI deployment analytics read: one outcome item per finished rollout
 * (partition `outcomePk` = OUTCOME_PARTITION, sorted by `endedAt`, ISO), so `GET /stats` is one
 * Query over a time range instead of a scan of history.
 */
export const OUTCOME_INDEX_NAME = 'outcome-index';

/** Partition value of `outcomePk` on every outcome item (rollouts end a few times a day at most: one partition). */
export const OUTCOME_PARTITION = 'OUTCOME';

/** TTL attribute, epoch seconds. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Builds the CreateTable input for `tableName` (on-demand billing, sparse active-rollout and outcome GSIs). */
export function rolloutTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'activePk', AttributeType: 'S' },
      { AttributeName: 'endpointName', AttributeType: 'S' },
      { AttributeName: 'outcomePk', AttributeType: 'S' },
      { AttributeName: 'endedAt', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: ACTIVE_INDEX_NAME,
        KeySchema: [
          { AttributeName: 'activePk', KeyType: 'HASH' },
          { AttributeName: 'endpointName', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: OUTCOME_INDEX_NAME,
        KeySchema: [
          { AttributeName: 'outcomePk', KeyType: 'HASH' },
          { AttributeName: 'endedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
