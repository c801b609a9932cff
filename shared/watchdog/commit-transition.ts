import { followUpChange } from '../domain/endpoint-change';
import { hooksOwedBy } from '../domain/hooks-owed';
import { isFinal } from '../domain/is-final';
import { splitTraffic } from '../domain/index';
import type { RolloutPolicy, RolloutState, Transition } from '../domain/types';
import { notificationFromTransition, type RolloutNotification } from '../notify/notification';
import {
  EndpointNotFoundError,
  EndpointNotReadyError,
  type EndpointSnapshot,
  InvalidWeightsError,
  SageMakerCallError,
} from '../ports/endpoint-weights';
import {
  type HistoryEntry,
  type RolloutRecord,
  RolloutStoreError,
  VersionConflictError,
} from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import { describeVariantsNotOnEndpoint, withWeightsOutcome } from '../wording/describe-weights';
import {
  type Announcement,
  claimLease,
  type DrainResult,
  drainOutbox,
  enqueue,
  outboxEntryId,
} from './outbox';
import { isRetryableFailure } from './is-retryable-failure';
import { transitionHistory } from './transition-history';
import { type WatchdogDeps } from './watchdog-deps';

/** Who caused a transition. */
export type TransitionSource = 'tick' | 'alarm' | 'operator';

export interface CommitOptions {
  source: TransitionSource;
  correlationId: string;
  /** Decision time, epoch ms: the event's time for the tick and alarms (default: the wall clock, for operators). */
  now?: number;
  /** Operator identity (IAM ARN) for commands. */
  actor?: string;
  /** Record fields to write together with the new state (e.g. `lastAlarmEvent`, a newer policy). */
  patch?: Partial<
    Pick<RolloutRecord, 'lastAlarmEvent' | 'policy' | 'policyText' | 'policyAlert' | 'endpointChange'>
  >;
  /**
   * Write the state but send no weights, recording the new weight as applied (for an abort whose
   * variants are gone: weights are never sent to unverified names).
   */
  skipWeights?: boolean;
  /** Send no notification. */
  silent?: boolean;
  /** Announce this instead of the transition's own notification (an alert), whenever the write changes the rollout. */
  notification?: RolloutNotification;
  /** Receipt of the event that caused the decision (key → event time, ISO), kept in the same write. */
  receipt?: { key: string; time: string };
  /**
   * Who drains the outbox this write fills (default: a fresh id per call). A caller that finishes
   * its own work later in the same run (the alarm handler) passes one id to both.
   */
  owner?: string;
  /** The endpoint as the caller read it moments ago in this run (the tick's reconcile): saves one DescribeEndpoint. */
  snapshot?: EndpointSnapshot;
}

/**
 * applied: the endpoint serves the decided weights (CurrentWeight, InService); sent: SageMaker
 * accepted the weights and is applying them (the rollout stays on the tick's work list until they
 * land); deferred: the endpoint was busy or throttled, nothing sent yet; failed: cannot be sent
 * (variant or endpoint missing, SageMaker refused).
 */
export type WeightsOutcome = 'none' | 'applied' | 'sent' | 'deferred' | 'failed';

export interface CommitResult {
  /**
   * applied: this call wrote the transition (and its weights, if any, were accepted by SageMaker:
   * `weights` says whether they are served yet);
   * unchanged: nothing to write; conflict: another writer came first — re-read and decide again;
   * deferred: the transition is written but the endpoint is busy, the next run applies the weights.
   */
  outcome: 'applied' | 'unchanged' | 'conflict' | 'deferred';
  record: RolloutRecord;
  weights: WeightsOutcome;
  notification?: RolloutNotification;
  /** Why weights failed (endpoint missing, variant missing, SageMaker error). */
  error?: string;
  /** True when the weights failure may pass on a retry (throttling, 5xx, network), false when it cannot. */
  retryable?: boolean;
  /** What draining the outbox did after the write (absent when nothing was enqueued). */
  drain?: DrainResult;
}

/** Event receipts kept per rollout at most. Receipts (the newest by event time stay). */
export const MAX_RECEIPTS = 50;

/** Times a weight change is re-applied when another writer's intent arrived meanwhile. Attempts. */
const MAX_SUPERSEDED_ROUNDS = 3;

/**
 * The ONE place traffic changes (tick, alarm handler, control API). Protocol, each step
 * conditional on the record's `version`:
 * 1. intent: write `transition.state` with `appliedCanaryWeight` unchanged (conflict → `conflict`);
 * 2. weights: DescribeEndpoint, validate, UpdateEndpointWeightsAndCapacities (busy → `deferred`);
 * 3. confirm: DescribeEndpoint shows the DesiredWeight, then write `appliedCanaryWeight`.
 * A crash between any two steps leaves `state.canaryWeight !== appliedCanaryWeight`, which the
 * next run's reconcile repairs. History and one notification are written only by the caller
 * whose intent write made a material change (phase, step, weight, staged rollback) — so a tick
 * and an alarm racing each other produce exactly one rollback notification.
 *
 * Inputs that drive the outcome: the record's `version`, the transition's state vs the record's,
 * the endpoint's status and variants, and `options.skipWeights`.
 */
export async function commitTransition(
  deps: WatchdogDeps,
  record: RolloutRecord,
  transition: Transition,
  options: CommitOptions,
): Promise<CommitResult> {
  const now = options.now ?? Date.now();
  const wallNow = deps.wallNow ?? Date.now;
  const before = record.state;
  const owner = options.owner ?? drainOwner(options.source, options.correlationId);
  const next: RolloutRecord = {
    ...record,
    ...options.patch,
    state: transition.state,
    updatedAt: new Date(now).toISOString(),
  };
  if (options.skipWeights) next.appliedCanaryWeight = transition.state.canaryWeight;
  // The decision that ends a rollout also schedules what it owes the endpoint: retiring the
  // baseline after a promotion, removing the canary after a rollback or an abort.
  if (isFinal(transition.state.phase) && transition.state.phase !== before.phase) {
    const followUp = followUpChange(next.policy, transition.state.phase, now, transition.state);
    if (followUp) next.endpointChange = followUp;
  }
  // Only the tick calls hooks (a hook caller in every bundle would cost ~97 KB each): an end
  // another writer decides records, in this same write, the notify hooks it owes; the next tick
  // tells them (see tellOwedHooks). The tick tells its own ends right after its commit.
  if (options.source !== 'tick') {
    const owed = hooksOwedBy(next.policy, before, transition.state, { source: options.source, now });
    if (owed.length > 0) next.hooksOwed = [...(record.hooksOwed ?? []), ...owed];
  }
  if (options.receipt) next.receipts = withReceipt(record.receipts, options.receipt);
  if (sameContent(record, next)) return { outcome: 'unchanged', record, weights: 'none' };

  const version = record.version + 1;
  const material = isMaterial(before, transition.state);
  const announcement = announce(deps, record, transition, options, { now, version, material });
  if (announcement.history || announcement.notification) {
    Object.assign(next, enqueue(next, version, [announcement]), claimLease(next, owner, wallNow()));
  }

  let saved: RolloutRecord;
  try {
    saved = await deps.store.save(next, record.version);
  } catch (error) {
    if (error instanceof VersionConflictError) return { outcome: 'conflict', record, weights: 'none' };
    throw error;
  }

  let weights: WeightsOutcome = 'none';
  let error: string | undefined;
  let retryable: boolean | undefined;
  if (saved.state.canaryWeight !== saved.appliedCanaryWeight) {
    const applied = await applyIntent(deps, saved, {
      now,
      ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    });
    saved = applied.record;
    weights = applied.status;
    error = applied.error;
    retryable = applied.retryable;
  }
  if (weights === 'deferred' || weights === 'failed')
    saved = await amendPendingReason(deps, saved, outboxEntryId(version, 0), weights, error);

  const result: CommitResult = {
    outcome: weights === 'deferred' ? 'deferred' : 'applied',
    record: saved,
    weights,
  };
  if (error) result.error = error;
  if (retryable !== undefined) result.retryable = retryable;
  if (announcement.notification) result.notification = announcement.notification;
  if (saved.outbox?.length) {
    result.drain = await drainOutbox(deps, saved, owner);
    result.record = result.drain.record;
  }
  return result;
}

/** The history entry and notification a committed transition owes (either may be absent). */
function announce(
  deps: WatchdogDeps,
  record: RolloutRecord,
  transition: Transition,
  options: CommitOptions,
  at: { now: number; version: number; material: boolean },
): Announcement {
  const out: Announcement = {};
  const time = new Date(at.now).toISOString();
  if (at.material || recordWorthy(record.state, transition) || options.notification) {
    out.history = transitionHistory(transition, {
      time,
      rolloutId: record.rolloutId,
      version: at.version,
      source: options.source,
      kind: options.source === 'operator' ? 'command' : 'decision',
      correlationId: options.correlationId,
    });
  }
  if (options.silent) return out;
  if (options.notification) {
    out.notification = options.notification;
  } else if (at.material) {
    const notification = notificationFromTransition({
      policy: { ...record.policy, ...options.patch?.policy },
      before: record.state,
      transition,
      source: options.source,
      correlationId: options.correlationId,
      ...(options.actor ? { actor: options.actor } : {}),
      ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
    });
    notification.time = time;
    out.notification = notification;
  }
  return out;
}

/**
 * Says in the pending entry's history reason and notification that the weights were deferred or
 * failed. Best effort: if another writer changed the record meanwhile, the entry keeps its reason.
 */
async function amendPendingReason(
  deps: WatchdogDeps,
  record: RolloutRecord,
  entryId: string,
  weights: WeightsOutcome,
  error: string | undefined,
): Promise<RolloutRecord> {
  const entry = record.outbox?.find((e) => e.id === entryId);
  if (!entry) return record;
  const amended = { ...entry };
  if (amended.history)
    amended.history = {
      ...amended.history,
      reason: withWeightsOutcome(amended.history.reason, weights, error),
    };
  if (amended.notification)
    amended.notification = {
      ...amended.notification,
      reason: withWeightsOutcome(amended.notification.reason, weights, error),
    };
  try {
    return await deps.store.save(
      { ...record, outbox: (record.outbox ?? []).map((e) => (e.id === entryId ? amended : e)) },
      record.version,
    );
  } catch (caught) {
    if (caught instanceof VersionConflictError) return (await deps.store.get(record.endpointName)) ?? record;
    throw caught;
  }
}

/** A drain owner id for one run: who caused it, the event, and a random part (two runs never share one). */
export function drainOwner(source: string, correlationId: string): string {
  return `${source}:${correlationId}:${Math.random().toString(36).slice(2, 10)}`;
}

/** `receipts` plus `receipt`, keeping the MAX_RECEIPTS newest by event time. */
function withReceipt(
  receipts: Readonly<Record<string, string>> | undefined,
  receipt: { key: string; time: string },
): Record<string, string> {
  const all = Object.entries({ ...receipts, [receipt.key]: receipt.time });
  all.sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
  return Object.fromEntries(all.slice(0, MAX_RECEIPTS));
}

export interface ApplyIntentOptions {
  /** Epoch ms stamped on the confirm write. */
  now: number;
  /** A snapshot read moments ago in this run (saves one DescribeEndpoint). */
  snapshot?: EndpointSnapshot;
}

export interface ApplyIntentResult {
  status: Exclude<WeightsOutcome, 'none'>;
  record: RolloutRecord;
  error?: string;
  /** For `failed`: true when a retry may get past it (throttling, 5xx, network). */
  retryable?: boolean;
  /** True when this call sent UpdateEndpointWeightsAndCapacities (false: the endpoint already had them). */
  called?: boolean;
}

/**
 * Drives a pending intent (`state.canaryWeight !== appliedCanaryWeight`) onto the endpoint and
 * records it as applied once the endpoint serves it: `CurrentWeight` shows it and the endpoint is
 * `InService`. Until then the intent stays pending, so the rollout stays on the tick's work list
 * (an update that SageMaker then fails is seen, and the weights sent again). Used by
 * commitTransition, by reconcile (repairing a crash) and by the control API after `create`. If the
 * endpoint already shows the intended DesiredWeight (the previous run died after its weights
 * call) no call is made.
 *
 * Decided by: the endpoint's status (busy before the call → deferred), its variant names
 * (missing → failed, nothing sent), and whether another writer changed the record meanwhile (its
 * newer intent is applied instead, at most MAX_SUPERSEDED_ROUNDS times).
 */
export async function applyIntent(
  deps: WatchdogDeps,
  record: RolloutRecord,
  options: ApplyIntentOptions,
): Promise<ApplyIntentResult> {
  let current = record;
  let snapshot = options.snapshot;
  let called = false;
  const failed = (error: unknown): ApplyIntentResult => ({
    status: 'failed',
    record: current,
    error: describeError(error),
    retryable: isRetryableFailure(error),
  });
  // A blue/green rollout's share is SageMaker's to move: recorded, never sent.
  if (current.state.blueGreen && current.state.canaryWeight !== current.appliedCanaryWeight)
    return {
      status: 'applied',
      record: await confirmApplied(deps, current, current.state.canaryWeight, options.now),
    };
  for (let round = 0; round < MAX_SUPERSEDED_ROUNDS; round++) {
    const intent = current.state.canaryWeight;
    if (intent === current.appliedCanaryWeight) return { status: 'applied', record: current };
    const { policy } = current;
    const endpoints = deps.endpoints(current.region);
    try {
      snapshot ??= await endpoints.describe(current.endpointName);
    } catch (error) {
      return failed(error);
    }
    const missing = missingVariants(policy, snapshot);
    if (missing.length > 0)
      return {
        status: 'failed',
        record: current,
        error: describeVariantsNotOnEndpoint(missing),
        retryable: false,
      };

    if (!showsWeight(policy, snapshot, intent)) {
      if (snapshot.status !== 'InService') return { status: 'deferred', record: current };
      // Narrow the race with a concurrent writer: send weights only for the newest intent.
      const latest = await deps.store.get(current.endpointName);
      if (!latest || latest.rolloutId !== current.rolloutId)
        return { status: 'failed', record: current, error: 'rollout replaced', retryable: false };
      if (latest.version !== current.version) {
        current = latest;
        continue;
      }
      try {
        await endpoints.setWeights(
          current.endpointName,
          splitTraffic(policy, intent),
          snapshot.variants.map((v) => v.name),
        );
      } catch (error) {
        if (error instanceof EndpointNotReadyError) return { status: 'deferred', record: current };
        return failed(error);
      }
      called = true;
      try {
        snapshot = await endpoints.describe(current.endpointName);
      } catch {
        // Accepted by SageMaker; the next run reads the endpoint and confirms.
        return { status: 'sent', record: current, called };
      }
      if (!showsWeight(policy, snapshot, intent)) return { status: 'sent', record: current, called };
    }
    // SageMaker has the weights as desired; they count as applied once the endpoint serves them.
    if (!landed(policy, snapshot, intent)) return { status: 'sent', record: current, called };

    const confirmed = await confirmApplied(deps, current, intent, options.now);
    if (confirmed.state.canaryWeight === intent) return { status: 'applied', record: confirmed, called };
    // Another writer decided something else while our weights were in flight: the endpoint now
    // shows ours, so apply theirs (a rollback decided meanwhile must win).
    current = confirmed;
    snapshot = undefined;
  }
  return { status: 'deferred', record: current };
}

/**
 * Records that the endpoint shows `weight`: conditional on version, re-reading on conflict. Returns
 * the stored record, whose state may carry a newer intent than `weight`.
 */
async function confirmApplied(
  deps: WatchdogDeps,
  record: RolloutRecord,
  weight: number,
  now: number,
): Promise<RolloutRecord> {
  let current = record;
  for (let attempt = 0; attempt < MAX_SUPERSEDED_ROUNDS + 2; attempt++) {
    if (current.appliedCanaryWeight === weight) return current;
    try {
      return await deps.store.save(
        { ...current, appliedCanaryWeight: weight, updatedAt: new Date(now).toISOString() },
        current.version,
      );
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      const latest = await deps.store.get(current.endpointName);
      if (!latest || latest.rolloutId !== current.rolloutId) return current;
      current = latest;
    }
  }
  return current;
}

/** Policy variants the endpoint does not have (never send weights for those). */
export function missingVariants(policy: RolloutPolicy, snapshot: EndpointSnapshot): string[] {
  const names = new Set(snapshot.variants.map((v) => v.name));
  return [policy.endpoint.baselineVariant, policy.endpoint.canaryVariant].filter((n) => !names.has(n));
}

/** Tolerance when comparing a whole-percent intent with weight/sum×100 from the endpoint. Percent. */
export const WEIGHT_TOLERANCE_PCT = 0.5;

/**
 * The canary's share of the traffic between the policy's two variants, in percent, from the
 * endpoint's desired weights; null when unknown. Other variants (e.g. a shadow) are left out:
 * the watchdog only ever sets these two.
 */
export function canaryShare(policy: RolloutPolicy, snapshot: EndpointSnapshot): number | null {
  const find = (name: string) => snapshot.variants.find((v) => v.name === name)?.desiredWeight;
  const canary = find(policy.endpoint.canaryVariant);
  const baseline = find(policy.endpoint.baselineVariant);
  if (canary == null || baseline == null || !(canary + baseline > 0)) return null;
  return (canary / (canary + baseline)) * 100;
}

/**
 * True when the endpoint serves `canaryWeight`: InService, and its current (not only desired)
 * weights give the canary that share.
 */
export function landed(policy: RolloutPolicy, snapshot: EndpointSnapshot, canaryWeight: number): boolean {
  if (snapshot.status !== 'InService') return false;
  const find = (name: string) => snapshot.variants.find((v) => v.name === name)?.currentWeight;
  const canary = find(policy.endpoint.canaryVariant);
  const baseline = find(policy.endpoint.baselineVariant);
  if (canary == null || baseline == null || !(canary + baseline > 0)) return false;
  return Math.abs((canary / (canary + baseline)) * 100 - canaryWeight) < WEIGHT_TOLERANCE_PCT;
}

/** True when the endpoint's desired weights give the canary `canaryWeight` percent. */
export function showsWeight(
  policy: RolloutPolicy,
  snapshot: EndpointSnapshot,
  canaryWeight: number,
): boolean {
  const share = canaryShare(policy, snapshot);
  return share !== null && Math.abs(share - canaryWeight) < WEIGHT_TOLERANCE_PCT;
}

function isMaterial(before: RolloutState, after: RolloutState): boolean {
  return (
    before.phase !== after.phase ||
    before.stepIndex !== after.stepIndex ||
    before.canaryWeight !== after.canaryWeight ||
    JSON.stringify(before.staged) !== JSON.stringify(after.staged) ||
    // Reaching a gate (or another gate) is news: people learn why the rollout waits.
    (before.gate?.point ?? null) !== (after.gate?.point ?? null)
  );
}

/** Judgements worth a history item even without a material change: anything but a plain hold that moved no counter. */
function recordWorthy(before: RolloutState, transition: Transition): boolean {
  const after = transition.state;
  return (
    transition.decision.action !== 'hold' ||
    before.consecutiveInconclusive !== after.consecutiveInconclusive ||
    JSON.stringify(before.consecutiveFailures) !== JSON.stringify(after.consecutiveFailures)
  );
}

function sameContent(a: RolloutRecord, b: RolloutRecord): boolean {
  const strip = ({ updatedAt: _u, ...rest }: RolloutRecord) => rest;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

/** Appends one history entry; a failed write is logged, never thrown (the decision stands). */
export async function writeHistory(
  deps: WatchdogDeps,
  endpointName: string,
  entry: HistoryEntry,
): Promise<void> {
  try {
    await deps.store.appendHistory(endpointName, [entry]);
  } catch (error) {
    // History is an audit trail: losing one item must not undo or block the decision.
    (deps.log ?? SILENT_LOG).warn('history write failed', { endpointName, error: describeError(error) });
  }
}

/** One line naming the error (and its cause) for logs, history and notifications. */
export function describeError(error: unknown): string {
  if (
    error instanceof EndpointNotFoundError ||
    error instanceof InvalidWeightsError ||
    error instanceof SageMakerCallError ||
    error instanceof RolloutStoreError
  ) {
    const cause = (error.cause as { name?: string; message?: string } | undefined) ?? undefined;
    return cause?.name ? `${error.message} (${cause.name}: ${cause.message ?? ''})` : error.message;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
