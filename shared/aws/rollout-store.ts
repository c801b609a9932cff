import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  PutCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { needsTick } from '../domain/needs-tick';
import type { RolloutPolicy, RolloutState } from '../domain/types';
import {
  type HistoryEntry,
  type NewRolloutRecord,
  type OutboxEntry,
  type RolloutRecord,
  type RolloutRepository,
  RolloutExistsError,
  RolloutStoreError,
  VersionConflictError,
} from '../ports/rollout-repository';
import { endsRollout, type RolloutOutcome, rolloutOutcome } from '../stats/rollout-outcome';
import {
  ACTIVE_INDEX_NAME,
  ACTIVE_PARTITION,
  FINISHED_PARTITION,
  OUTCOME_INDEX_NAME,
  OUTCOME_PARTITION,
} from './rollout-table';

/** How long history items are kept before DynamoDB's TTL removes them. Seconds (90 days). */
export const HISTORY_TTL_SECONDS = 90 * 24 * 3600;

/**
 * How long a rollout's outcome item (deployment analytics) is kept. Seconds (400 days): longer
 * than HISTORY_TTL_SECONDS on purpose, so `stats --since 365d` still counts rollouts whose
 * history has expired; the item holds everything the figures need.
 */
export const OUTCOME_TTL_SECONDS = 400 * 24 * 3600;

/** History entries read back at most to build a rollout's outcome (its own entries, newest first). Entries. */
const OUTCOME_HISTORY_READ_LIMIT = 2000;

/** Default number of history entries `history()` returns. Entries. */
export const DEFAULT_HISTORY_LIMIT = 100;

/** BatchWriteItem's per-call limit. Items. */
const BATCH_WRITE_LIMIT = 25;

/** Retries of BatchWriteItem's UnprocessedItems before giving up. Attempts. */
const UNPROCESSED_RETRIES = 5;

const rolloutPk = (endpointName: string): string => `ROLLOUT#${endpointName}`;
const STATE_SK = 'STATE';
const HISTORY_PREFIX = 'HISTORY#';
const OUTCOME_PREFIX = 'OUTCOME#';

const isConditionalFailure = (error: unknown): boolean =>
  (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

/**
 * Rollout state (with its outbox and event receipts) and history in one DynamoDB table (layout in
 * `shared/runtime/env.ts`). Every state write is conditional on `version`; the engine's state and
 * policy are stored as JSON strings (compact, and immune to DynamoDB's empty-set/undefined rules),
 * with phase and weights copied to top-level attributes for people reading the table.
 */
export class RolloutStore implements RolloutRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The rollout of `endpointName` (strongly consistent), or undefined. */
  async get(endpointName: string): Promise<RolloutRecord | undefined> {
    const out = await this.call(`get ${endpointName}`, () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: rolloutPk(endpointName), sk: STATE_SK },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  /**
   * Every rollout the tick must visit (the sparse `active-index`: non-final rollouts and final
   * ones whose weights have not landed yet). GSI reads are eventually consistent, so callers
   * treat the result as a work list and rely on versioned writes, not on its freshness.
   */
  async listActive(): Promise<RolloutRecord[]> {
    const records: RolloutRecord[] = [];
    await this.queryAll(
      'listActive',
      {
        IndexName: ACTIVE_INDEX_NAME,
        KeyConditionExpression: 'activePk = :a',
        ExpressionAttributeValues: { ':a': ACTIVE_PARTITION },
      },
      (item) => records.push(fromItem(item)),
    );
    return records;
  }

  /**
   * Endpoint names and regions of the rollouts the tick visits whose policy names `alarmName`
   * in `rollback.onAlarms` (filtered in DynamoDB on the `alarmNames` attribute, names only
   * returned, so the alarm path stays fast with many active rollouts). Eventually consistent:
   * read each record with `get` before acting.
   */
  async listActiveForAlarm(alarmName: string): Promise<Array<{ endpointName: string; region: string }>> {
    const found: Array<{ endpointName: string; region: string }> = [];
    await this.queryAll(
      `listActiveForAlarm ${alarmName}`,
      {
        IndexName: ACTIVE_INDEX_NAME,
        KeyConditionExpression: 'activePk = :a',
        FilterExpression: 'contains(alarmNames, :n)',
        ProjectionExpression: 'endpointName, #r',
        ExpressionAttributeNames: { '#r': 'region' },
        ExpressionAttributeValues: { ':a': ACTIVE_PARTITION, ':n': alarmName },
      },
      (item) => found.push({ endpointName: item.endpointName as string, region: item.region as string }),
    );
    return found;
  }

  /**
   * The `limit` most recently updated finished rollouts (the tick no longer visits them), newest
   * first. They sit in their own partition of `active-index`, one item per endpoint, so this reads
   * finished rollouts only, never history; names are read from the index and each record is then
   * read strongly consistent, so a rollout is shown as it is now.
   */
  async listFinished(limit: number): Promise<RolloutRecord[]> {
    const finished: Array<{ endpointName: string; updatedAt: string }> = [];
    await this.queryAll(
      'listFinished',
      {
        IndexName: ACTIVE_INDEX_NAME,
        KeyConditionExpression: 'activePk = :f',
        ProjectionExpression: 'endpointName, updatedAt',
        ExpressionAttributeValues: { ':f': FINISHED_PARTITION },
      },
      (item) =>
        finished.push({ endpointName: String(item.endpointName), updatedAt: String(item.updatedAt ?? '') }),
    );
    finished.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    const records = await Promise.all(finished.slice(0, limit).map((f) => this.get(f.endpointName)));
    return records.filter((r): r is RolloutRecord => r !== undefined);
  }

  /**
   * Stores a new rollout at version 1. Refuses (RolloutExistsError) when the endpoint already has
   * a rollout the tick still visits; a finished one is replaced (its history stays).
   * `now` (epoch ms) stamps createdAt/updatedAt.
   */
  async create(input: NewRolloutRecord, now: number): Promise<RolloutRecord> {
    const iso = new Date(now).toISOString();
    const record: RolloutRecord = {
      endpointName: input.endpointName,
      region: input.region,
      rolloutId: input.rolloutId ?? `${input.endpointName}@${iso}#${Math.random().toString(36).slice(2, 10)}`,
      policyText: input.policyText,
      policy: input.policy,
      state: input.state,
      appliedCanaryWeight: input.appliedCanaryWeight,
      version: 1,
      createdAt: iso,
      updatedAt: iso,
    };
    if (input.storedPolicyHash !== undefined) record.storedPolicyHash = input.storedPolicyHash;
    if (input.outbox?.length) record.outbox = input.outbox;
    if (input.lastAnnounced) record.lastAnnounced = input.lastAnnounced;
    if (input.drainLease) record.drainLease = input.drainLease;
    if (input.endpointChange) record.endpointChange = input.endpointChange;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(record),
          // A finished rollout (in the FINISHED partition, or from before it existed: no activePk) is replaced.
          ConditionExpression:
            'attribute_not_exists(pk) OR attribute_not_exists(activePk) OR activePk <> :active',
          ExpressionAttributeValues: { ':active': ACTIVE_PARTITION },
        }),
      );
    } catch (error) {
      if (isConditionalFailure(error)) throw new RolloutExistsError(input.endpointName, { cause: error });
      throw new RolloutStoreError(`create ${input.endpointName} failed`, { cause: error });
    }
    return record;
  }

  /**
   * Writes `record` as version `expectedVersion + 1` if the stored item is still
   * `expectedVersion` of the same rollout; otherwise throws VersionConflictError (re-read and
   * decide again). The caller sets `updatedAt`.
   */
  async save(record: RolloutRecord, expectedVersion: number): Promise<RolloutRecord> {
    const next: RolloutRecord = { ...record, version: expectedVersion + 1 };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(next),
          ConditionExpression: '#v = :v AND rolloutId = :r',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':v': expectedVersion, ':r': record.rolloutId },
        }),
      );
    } catch (error) {
      if (isConditionalFailure(error))
        throw new VersionConflictError(record.endpointName, expectedVersion, { cause: error });
      throw new RolloutStoreError(`save ${record.endpointName} failed`, { cause: error });
    }
    return next;
  }

  /**
   * Appends history items (TTL HISTORY_TTL_SECONDS after each entry's time), batched. The entry of
   * the decision that ends a rollout also writes the rollout's outcome item (see recordOutcome):
   * the outbox drains history in decision order, so the rollout's earlier entries are stored by
   * then, and a failure leaves the entry pending, to be written again.
   */
  async appendHistory(endpointName: string, entries: ReadonlyArray<HistoryEntry>): Promise<void> {
    const items = entries.map((entry, index) => historyItem(endpointName, entry, index));
    await this.batchPut(items);
    for (const entry of entries) if (endsRollout(entry)) await this.recordOutcome(endpointName, entry);
  }

  /**
   * Writes the outcome item of the rollout `final` ended (deployment analytics: its start and
   * end, outcome, cause and time to detect), built from the rollout's own history. Keyed by the
   * rollout id and written only if absent: idempotent, and the first final decision stays.
   */
  async recordOutcome(endpointName: string, final: HistoryEntry): Promise<RolloutOutcome> {
    const earlier: HistoryEntry[] = [];
    let read = 0;
    await this.queryAll(
      `outcome history ${endpointName}`,
      {
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :h)',
        ExpressionAttributeValues: { ':p': rolloutPk(endpointName), ':h': HISTORY_PREFIX },
        ScanIndexForward: false,
      },
      (item) => {
        read++;
        const entry = JSON.parse(item.entry as string) as HistoryEntry;
        if (entry.rolloutId === final.rolloutId) earlier.push(entry);
      },
      () => read >= OUTCOME_HISTORY_READ_LIMIT || earlier.some((e) => e.kind === 'start'),
    );
    const outcome = rolloutOutcome(
      endpointName,
      final,
      earlier.filter((e) => !(e.time === final.time && e.version === final.version && e.kind === final.kind)),
    );
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: rolloutPk(endpointName),
            sk: `${OUTCOME_PREFIX}${final.rolloutId}`,
            outcomePk: OUTCOME_PARTITION,
            endedAt: outcome.endedAt,
            endpointName,
            outcome: JSON.stringify(outcome),
            expiresAt: Math.floor(Date.parse(outcome.endedAt) / 1000) + OUTCOME_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error))
        throw new RolloutStoreError(`outcome of ${final.rolloutId} failed`, { cause: error });
    }
    return outcome;
  }

  /**
   * Outcomes of the rollouts that ended between `since` and `until` (ISO, inclusive), oldest
   * first, from the `outcome-index` (one Query; `endpointName` filters in DynamoDB).
   */
  async listOutcomes(range: {
    since: string;
    until: string;
    endpointName?: string;
  }): Promise<RolloutOutcome[]> {
    const outcomes: RolloutOutcome[] = [];
    await this.queryAll(
      'listOutcomes',
      {
        IndexName: OUTCOME_INDEX_NAME,
        KeyConditionExpression: 'outcomePk = :o AND endedAt BETWEEN :s AND :u',
        ...(range.endpointName ? { FilterExpression: 'endpointName = :e' } : {}),
        ExpressionAttributeValues: {
          ':o': OUTCOME_PARTITION,
          ':s': range.since,
          ':u': range.until,
          ...(range.endpointName ? { ':e': range.endpointName } : {}),
        },
      },
      (item) => outcomes.push(JSON.parse(item.outcome as string) as RolloutOutcome),
    );
    return outcomes;
  }

  /** Newest-first history of `endpointName`, at most `limit` entries. */
  async history(endpointName: string, options: { limit?: number } = {}): Promise<HistoryEntry[]> {
    const limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
    const entries: HistoryEntry[] = [];
    await this.queryAll(
      `history ${endpointName}`,
      {
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :h)',
        ExpressionAttributeValues: { ':p': rolloutPk(endpointName), ':h': HISTORY_PREFIX },
        ScanIndexForward: false,
        Limit: limit,
      },
      (item) => {
        if (entries.length < limit) entries.push(JSON.parse(item.entry as string) as HistoryEntry);
      },
      () => entries.length >= limit,
    );
    return entries;
  }

  private async batchPut(items: Record<string, unknown>[]): Promise<void> {
    for (let start = 0; start < items.length; start += BATCH_WRITE_LIMIT) {
      let pending: { PutRequest: { Item: Record<string, unknown> } }[] = items
        .slice(start, start + BATCH_WRITE_LIMIT)
        .map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES)
          throw new RolloutStoreError('history write left unprocessed items', { cause: pending.length });
        const out = await this.call('appendHistory', () =>
          this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } })),
        );
        pending = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
        if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }

  /**
   * Runs a query on the table over every page (the SDK's paginator), handing each item to
   * `onItem`; stops early once `done()` says enough was read. Failures become RolloutStoreError.
   */
  private async queryAll(
    what: string,
    input: Omit<QueryCommandInput, 'TableName'>,
    onItem: (item: Record<string, unknown>) => void,
    done: () => boolean = () => false,
  ): Promise<void> {
    try {
      for await (const page of paginateQuery({ client: this.doc }, { TableName: this.tableName, ...input })) {
        for (const item of page.Items ?? []) onItem(item);
        if (done()) return;
      }
    } catch (error) {
      throw new RolloutStoreError(`${what} failed`, { cause: error });
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new RolloutStoreError(`${what} failed`, { cause: error });
    }
  }
}

function historyItem(endpointName: string, entry: HistoryEntry, index: number): Record<string, unknown> {
  const epochSeconds = Math.floor(Date.parse(entry.time) / 1000);
  return {
    pk: rolloutPk(endpointName),
    // Version plus index keeps two entries of the same instant (alarm and tick) apart.
    sk: `${HISTORY_PREFIX}${entry.time}#${String(entry.version).padStart(8, '0')}#${index}#${entry.kind}`,
    kind: entry.kind,
    phase: entry.phase,
    entry: JSON.stringify(entry),
    expiresAt: epochSeconds + HISTORY_TTL_SECONDS,
  };
}

function toItem(record: RolloutRecord): Record<string, unknown> {
  const item: Record<string, unknown> = {
    pk: rolloutPk(record.endpointName),
    sk: STATE_SK,
    endpointName: record.endpointName,
    region: record.region,
    rolloutId: record.rolloutId,
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    phase: record.state.phase,
    canaryWeight: record.state.canaryWeight,
    appliedCanaryWeight: record.appliedCanaryWeight,
    policyText: record.policyText,
    policy: JSON.stringify(record.policy),
    state: JSON.stringify(record.state),
    lastAlarmEvent: JSON.stringify(record.lastAlarmEvent ?? {}),
    // Top-level copy of the policy's alarm names, for listActiveForAlarm's filter.
    alarmNames: record.policy.rollback.onAlarms.map((a) => a.alarmName),
  };
  if (record.policyAlert !== undefined) item.policyAlert = record.policyAlert;
  if (record.storedPolicyHash !== undefined) item.storedPolicyHash = record.storedPolicyHash;
  // JSON strings, like state: the outbox nests notifications whose optional fields DynamoDB's
  // marshaller would refuse as undefined.
  if (record.outbox?.length) item.outbox = JSON.stringify(record.outbox);
  if (record.receipts && Object.keys(record.receipts).length > 0)
    item.receipts = JSON.stringify(record.receipts);
  if (record.lastAnnounced) item.lastAnnounced = JSON.stringify(record.lastAnnounced);
  if (record.drainLease) item.drainLease = JSON.stringify(record.drainLease);
  if (record.endpointChange) item.endpointChange = JSON.stringify(record.endpointChange);
  if (record.hooksOwed?.length) item.hooksOwed = JSON.stringify(record.hooksOwed);
  item.activePk = needsTick(record) ? ACTIVE_PARTITION : FINISHED_PARTITION;
  return item;
}

function fromItem(item: Record<string, unknown>): RolloutRecord {
  const record: RolloutRecord = {
    endpointName: item.endpointName as string,
    region: item.region as string,
    rolloutId: item.rolloutId as string,
    policyText: item.policyText as string,
    policy: JSON.parse(item.policy as string) as RolloutPolicy,
    state: JSON.parse(item.state as string) as RolloutState,
    appliedCanaryWeight: (item.appliedCanaryWeight as number | null | undefined) ?? null,
    version: item.version as number,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
  const alarms = JSON.parse((item.lastAlarmEvent as string | undefined) ?? '{}') as Record<string, string>;
  if (Object.keys(alarms).length > 0) record.lastAlarmEvent = alarms;
  if (typeof item.policyAlert === 'string') record.policyAlert = item.policyAlert;
  if (typeof item.storedPolicyHash === 'string') record.storedPolicyHash = item.storedPolicyHash;
  if (typeof item.outbox === 'string') record.outbox = JSON.parse(item.outbox) as OutboxEntry[];
  if (typeof item.receipts === 'string')
    record.receipts = JSON.parse(item.receipts) as Record<string, string>;
  if (typeof item.lastAnnounced === 'string')
    record.lastAnnounced = JSON.parse(item.lastAnnounced) as NonNullable<RolloutRecord['lastAnnounced']>;
  if (typeof item.drainLease === 'string')
    record.drainLease = JSON.parse(item.drainLease) as NonNullable<RolloutRecord['drainLease']>;
  if (typeof item.endpointChange === 'string')
    record.endpointChange = JSON.parse(item.endpointChange) as NonNullable<RolloutRecord['endpointChange']>;
  if (typeof item.hooksOwed === 'string')
    record.hooksOwed = JSON.parse(item.hooksOwed) as NonNullable<RolloutRecord['hooksOwed']>;
  return record;
}
