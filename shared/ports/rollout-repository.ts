import type { DecisionCause } from '../domain/decision-cause';
import type { EndpointChange } from '../domain/endpoint-change';
import type { HookOwed } from '../domain/hooks-owed';
import type { Action, Evidence, Phase, RolloutPolicy, RolloutState } from '../domain/types';
import type { NotificationCurrent, RolloutNotification } from '../notify/notification';
import type { HookCallResult } from './hook-caller';

export type { HookOwed } from '../domain/hooks-owed';

/**
 * Where rollouts and their history are kept (event receipts live in the rollout item). Every state write is conditional on
 * the version read, so the tick, the alarm handler and operators can race safely: the loser gets
 * VersionConflictError, re-reads and decides again. The DynamoDB adapter is
 * `shared/aws/rollout-store.ts`.
 */
export interface RolloutRepository {
  /** The rollout of `endpointName` (strongly consistent), or undefined. */
  get(endpointName: string): Promise<RolloutRecord | undefined>;
  /**
   * Every rollout the tick must visit (`needsTick`). May lag behind writes, so callers treat the
   * result as a work list and rely on versioned writes, not on its freshness.
   */
  listActive(): Promise<RolloutRecord[]>;
  /** Names and regions of the rollouts the tick visits whose policy names `alarmName` in `rollback.onAlarms`. */
  listActiveForAlarm(alarmName: string): Promise<Array<{ endpointName: string; region: string }>>;
  /** The `limit` most recently updated finished rollouts (those the tick no longer visits), newest first. */
  listFinished(limit: number): Promise<RolloutRecord[]>;
  /**
   * Stores a new rollout at version 1. Refuses (RolloutExistsError) when the endpoint already has
   * a rollout the tick still visits; a finished one is replaced (its history stays).
   */
  create(input: NewRolloutRecord, now: number): Promise<RolloutRecord>;
  /** Writes `record` as version `expectedVersion + 1`, or throws VersionConflictError. */
  save(record: RolloutRecord, expectedVersion: number): Promise<RolloutRecord>;
  appendHistory(endpointName: string, entries: ReadonlyArray<HistoryEntry>): Promise<void>;
  /** Newest-first history of `endpointName`, at most `limit` entries. */
  history(endpointName: string, options?: { limit?: number }): Promise<HistoryEntry[]>;
}

/**
 * One rollout as stored: the engine's state plus what the watchdog knows about the endpoint.
 * `appliedCanaryWeight` is the canary weight last confirmed on the endpoint (`null`: never
 * applied); when it differs from `state.canaryWeight` an intent is pending and the next run
 * applies it (this is how a crash between the weights call and the state write is repaired).
 */
export interface RolloutRecord {
  endpointName: string;
  /** Region of the SageMaker endpoint (the table lives in the watchdog's home region). */
  region: string;
  /** Identity of this rollout (a later rollout of the same endpoint gets a new one). */
  rolloutId: string;
  policyText: string;
  policy: RolloutPolicy;
  state: RolloutState;
  appliedCanaryWeight: number | null;
  version: number;
  /** ISO times. */
  createdAt: string;
  updatedAt: string;
  /** State timestamp (ISO) of the newest alarm event processed, per alarm name (out-of-order guard). */
  lastAlarmEvent?: Record<string, string>;
  /** Problems of the stored policy already alerted on (so an invalid policy alerts once). */
  policyAlert?: string;
  /**
   * Hash of the stored (SSM) policy text last seen by the tick. A stored policy is adopted only
   * when it changes during the rollout, so one started with a policy in the request is not
   * silently replaced by an older stored one.
   */
  storedPolicyHash?: string;
  /**
   * What a decision still owes the world: its history entry and its notification, written in the
   * same conditional write as the decision itself, removed once done (see `drainOutbox`). A record
   * with anything pending stays on the tick's work list.
   */
  outbox?: OutboxEntry[];
  /** Keys of the events this rollout acted on (alarm state changes), with the event time (ISO): a redelivery is a duplicate. */
  receipts?: Record<string, string>;
  /** The latest decision announced (enqueued) for this rollout: stamped on every message as `current`. */
  lastAnnounced?: NotificationCurrent;
  /** Who drains the outbox now, and until when (wall-clock epoch ms): one drainer at a time keeps messages in order. */
  drainLease?: { owner: string; until: number };
  /**
   * The endpoint change this rollout owes or made last (deploy the canary, retire the baseline,
   * remove the canary): `shared/watchdog/advance-endpoint-change.ts` carries it out, resumably.
   */
  endpointChange?: EndpointChange;
  /**
   * Notify hooks (`afterEnd`, `onRollback`) owed for an end another writer decided (the alarm
   * handler, an operator): written in the same conditional write as that end, told by the next
   * tick, then cleared (see `tellOwedHooks`). A record with anything owed stays on the tick's work list.
   */
  hooksOwed?: HookOwed[];
}

/**
 * One pending effect of a decision. `id` is `<version, 8 digits>#<n>`, so sorting ids is sorting
 * by the version that produced the entry: the outbox drains in decision order.
 */
export interface OutboxEntry {
  id: string;
  history?: HistoryEntry;
  notification?: RolloutNotification;
}

/** What `create` needs; identity, version and timestamps are assigned by the store. */
export type NewRolloutRecord = Pick<
  RolloutRecord,
  'endpointName' | 'region' | 'policyText' | 'policy' | 'state' | 'appliedCanaryWeight'
> & {
  rolloutId?: string;
  /**
   * `policyTextHash` of the policy stored in SSM when the rollout starts (none stored: omit).
   * Saves the tick a first-sight write per rollout; see RolloutRecord.storedPolicyHash.
   */
  storedPolicyHash?: string;
  /** The start's own history entry and announcement, committed with the record. */
  outbox?: OutboxEntry[];
  lastAnnounced?: NotificationCurrent;
  drainLease?: { owner: string; until: number };
  /** A start from a model name: the canary's deployment, begun with the rollout. */
  endpointChange?: EndpointChange;
};

/** One history item: a decision, an alert or a command, with its reason and the numbers behind it. */
export interface HistoryEntry {
  /** ISO time of the decision (the event's time, not the wall clock). */
  time: string;
  rolloutId: string;
  /** Record version this entry produced (or saw, for alerts). */
  version: number;
  source: 'tick' | 'alarm' | 'operator' | 'reconcile' | 'start';
  kind: 'decision' | 'alert' | 'command' | 'start' | 'weights' | 'endpoint' | 'hook';
  action?: Action;
  phase: Phase;
  stepIndex: number;
  canaryWeight: number;
  reason: string;
  /** The engine's cause of the decision, as data (entries written before causes existed have none). */
  cause?: DecisionCause;
  evidence?: Evidence;
  correlationId?: string;
  /** `kind: 'hook'`: one hook call and its answer (which hook, at which point, attempts, status, allow, reason, ms). */
  hook?: HookCallResult;
}

/** Another writer changed the rollout since it was read: re-read and decide again. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly endpointName: string,
    readonly expectedVersion: number,
    options?: { cause?: unknown },
  ) {
    super(`rollout ${endpointName} changed since version ${expectedVersion}`, options);
  }
}

/** A non-final rollout already exists for the endpoint. */
export class RolloutExistsError extends Error {
  override readonly name = 'RolloutExistsError';
  constructor(
    readonly endpointName: string,
    options?: { cause?: unknown },
  ) {
    super(`a rollout of ${endpointName} is still in progress`, options);
  }
}

/** DynamoDB failed in a way the caller cannot decide on (throttling after retries, network...). */
export class RolloutStoreError extends Error {
  override readonly name = 'RolloutStoreError';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}
