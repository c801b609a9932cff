import { driftCheckDue, DRIFT_CHECK_TICK_MS } from '../domain/drift-check-due';
import { isChangePending, isDeployingCanary } from '../domain/endpoint-change';
import { isFinal } from '../domain/is-final';
import { judgeTick } from '../domain/index';
import { needsTick } from '../domain/needs-tick';
import { policyTextHash } from '../domain/policy-text-hash';
import type {
  Action,
  AlarmStateValue,
  PeriodObservation,
  RolloutPolicy,
  RolloutState,
  Transition,
} from '../domain/types';
import { alertNotification, type RolloutNotification } from '../notify/notification';
import type { AlarmStates } from '../ports/alarm-states';
import type { HookCaller } from '../ports/hook-caller';
import type { EndpointSnapshot } from '../ports/endpoint-weights';
import type { MetricsReader, MetricsTarget } from '../ports/metrics-reader';
import type { PolicyLookup, PolicyReader } from '../ports/policy-reader';
import { type HistoryEntry, type RolloutRecord, VersionConflictError } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import { type AlertWording, describeInvalidStoredPolicy } from '../wording/describe-alert';
import { advanceEndpointChange } from './advance-endpoint-change';
import { commitTransition, describeError } from './commit-transition';
import { claimLease, drainOutbox, enqueue } from './outbox';
import { reconcileEndpoint } from './reconcile-endpoint';
import { isShadowPass, passShadow } from './pass-shadow';
import { passGates, tellHooks, tellHooksIfWritten } from './pass-gates';
import { tellOwedHooks } from './tell-owed-hooks';
import { publishVerdicts } from './publish-verdicts';
import {
  blueGreenMetricsTarget,
  isBlueGreenRollout,
  type VerdictToPublish,
  watchBlueGreen,
} from './watch-blue-green';
import { type WatchdogDeps } from './watchdog-deps';

/** Rollouts processed at the same time within one tick. Rollouts. */
export const DEFAULT_TICK_CONCURRENCY = 32;

/** Times one rollout is re-read and re-decided after a version conflict. Attempts. */
export const MAX_DECIDE_ATTEMPTS = 3;

/**
 * Endpoints a tick reads for their periodic drift check at most. Endpoints. At SageMaker's
 * DescribeEndpoint rate (about 10 per second) 200 reads take 20 s, leaving most of the minute for
 * the decisions' own reads and weight changes.
 */
export const DRIFT_CHECKS_PER_TICK = 200;

/**
 * How often each endpoint gets its drift check, given the number of active rollouts: every tick
 * while they fit DRIFT_CHECKS_PER_TICK, else spread over as many ticks as needed (1,000 rollouts:
 * every 5 minutes). Milliseconds.
 */
export function driftCheckInterval(rollouts: number): number {
  return Math.max(1, Math.ceil(rollouts / DRIFT_CHECKS_PER_TICK)) * DRIFT_CHECK_TICK_MS;
}

export interface TickDeps extends WatchdogDeps {
  /** Stored policies. */
  policies: PolicyReader;
  /** Metrics reader for a region (cache one per region). */
  metrics(region: string): MetricsReader;
  /** Alarm states for a region; optional: without it alarms act only through their events. */
  alarmStates?(region: string): AlarmStates;
  /** Calls the policies' hooks (gates and notify hooks); without it hooks do not apply. */
  hooks?: HookCaller;
  /** Default DEFAULT_TICK_CONCURRENCY. */
  concurrency?: number;
  /** Each endpoint's drift-check interval. Milliseconds. Default `driftCheckInterval(active rollouts)`. */
  driftCheckIntervalMs?: number;
}

export type RolloutOutcome =
  | 'held'
  | 'judged'
  | 'applied'
  | 'deferred'
  | 'stopped'
  | 'skipped'
  | 'conflict'
  | 'no-metrics'
  | 'error'
  /** An endpoint change (canary deployment, baseline retirement, canary clean-up) moved on. */
  | 'endpoint-changed';

export interface TickSummary {
  /** Tick time, ISO (the event's time). */
  time: string;
  rollouts: number;
  /** Rollouts the engine judged this tick. */
  judged: number;
  outcomes: Partial<Record<RolloutOutcome, number>>;
  decisions: Partial<Record<Action, number>>;
  /** Decisions that changed phase, step or weights (one notification each). */
  notifications: number;
  metricCalls: number;
  /** DescribeAlarms calls made. */
  alarmCalls: number;
  errors: Array<{ endpointName: string; error: string }>;
  perRollout: Array<{
    endpointName: string;
    outcome: RolloutOutcome;
    action?: Action;
    reason?: string;
    /** Canary weight in percent decided as of this tick (the handler publishes it as a metric). */
    canaryWeight?: number;
  }>;
}

/**
 * One scheduled tick over every active rollout: list them, resolve each one's policy (an invalid
 * stored policy keeps the last good one in force and alerts once), read all their metrics in as
 * few GetMetricData calls as possible, then per rollout: drain what earlier runs left pending,
 * reconcile with the endpoint when its weights are pending or its drift check is due (staggered,
 * so DescribeEndpoint stays within SageMaker's rate however many rollouts there are), judge, and
 * commit (re-reading and re-deciding on a version conflict). Errors in one rollout are isolated:
 * logged, counted, and the others carry on.
 *
 * Inputs that drive it: `now` (the EventBridge event's time, never the clock), the stored
 * records, the stored policies, the metrics, and the endpoints' state.
 */
/** A tick that judged nothing (yet), at `time` (ISO; empty when the event had none). */
export function emptyTickSummary(time: string): TickSummary {
  return {
    time,
    rollouts: 0,
    judged: 0,
    outcomes: {},
    decisions: {},
    notifications: 0,
    metricCalls: 0,
    alarmCalls: 0,
    errors: [],
    perRollout: [],
  };
}

export async function runTick(
  deps: TickDeps,
  input: { now: number; correlationId: string },
): Promise<TickSummary> {
  const { now, correlationId } = input;
  const log = deps.log ?? SILENT_LOG;
  const summary = emptyTickSummary(new Date(now).toISOString());
  const records = await deps.store.listActive();
  summary.rollouts = records.length;
  if (records.length === 0) return summary;
  const driftIntervalMs = deps.driftCheckIntervalMs ?? driftCheckInterval(records.length);

  // The batched metrics read starts at once, planned from each record's stored policy, and runs
  // while the rollouts' policies are looked up and their endpoints described.
  const metrics = readMetrics(deps, records, now, summary);
  if (deps.policies.prefetch) {
    try {
      await deps.policies.prefetch(records.map((r) => r.endpointName));
    } catch (error) {
      // Each rollout's own lookup tries again and keeps its stored policy if SSM stays unavailable.
      log.warn('batched policy read failed; reading policies one by one', { error: describeError(error) });
    }
  }
  const verdicts: VerdictToPublish[] = [];
  const results = await mapPool(records, deps.concurrency ?? DEFAULT_TICK_CONCURRENCY, async (record) => {
    try {
      return await processRollout(deps, record, { now, correlationId, metrics, driftIntervalMs, verdicts });
    } catch (error) {
      log.error('rollout failed in this tick', {
        endpointName: record.endpointName,
        error: describeError(error),
      });
      summary.errors.push({ endpointName: record.endpointName, error: describeError(error) });
      return { endpointName: record.endpointName, outcome: 'error' as const };
    }
  });
  // Blue/green verdicts: one PutMetricData per region for every deployment SageMaker runs.
  await publishVerdicts(deps, verdicts, now);
  for (const [i, r] of results.entries()) {
    const canaryWeight = r.canaryWeight ?? records[i]?.state.canaryWeight;
    summary.outcomes[r.outcome] = (summary.outcomes[r.outcome] ?? 0) + 1;
    if (r.action) {
      summary.judged++;
      summary.decisions[r.action] = (summary.decisions[r.action] ?? 0) + 1;
    }
    if (r.notified) summary.notifications++;
    summary.perRollout.push({
      endpointName: r.endpointName,
      outcome: r.outcome,
      ...(r.action ? { action: r.action } : {}),
      ...(r.reason ? { reason: r.reason } : {}),
      ...(canaryWeight !== undefined ? { canaryWeight } : {}),
    });
  }
  return summary;
}

interface TickMetrics {
  periods: Map<string, PeriodObservation[]>;
  /** Alarm states per region and alarm name (empty when not read). */
  alarms: Map<string, Map<string, AlarmStateValue>>;
  /** Rollouts whose metrics could not be read this tick, with why. */
  unreadable: Map<string, string>;
}

/** One batched read per region for every rollout the engine may judge (Progressing or Paused). */
async function readMetrics(
  deps: TickDeps,
  records: ReadonlyArray<RolloutRecord>,
  now: number,
  summary: TickSummary,
): Promise<TickMetrics> {
  const log = deps.log ?? SILENT_LOG;
  const periods = new Map<string, PeriodObservation[]>();
  const unreadable = new Map<string, string>();
  const alarms = new Map<string, Map<string, AlarmStateValue>>();
  const byRegion = new Map<string, MetricsTarget[]>();
  for (const record of records) {
    if (record.state.phase !== 'Progressing' && record.state.phase !== 'Paused') continue;
    // A canary still being deployed serves nothing yet: nothing to read.
    if (isDeployingCanary(record.endpointChange)) continue;
    const targets = byRegion.get(record.region) ?? [];
    // A blue/green rollout's fleets are read by endpoint config (the new one as the canary).
    targets.push(blueGreenMetricsTarget(record));
    byRegion.set(record.region, targets);
  }
  const alarmReads = [...byRegion].map(async ([region, targets]) => {
    const names = targets.flatMap((t) => t.policy.rollback.onAlarms.map((a) => a.alarmName));
    if (!deps.alarmStates || names.length === 0) return;
    try {
      const read = await deps.alarmStates(region).read(names);
      summary.alarmCalls += read.calls;
      alarms.set(region, read.states);
    } catch (error) {
      // Alarm events still act; the tick only catches up on lost ones.
      log.warn('alarm states read failed; judging without them', { region, error: describeError(error) });
    }
  });
  await Promise.all([
    ...alarmReads,
    ...[...byRegion].map(async ([region, targets]) => {
      try {
        const read = await deps.metrics(region).read(targets, now);
        summary.metricCalls += read.calls;
        for (const [key, value] of read.periods) periods.set(key, value);
        for (const key of read.incomplete) unreadable.set(key, 'CloudWatch returned incomplete data');
      } catch (error) {
        // A failed read changes nothing for these rollouts this tick (never half of something).
        log.error('metrics read failed; rollouts in this region are held', {
          region,
          error: describeError(error),
        });
        for (const t of targets) unreadable.set(t.key, describeError(error));
      }
    }),
  ]);
  return { periods, unreadable, alarms };
}

interface ResolvedPolicy {
  /** Policy to judge with; null: none that ever validated (no traffic changes). */
  policy: RolloutPolicy | null;
  /** The stored policy replaces the record's. */
  adopt?: { policy: RolloutPolicy; text: string };
  /** Alert once for this problem (key) unless the record already carries it. */
  alert?: { wording: AlertWording; key: string; problems?: string[] };
  /** A previously alerted problem is gone. */
  clearAlert?: boolean;
  /** Hash of the valid stored policy text. */
  storedHash?: string;
}

async function resolvePolicy(deps: TickDeps, record: RolloutRecord): Promise<ResolvedPolicy> {
  let lookup: PolicyLookup;
  try {
    lookup = await deps.policies.get(record.endpointName, { text: record.policyText, policy: record.policy });
  } catch (error) {
    // SSM unavailable: the record's validated policy stays in force (fail closed, not open).
    (deps.log ?? SILENT_LOG).warn('policy lookup failed; keeping the stored rollout policy', {
      endpointName: record.endpointName,
      error: describeError(error),
    });
    return { policy: record.policy };
  }
  switch (lookup.status) {
    case 'ok': {
      const storedHash = policyTextHash(lookup.text);
      if (lookup.text === record.policyText) return { policy: record.policy, clearAlert: true, storedHash };
      if (record.storedPolicyHash !== undefined && record.storedPolicyHash !== storedHash)
        return {
          policy: lookup.policy,
          adopt: { policy: lookup.policy, text: lookup.text },
          clearAlert: true,
          storedHash,
        };
      // First sight of a stored policy that differs: the rollout was started with its own policy.
      return { policy: record.policy, clearAlert: true, storedHash };
    }
    case 'invalid': {
      const policy = lookup.lastGood ?? record.policy ?? null;
      return {
        policy,
        alert: {
          wording: describeInvalidStoredPolicy({
            endpointName: record.endpointName,
            problemCount: lookup.problems.length,
            lastValidInForce: policy !== null,
          }),
          key: `invalid:${lookup.problems.join('|')}`.slice(0, 1000),
          problems: lookup.problems,
        },
      };
    }
    case 'missing':
      // Rollouts started with a policy in the request have none stored: the record's policy rules.
      return { policy: lookup.lastGood ?? record.policy ?? null };
  }
}

interface RolloutResult {
  endpointName: string;
  outcome: RolloutOutcome;
  action?: Action;
  reason?: string;
  notified?: boolean;
  /** The canary weight this tick decided, when it committed a transition. */
  canaryWeight?: number;
}

async function processRollout(
  deps: TickDeps,
  listed: RolloutRecord,
  ctx: {
    now: number;
    correlationId: string;
    metrics: Promise<TickMetrics>;
    driftIntervalMs: number;
    verdicts: VerdictToPublish[];
  },
): Promise<RolloutResult> {
  const { endpointName } = listed;
  const resolved = await resolvePolicy(deps, listed);
  // Metrics were planned from the stored policy; a policy that changes what is read is judged from the next tick.
  const plannedWith = JSON.stringify([listed.policy.analysis, listed.policy.endpoint]);
  let record: RolloutRecord | undefined = listed;
  const owner = `tick:${ctx.correlationId}`;
  for (let attempt = 0; attempt < MAX_DECIDE_ATTEMPTS; attempt++) {
    if (attempt > 0) record = await deps.store.get(endpointName);
    if (!record || !needsTick(record)) return { endpointName, outcome: 'skipped' };
    // What an earlier run decided but did not get out (it crashed, SNS or DynamoDB failed) goes first, in order.
    if (record.outbox?.length) {
      const drained = await drainOutbox(deps, record, owner);
      record = drained.record;
      if (drained.error)
        (deps.log ?? SILENT_LOG).warn('pending announcements not sent yet', {
          endpointName,
          error: drained.error,
        });
      if (!needsTick(record)) return { endpointName, outcome: 'skipped', reason: 'announcements sent' };
    }
    // Notify hooks an end decided elsewhere (alarm, operator) still owes: told here, at least once.
    if (record.hooksOwed?.length) {
      record = await tellOwedHooks(deps, record, ctx);
      if (!needsTick(record)) return { endpointName, outcome: 'skipped', reason: 'owed hooks told' };
    }

    // Policy bookkeeping first, so an alert is sent by the one writer that records it.
    const patched = policyPatch(record, resolved);
    if (patched) {
      const next: RolloutRecord = { ...record, ...patched, updatedAt: new Date(ctx.now).toISOString() };
      const alerting = resolved.alert !== undefined && patched.policyAlert === resolved.alert.key;
      if (alerting && resolved.alert) {
        // The alert is enqueued in the write that records it, so it is sent once, whoever drains.
        const alert = alertNotification({
          ...resolved.alert.wording,
          endpointName,
          region: record.region,
          now: ctx.now,
          policy: record.policy,
          state: record.state,
          correlationId: ctx.correlationId,
          source: 'tick',
          ...(resolved.alert.problems ? { problems: resolved.alert.problems } : {}),
          ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
        });
        Object.assign(
          next,
          enqueue(next, record.version + 1, [
            { history: alertHistory(record, alert, ctx), notification: alert },
          ]),
          claimLease(next, owner, (deps.wallNow ?? Date.now)()),
        );
      }
      try {
        record = await deps.store.save(next, record.version);
      } catch (error) {
        if (error instanceof VersionConflictError) continue;
        throw error;
      }
      if (alerting) record = (await drainOutbox(deps, record, owner)).record;
    }
    if (!resolved.policy) return { endpointName, outcome: 'held', reason: 'no valid policy' };

    // SageMaker's blue/green deployment carries the traffic: watched and judged, its weights never touched.
    if (isBlueGreenRollout(record) && !isFinal(record.state.phase)) {
      const metrics = await ctx.metrics;
      const unreadable = metrics.unreadable.get(endpointName);
      const alarmStates = deps.alarmStates && ((region: string) => deps.alarmStates!(region));
      const watched = await watchBlueGreen(deps, record, {
        now: ctx.now,
        correlationId: ctx.correlationId,
        periods: metrics.periods.get(endpointName) ?? [],
        ...(unreadable ? { unreadable } : {}),
        ...(alarmStates ? { alarmStates } : {}),
        ...(deps.hooks ? { hooks: deps.hooks } : {}),
        alarms: onAlarmStates(record.policy, metrics.alarms.get(record.region)),
        verdicts: ctx.verdicts,
      });
      if (watched.kind === 'conflict') continue;
      // The policy's notify hooks hear how it ended (afterEnd, onRollback), as for a canary.
      if (watched.committed) await tellHooks(deps, record, watched.committed, ctx);
      return {
        endpointName,
        outcome: watched.outcome,
        reason: watched.reason,
        ...(watched.action ? { action: watched.action } : {}),
        ...(watched.notified ? { notified: true } : {}),
        ...(watched.canaryWeight !== undefined ? { canaryWeight: watched.canaryWeight } : {}),
      };
    }

    // The endpoint itself is changing for this rollout: its canary is being deployed (nothing to
    // judge yet), or a finished rollout retires its baseline or removes its canary.
    const change = record.endpointChange;
    if (isDeployingCanary(change) && !isChangePending(change))
      return { endpointName, outcome: 'held', reason: 'the canary deployment failed; waiting for a person' };
    if (
      isChangePending(change) &&
      (isDeployingCanary(change) ||
        (isFinal(record.state.phase) && record.state.canaryWeight === record.appliedCanaryWeight))
    ) {
      const stepped = await advanceEndpointChange(deps, record, {
        now: ctx.now,
        correlationId: ctx.correlationId,
        source: 'tick',
      });
      if (stepped.kind === 'conflict') continue;
      if (stepped.kind === 'progressed')
        return { endpointName, outcome: 'endpoint-changed', reason: stepped.reason, notified: true };
      return {
        endpointName,
        outcome: 'held',
        ...(stepped.kind === 'waiting' ? { reason: stepped.reason } : {}),
      };
    }

    // The endpoint is read when weights are pending (have they landed?) or its drift check is due;
    // otherwise the record is trusted, and a decision that moves weights reads it before sending.
    let snapshot: EndpointSnapshot | undefined;
    if (
      record.state.canaryWeight !== record.appliedCanaryWeight ||
      driftCheckDue(endpointName, ctx.now, ctx.driftIntervalMs)
    ) {
      const reconciled = await reconcileEndpoint(deps, record, {
        now: ctx.now,
        correlationId: ctx.correlationId,
        source: 'tick',
      });
      if (reconciled.kind === 'conflict') continue;
      if (reconciled.kind === 'hold') return { endpointName, outcome: 'held', reason: reconciled.reason };
      if (reconciled.kind === 'stopped')
        return { endpointName, outcome: 'stopped', reason: reconciled.reason };
      record = reconciled.record;
      snapshot = reconciled.snapshot;
    }
    if (record.state.phase !== 'Progressing' && record.state.phase !== 'Paused')
      return { endpointName, outcome: 'skipped' };
    const metrics = await ctx.metrics;
    const unreadable = metrics.unreadable.get(endpointName);
    if (unreadable) return { endpointName, outcome: 'no-metrics', reason: unreadable };
    if (JSON.stringify([record.policy.analysis, record.policy.endpoint]) !== plannedWith)
      return { endpointName, outcome: 'held', reason: 'policy changed; judged with it from the next tick' };

    const periods = metrics.periods.get(endpointName) ?? [];
    const regionAlarms = metrics.alarms.get(record.region);
    const alarms: Record<string, AlarmStateValue> = {};
    for (const { alarmName } of record.policy.rollback.onAlarms) {
      const value = regionAlarms?.get(alarmName);
      if (value) alarms[alarmName] = value;
    }
    // Gates (policy hooks) are asked only here, where hooks apply: `replay` runs the engine alone.
    const transition = await passGates(
      deps,
      record,
      judgeTick(record.policy, record.state, { periods, alarms }, ctx.now),
      ctx,
    );
    if (isRoutineHold(record.state, transition)) {
      return { endpointName, outcome: 'judged', action: 'hold', reason: transition.decision.reason };
    }
    // On an endpoint a shadow that passed first becomes the canary variant, before any weight.
    if (isShadowPass(record.state, transition)) {
      const passed = await passShadow(deps, record, transition, ctx);
      if (!passed) continue;
      return passed;
    }
    let committed: Awaited<ReturnType<typeof commitTransition>>;
    try {
      committed = await commitTransition(deps, record, transition, {
        source: 'tick',
        correlationId: ctx.correlationId,
        now: ctx.now,
        ...(snapshot ? { snapshot } : {}),
      });
    } catch (error) {
      // A step after the decision's write may fail (weights, history): what was written stands,
      // and its notify hooks are still told.
      await tellHooksIfWritten(deps, record, transition, ctx);
      throw error;
    }
    if (committed.outcome === 'conflict') continue;
    if (committed.outcome !== 'unchanged') await tellHooks(deps, record, transition, ctx);
    const outcome: RolloutOutcome =
      committed.outcome === 'unchanged'
        ? 'judged'
        : committed.outcome === 'deferred'
          ? 'deferred'
          : 'applied';
    return {
      endpointName,
      outcome,
      action: transition.decision.action,
      reason: transition.decision.reason,
      notified: committed.notification !== undefined,
      canaryWeight: transition.state.canaryWeight,
    };
  }
  return {
    endpointName,
    outcome: 'conflict',
    reason: `gave up after ${MAX_DECIDE_ATTEMPTS} conflicting writes`,
  };
}

/** The tick's states of the alarms a policy's `rollback.onAlarms` names (those it read). */
function onAlarmStates(
  policy: RolloutPolicy,
  states: Map<string, AlarmStateValue> | undefined,
): Record<string, AlarmStateValue> {
  const out: Record<string, AlarmStateValue> = {};
  for (const { alarmName } of policy.rollback.onAlarms) {
    const value = states?.get(alarmName);
    if (value) out[alarmName] = value;
  }
  return out;
}

/** The history entry of an alert the tick raises about a rollout (its state unchanged). */
function alertHistory(
  record: RolloutRecord,
  alert: RolloutNotification,
  ctx: { now: number; correlationId: string },
): HistoryEntry {
  return {
    time: new Date(ctx.now).toISOString(),
    rolloutId: record.rolloutId,
    version: record.version + 1,
    source: 'tick',
    kind: 'alert',
    phase: record.state.phase,
    stepIndex: record.state.stepIndex,
    canaryWeight: record.state.canaryWeight,
    reason: alert.reason,
    correlationId: ctx.correlationId,
  };
}

/**
 * A hold that moved nothing but the metrics window (no phase, step, weight, counter or alarm
 * change) is not written: the window is re-read from CloudWatch on every tick, so storing it
 * again would only cost a conditional write per rollout per minute (the dominant cost of a tick
 * over many rollouts) and a history item nobody needs.
 */
export function isRoutineHold(before: RolloutState, transition: Transition): boolean {
  const after = transition.state;
  return (
    transition.decision.action === 'hold' &&
    before.phase === after.phase &&
    before.stepIndex === after.stepIndex &&
    before.stepStartedAt === after.stepStartedAt &&
    before.canaryWeight === after.canaryWeight &&
    before.pauseCause === after.pauseCause &&
    before.consecutiveInconclusive === after.consecutiveInconclusive &&
    sameJson(before.consecutiveFailures, after.consecutiveFailures) &&
    sameJson(before.staged, after.staged) &&
    sameJson(before.alarmStates, after.alarmStates) &&
    sameJson(before.gate ?? null, after.gate ?? null)
  );
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Record fields to write because of the policy lookup, or null when nothing changes. */
function policyPatch(
  record: RolloutRecord,
  resolved: ResolvedPolicy,
): Partial<Pick<RolloutRecord, 'policy' | 'policyText' | 'policyAlert' | 'storedPolicyHash'>> | null {
  const patch: Partial<Pick<RolloutRecord, 'policy' | 'policyText' | 'policyAlert' | 'storedPolicyHash'>> =
    {};
  if (resolved.storedHash && record.storedPolicyHash !== resolved.storedHash)
    patch.storedPolicyHash = resolved.storedHash;
  if (resolved.adopt && resolved.adopt.text !== record.policyText) {
    patch.policy = resolved.adopt.policy;
    patch.policyText = resolved.adopt.text;
  }
  if (resolved.alert && record.policyAlert !== resolved.alert.key) patch.policyAlert = resolved.alert.key;
  if (resolved.clearAlert && record.policyAlert !== undefined) patch.policyAlert = undefined;
  return Object.keys(patch).length > 0 ? patch : null;
}

/** Maps `items` with at most `limit` calls in flight, keeping the order. */
export async function mapPool<T, R>(
  items: ReadonlyArray<T>,
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
