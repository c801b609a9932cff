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
  patch?: Partial<Pick<RolloutRecord, 'lastAlarmEvent' | 'policy' | 'policyText' | 'policyAlert'>>;
  /**
   * Write the state but send no weights, recording the new weight as applied (for an abort whose
   * variants are gone: weights are never sent to unverified names).
   */
  skipWeights?: boolean;
  /** Send no notification (the caller announces the change itself, e.g. as an alert). */
  silent?: boolean;
  /** The endpoint as the caller read it moments ago in this run (the tick's reconcile): saves one DescribeEndpoint. */
  snapshot?: EndpointSnapshot;
}

export type WeightsOutcome = 'none' | 'applied' | 'deferred' | 'failed';

export interface CommitResult {
  /**
   * applied: this call wrote the transition (and its weights, if any, landed or are confirmed);
   * unchanged: nothing to write; conflict: another writer came first — re-read and decide again;
   * deferred: the transition is written but the endpoint is busy, the next run applies the weights.
   */
  outcome: 'applied' | 'unchanged' | 'conflict' | 'deferred';
  record: RolloutRecord;
  weights: WeightsOutcome;
  notification?: RolloutNotification;
  /** Why weights failed (endpoint missing, variant missing, SageMaker error). */
  error?: string;
}

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
  const log = deps.log ?? SILENT_LOG;
  const before = record.state;
  const next: RolloutRecord = {
    ...record,
    ...options.patch,
    state: transition.state,
    updatedAt: new Date(now).toISOString(),
  };
  if (options.skipWeights) next.appliedCanaryWeight = transition.state.canaryWeight;
  if (sameContent(record, next)) return { outcome: 'unchanged', record, weights: 'none' };

  let saved: RolloutRecord;
  try {
    saved = await deps.store.save(next, record.version);
  } catch (error) {
    if (error instanceof VersionConflictError) return { outcome: 'conflict', record, weights: 'none' };
    throw error;
  }

  const material = isMaterial(before, transition.state);
  let weights: WeightsOutcome = 'none';
  let error: string | undefined;
  if (saved.state.canaryWeight !== saved.appliedCanaryWeight) {
    const applied = await applyIntent(deps, saved, {
      now,
      ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    });
    saved = applied.record;
    weights = applied.status;
    error = applied.error;
  }

  const result: CommitResult = {
    outcome: weights === 'deferred' ? 'deferred' : 'applied',
    record: saved,
    weights,
  };
  if (error) result.error = error;
  if (material || recordWorthy(before, transition)) {
    await writeHistory(deps, record.endpointName, {
      time: new Date(now).toISOString(),
      rolloutId: record.rolloutId,
      version: record.version + 1,
      source: options.source,
      kind: options.source === 'operator' ? 'command' : 'decision',
      action: transition.decision.action,
      phase: transition.state.phase,
      stepIndex: transition.state.stepIndex,
      canaryWeight: transition.state.canaryWeight,
      reason: withWeightsOutcome(transition.decision.reason, weights, error),
      ...(transition.decision.cause ? { cause: transition.decision.cause } : {}),
      evidence: transition.decision.evidence,
      correlationId: options.correlationId,
    });
  }
  if (material && !options.silent) {
    const notification = notificationFromTransition({
      policy: saved.policy,
      before,
      transition,
      source: options.source,
      correlationId: options.correlationId,
      ...(options.actor ? { actor: options.actor } : {}),
      ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
    });
    notification.time = new Date(now).toISOString();
    notification.reason = withWeightsOutcome(notification.reason, weights, error);
    const published = await deps.notifier.publish(notification);
    if (!published.ok)
      log.warn('notification failed; the decision stands', {
        endpointName: record.endpointName,
        error: published.error,
      });
    result.notification = notification;
  }
  return result;
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
}

/**
 * Drives a pending intent (`state.canaryWeight !== appliedCanaryWeight`) onto the endpoint and
 * records it as applied. Used by commitTransition, by reconcile (repairing a crash) and by the
 * control API after `create`. If the endpoint already shows the intended DesiredWeight (the
 * previous run died after its weights call) only the confirm write is made.
 *
 * Decided by: the endpoint's status (not InService → deferred), its variant names (missing →
 * failed, nothing sent), and whether another writer changed the record meanwhile (its newer
 * intent is applied instead, at most MAX_SUPERSEDED_ROUNDS times).
 */
export async function applyIntent(
  deps: WatchdogDeps,
  record: RolloutRecord,
  options: ApplyIntentOptions,
): Promise<ApplyIntentResult> {
  let current = record;
  let snapshot = options.snapshot;
  for (let round = 0; round < MAX_SUPERSEDED_ROUNDS; round++) {
    const intent = current.state.canaryWeight;
    if (intent === current.appliedCanaryWeight) return { status: 'applied', record: current };
    const { policy } = current;
    const endpoints = deps.endpoints(current.region);
    try {
      snapshot ??= await endpoints.describe(current.endpointName);
    } catch (error) {
      return { status: 'failed', record: current, error: describeError(error) };
    }
    const missing = missingVariants(policy, snapshot);
    if (missing.length > 0)
      return {
        status: 'failed',
        record: current,
        error: describeVariantsNotOnEndpoint(missing),
      };

    if (!showsWeight(policy, snapshot, intent)) {
      if (snapshot.status !== 'InService') return { status: 'deferred', record: current };
      // Narrow the race with a concurrent writer: send weights only for the newest intent.
      const latest = await deps.store.get(current.endpointName);
      if (!latest || latest.rolloutId !== current.rolloutId)
        return { status: 'failed', record: current, error: 'rollout replaced' };
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
        return { status: 'failed', record: current, error: describeError(error) };
      }
      try {
        snapshot = await endpoints.describe(current.endpointName);
      } catch (error) {
        return { status: 'failed', record: current, error: describeError(error) };
      }
      // Not visible yet: leave the intent pending; the next run confirms it from the endpoint.
      if (!showsWeight(policy, snapshot, intent)) return { status: 'deferred', record: current };
    }

    const confirmed = await confirmApplied(deps, current, intent, options.now);
    if (confirmed.state.canaryWeight === intent) return { status: 'applied', record: confirmed };
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
    JSON.stringify(before.staged) !== JSON.stringify(after.staged)
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
