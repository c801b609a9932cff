import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  paginateQuery,
  PutCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type NewRegionSync,
  type RecordOutcome,
  type RegionSyncChange,
  RegionSyncConflictError,
  type RegionSyncRepository,
} from '../ports/region-sync-repository';
import type { RegionSyncItem, RegionSyncStatus } from '../watchdog/region-sync-types';
import { ACTIVE_INDEX_NAME } from './rollout-table';

/**
 * Partition of the table's sparse `active-index` that lists sync items still needing work. The tick
 * queries the `ACTIVE` partition only, so sharing the index costs no extra GSI and never mixes the two.
 */
export const SYNC_PENDING_PARTITION = 'SYNC';

/** Partition of `active-index` listing finished regions, which every scheduled run checks for drift. */
export const SYNC_DONE_PARTITION = 'SYNC-DONE';

/** Partition of `active-index` for regions the ladder stopped (rolled back, halted, aborted): nobody lists it. */
export const SYNC_STOPPED_PARTITION = 'SYNC-STOPPED';

/** Statuses that end a region's work without its being done. */
const STOPPED: ReadonlySet<RegionSyncStatus> = new Set(['rolled-back', 'halted', 'aborted']);

const pkOf = (endpointName: string) => `SYNC#${endpointName}`;
const skOf = (region: string) => `REGION#${region}`;

/** Reads and writes region sync items in the watchdog table (layout in `shared/runtime/env.ts`). */
export class RegionSyncStore implements RegionSyncRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Records a pending sync for one target region. Idempotent: a duplicate delivery of the same
   * promotion (same identity key) writes nothing; a later promotion of a different model replaces
   * the item and starts over. The decision is made by DynamoDB's condition, so two concurrent
   * deliveries cannot both create.
   */
  async recordPending(input: NewRegionSync): Promise<RecordOutcome> {
    const at = new Date(input.now).toISOString();
    const item: RegionSyncItem & Record<string, unknown> = {
      pk: pkOf(input.endpointName),
      sk: skOf(input.region),
      activePk: SYNC_PENDING_PARTITION,
      endpointName: input.endpointName,
      region: input.region,
      targetEndpointName: input.targetEndpointName,
      status: 'pending',
      attempts: 0,
      lastError: null,
      identity: input.identity,
      identityKey: input.identity.key,
      promotedAt: input.promotedAt,
      ...(input.order === undefined ? {} : { order: input.order }),
      ...(input.artifacts === undefined ? {} : { artifacts: input.artifacts }),
      ...(input.artifactProblem ? { artifactProblem: input.artifactProblem } : {}),
      ...(input.bakeSeconds === undefined ? {} : { bakeSeconds: input.bakeSeconds }),
      ...(input.repairDrift === undefined ? {} : { repairDrift: input.repairDrift }),
      ...(input.steps === undefined ? {} : { steps: input.steps }),
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR identityKey <> :key',
          ExpressionAttributeValues: { ':key': input.identity.key },
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  /** Every region's item for one promoted endpoint, by region name. */
  async list(endpointName: string): Promise<RegionSyncItem[]> {
    return this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :region)',
      ExpressionAttributeValues: { ':pk': pkOf(endpointName), ':region': 'REGION#' },
    });
  }

  /** Items that still need work (pending, in progress or failed), across all endpoints, from the sparse index. */
  async listUnfinished(): Promise<RegionSyncItem[]> {
    return this.listPartition(SYNC_PENDING_PARTITION);
  }

  /** Finished regions across all endpoints (checked for drift by the schedule). */
  async listDone(): Promise<RegionSyncItem[]> {
    return this.listPartition(SYNC_DONE_PARTITION);
  }

  private listPartition(partition: string): Promise<RegionSyncItem[]> {
    return this.queryAll({
      IndexName: ACTIVE_INDEX_NAME,
      KeyConditionExpression: 'activePk = :p',
      ExpressionAttributeValues: { ':p': partition },
    });
  }

  /** Every item a query on the table matches, over all pages (the SDK's paginator). */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<RegionSyncItem[]> {
    const items: RegionSyncItem[] = [];
    for await (const page of paginateQuery({ client: this.doc }, { TableName: this.tableName, ...input })) {
      for (const raw of page.Items ?? []) items.push(toItem(raw));
    }
    return items;
  }

  /**
   * Moves an item to `status` if nobody changed it since `item.version` was read; `done` moves it to
   * the SYNC_DONE_PARTITION of the index, where the schedule only checks it for drift. Returns the
   * updated item.
   */
  async update(item: RegionSyncItem, change: RegionSyncChange): Promise<RegionSyncItem> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ':status': change.status,
      ':updatedAt': new Date(change.now).toISOString(),
      ':expected': item.version,
      ':one': 1,
    };
    const sets = ['#status = :status', 'updatedAt = :updatedAt', 'version = version + :one'];
    if (change.countAttempt) sets.push('attempts = attempts + :one');
    else if (change.resetAttempts) {
      sets.push('attempts = :zero');
      values[':zero'] = 0;
    }
    if (change.lastError !== undefined) {
      sets.push('lastError = :lastError');
      values[':lastError'] = change.lastError;
    }
    for (const key of [
      'targetModelName',
      'targetEndpointConfigName',
      'replacedConfig',
      'drift',
      'bake',
      'bakeFailures',
      'held',
      'skipBake',
      'stopReason',
      'failover',
      'canary',
    ] as const) {
      if (change[key] !== undefined) {
        sets.push(`${key} = :${key}`);
        values[`:${key}`] = change[key];
      }
    }
    sets.push('activePk = :partition');
    values[':partition'] =
      change.status === 'done'
        ? SYNC_DONE_PARTITION
        : STOPPED.has(change.status)
          ? SYNC_STOPPED_PARTITION
          : SYNC_PENDING_PARTITION;
    const expression = `SET ${sets.join(', ')}`;
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: pkOf(item.endpointName), sk: skOf(item.region) },
          UpdateExpression: expression,
          ConditionExpression: 'version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toItem(result.Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new RegionSyncConflictError(item.endpointName, item.region, { cause: error });
      }
      throw error;
    }
  }
}

function toItem(raw: Record<string, unknown>): RegionSyncItem {
  const { pk: _pk, sk: _sk, activePk: _active, identityKey: _key, ...rest } = raw;
  return rest as unknown as RegionSyncItem;
}
