import { endpointConfigName, isWatchdogConfig } from '../domain/endpoint-config-name';
import { type EndpointChange, isChangePending, isDeployingCanary } from '../domain/endpoint-change';
import { isFinal } from '../domain/is-final';
import { canaryAfterShadow } from '../domain/judge-shadow';
import { planEndpointConfig } from '../domain/plan-endpoint-config';
import { withStartGate } from '../domain/gate-start';
import { startRollout } from '../domain/start-rollout';
import type { RolloutState, Transition } from '../domain/types';
import { endpointChangeNotification, notificationFromTransition } from '../notify/notification';
import type { EndpointDeployment } from '../ports/endpoint-configs';
import { EndpointNotFoundError, EndpointNotReadyError } from '../ports/endpoint-weights';
import { type HistoryEntry, type RolloutRecord, VersionConflictError } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import {
  describeChangeBegun,
  describeChangeBegunNext,
  describeChangeDone,
  describeChangeFailed,
  describeChangeFailedNext,
  describeChangeKind,
  describeChangeWaiting,
} from '../wording/describe-endpoint-change';
import { describeNext } from '../wording/describe-next';
import { commitTransition, describeError, drainOwner, type TransitionSource } from './commit-transition';
import { isRetryableFailure } from './is-retryable-failure';
import { claimLease, drainOutbox, enqueue } from './outbox';
import type { WatchdogDeps } from './watchdog-deps';

/** Statuses in which SageMaker allows nothing but DeleteEndpoint (or a person's repair). */
const BROKEN_STATUSES: ReadonlySet<string> = new Set(['Failed', 'UpdateRollbackFailed', 'OutOfService']);

export type ChangeStep =
  /** No change pending. */
  | { kind: 'idle'; record: RolloutRecord }
  /** Nothing to write this run: not due yet, the endpoint busy, SageMaker unreachable or throttling. */
  | { kind: 'waiting'; record: RolloutRecord; reason: string }
  /** This run moved the change on (sent the update, saw it land, or saw it fail) and wrote it. */
  | { kind: 'progressed'; record: RolloutRecord; reason: string }
  /** Another writer changed the rollout first: re-read and try again. */
  | { kind: 'conflict'; record: RolloutRecord };

export interface ChangeContext {
  /** Epoch ms (the event's time). */
  now: number;
  correlationId: string;
  source: TransitionSource;
}

/**
 * Moves the rollout's endpoint change (`record.endpointChange`) one step on, and is safe to run
 * again at any point: every step reads what exists before it acts, so a timeout, a throttle or a
 * crash resumes where it stopped.
 * - waiting, due: read the endpoint and the config it runs, plan the new config
 *   (`planEndpointConfig`), make it under its deterministic name unless it exists, send
 *   UpdateEndpoint, and record `updating` with the config kept to go back to;
 * - updating: wait while SageMaker moves the endpoint; InService on the new config is `done`
 *   (superseded configs the watchdog made are deleted, never one in use; a deployed canary starts
 *   the steps in the same write); back InService on another config, or `Failed`, is `failed`;
 * - failed (SageMaker refused or undid the change, the model or the endpoint is gone): written
 *   with a critical notification; a canary deployment also pauses the rollout. Nothing is retried
 *   until a person says so (`resume`).
 * Retirement and clean-up begin only once the final decision's weights are on the endpoint.
 * Every step is in history and announced with the instances it adds and releases.
 *
 * Inputs that drive it: the change and its due time, the rollout's phase and weights, the
 * endpoint's status and configs, and SageMaker's answers.
 */
export async function advanceEndpointChange(
  deps: WatchdogDeps,
  record: RolloutRecord,
  ctx: ChangeContext,
): Promise<ChangeStep> {
  const change = record.endpointChange;
  if (!change || !isChangePending(change)) return { kind: 'idle', record };
  const waiting = (reason: string): ChangeStep => ({ kind: 'waiting', record, reason });
  if (change.status === 'waiting' && ctx.now < change.dueAt) return waiting(describeChangeWaiting(change));
  if (!isDeployingCanary(change) && record.state.canaryWeight !== record.appliedCanaryWeight)
    return waiting(
      `the ${describeChangeKind(change.kind)} waits for the final weights to reach the endpoint`,
    );
  const configs = deps.endpointConfigs?.(record.region);
  if (!configs) return waiting('this function has no access to endpoint configs');
  const { endpointName } = record;

  let endpoint: EndpointDeployment;
  try {
    endpoint = await configs.describeEndpoint(endpointName);
  } catch (error) {
    if (error instanceof EndpointNotFoundError)
      return fail(deps, record, change, ctx, `endpoint ${endpointName} no longer exists in ${record.region}`);
    return waiting(`DescribeEndpoint failed (${describeError(error)}); tried again next tick`);
  }
  if (BROKEN_STATUSES.has(endpoint.status)) return fail(deps, record, change, ctx, brokenReason(endpoint));

  if (change.status === 'updating') {
    const target = change.targetConfig ?? '';
    if (endpoint.status === 'InService' && endpoint.configName === target)
      return finish(deps, record, change, endpoint, ctx);
    if (endpoint.status !== 'InService')
      return waiting(
        endpoint.pendingConfigName === target
          ? `endpoint ${endpoint.status}: SageMaker is deploying config ${target}`
          : `endpoint ${endpoint.status}`,
      );
    // In service on another config. Before SageMaker accepted the update (a throttle, a crash or a
    // lost answer after the intent was written) that only means it was not sent yet: send it.
    if (!change.sent) return sendUpdate(deps, record, change, ctx);
    // After: SageMaker could not deploy ours and went back.
    return fail(
      deps,
      record,
      change,
      ctx,
      endpoint.failureReason ??
        `the endpoint returned to config ${endpoint.configName ?? '(none)'} without deploying ${target}`,
    );
  }

  if (endpoint.status !== 'InService')
    return waiting(
      `endpoint ${endpoint.status}; the ${describeChangeKind(change.kind)} begins once it is InService`,
    );
  if (!endpoint.configName) return fail(deps, record, change, ctx, 'the endpoint names no endpoint config');
  const target = endpointConfigName(endpointName, record.rolloutId, change.kind, change.attempt);
  // The update landed but the run that sent it never recorded it (a record from before intents were written first).
  if (endpoint.configName === target)
    return finish(deps, record, { ...change, targetConfig: target }, endpoint, ctx);

  let intent: EndpointChange;
  try {
    const current = await configs.describeConfig(endpoint.configName);
    if (!current)
      return fail(deps, record, change, ctx, `config ${endpoint.configName}, in service, cannot be read`);
    const plan = planEndpointConfig(
      record.policy,
      change,
      current.variants,
      endpoint.instanceCounts,
      current.shadowVariants,
    );
    if (plan.kind === 'refused') return fail(deps, record, change, ctx, plan.problem);
    if (plan.kind === 'unchanged') return finish(deps, record, change, endpoint, ctx, plan.reason);
    if (
      (change.kind === 'add-canary' || change.kind === 'add-shadow') &&
      change.model &&
      !(await configs.modelExists(change.model))
    )
      return fail(deps, record, change, ctx, `model ${change.model} does not exist in ${record.region}`);
    if (!(await configs.describeConfig(target)))
      await configs.createConfig(target, {
        variants: plan.variants,
        ...(plan.shadowVariants ? { shadowVariants: plan.shadowVariants } : {}),
        settings: current.settings,
      });
    intent = {
      ...change,
      status: 'updating',
      since: ctx.now,
      targetConfig: target,
      previousConfig: endpoint.configName,
      added: plan.added,
      released: plan.released,
    };
  } catch (error) {
    if (error instanceof EndpointNotReadyError || isRetryableFailure(error))
      return waiting(`${describeError(error)}; the ${describeChangeKind(change.kind)} resumes next tick`);
    return fail(deps, record, change, ctx, describeError(error));
  }
  // The intent first, with its announcement: a conflict here has sent nothing, and a crash after
  // it leaves `updating` without `sent`, which the next run sends.
  const names = namesOf(record);
  const written = await commitChange(deps, record, change, intent, ctx, {
    reason: describeChangeBegun(intent, names),
    next: describeChangeBegunNext(intent),
  });
  if (written.kind !== 'progressed') return written;
  const sent = await sendUpdate(deps, written.record, intent, ctx);
  return sent.kind === 'waiting' ? { ...written, reason: `${written.reason} (${sent.reason})` } : sent;
}

/**
 * Sends the UpdateEndpoint of a change whose intent is written, then records that SageMaker
 * accepted it. A busy endpoint or a retryable failure leaves it for the next run; a refusal
 * (an unknown model, a quota, a validation error) fails the change.
 */
async function sendUpdate(
  deps: WatchdogDeps,
  record: RolloutRecord,
  change: EndpointChange,
  ctx: ChangeContext,
): Promise<ChangeStep> {
  const configs = deps.endpointConfigs?.(record.region);
  const target = change.targetConfig ?? '';
  try {
    await configs?.updateEndpoint(record.endpointName, target);
  } catch (error) {
    if (error instanceof EndpointNotReadyError || isRetryableFailure(error))
      return {
        kind: 'waiting',
        record,
        reason: `UpdateEndpoint to ${target} not sent yet (${describeError(error)}); sent again next tick`,
      };
    return fail(deps, record, change, ctx, describeError(error));
  }
  return commitChange(deps, record, change, { ...change, sent: true }, ctx);
}

/**
 * The endpoint is in service as the change meant: delete the superseded configs the watchdog made
 * (never a team's own, never one the endpoint runs or deploys), then record `done`. A deployed
 * canary starts the rollout's steps in the same write.
 */
async function finish(
  deps: WatchdogDeps,
  record: RolloutRecord,
  change: EndpointChange,
  endpoint: EndpointDeployment,
  ctx: ChangeContext,
  unchanged?: string,
): Promise<ChangeStep> {
  const configs = deps.endpointConfigs?.(record.region);
  const inUse = new Set([endpoint.configName, endpoint.pendingConfigName]);
  const superseded = new Set<string>();
  if (change.previousConfig) superseded.add(change.previousConfig);
  for (let attempt = 1; attempt < change.attempt; attempt++)
    superseded.add(endpointConfigName(record.endpointName, record.rolloutId, change.kind, attempt));
  const cleanup = { deleted: [] as string[], kept: [] as Array<{ name: string; why: string }> };
  for (const name of superseded) {
    if (inUse.has(name) || !isWatchdogConfig(name)) continue;
    try {
      await configs?.deleteConfig(name);
      // Earlier attempts that never made their config are not news.
      if (name === change.previousConfig) cleanup.deleted.push(name);
    } catch (error) {
      (deps.log ?? SILENT_LOG).warn('superseded endpoint config not deleted', {
        endpointName: record.endpointName,
        config: name,
        error: describeError(error),
      });
      cleanup.kept.push({ name, why: `not deleted (${describeError(error)}); delete it by hand` });
    }
  }
  const done: EndpointChange = {
    ...change,
    status: 'done',
    since: ctx.now,
    ...(endpoint.configName ? { targetConfig: endpoint.configName } : {}),
  };
  const reason = describeChangeDone(done, namesOf(record), cleanup, unchanged);
  if ((change.kind === 'add-canary' || change.kind === 'add-shadow') && !isFinal(record.state.phase)) {
    return beginSteps(deps, record, done, ctx, reason);
  }
  if (change.kind === 'shadow-to-canary' && !isFinal(record.state.phase)) {
    return beginCanaryAfterShadow(deps, record, done, ctx, reason);
  }
  return commitChange(deps, record, change, done, ctx, {
    reason,
    next: isDeployingCanary(change)
      ? describeNext(record.policy, record.state)
      : 'Nothing: the endpoint is ready for the next start.',
    notify: unchanged === undefined,
  });
}

/** The canary is in service: the rollout's steps begin now, announced with the deployment. */
async function beginSteps(
  deps: WatchdogDeps,
  record: RolloutRecord,
  done: EndpointChange,
  ctx: ChangeContext,
  deployed: string,
): Promise<ChangeStep> {
  // Gates at `beforeStart` hold the first weights: the rollout waits at 0% until the tick asks them.
  const started = withStartGate(record.policy, startRollout(record.policy, ctx.now), ctx.now);
  const reason = `${deployed} ${started.decision.reason}`;
  const state: RolloutState = { ...started.state, startedAt: record.state.startedAt, message: reason };
  const transition: Transition = { state, decision: { ...started.decision, reason } };
  const committed = await commitTransition(deps, record, transition, {
    source: ctx.source,
    correlationId: ctx.correlationId,
    now: ctx.now,
    patch: { endpointChange: done },
    // A shadow's start moves no weight, yet it is news: the shadow is judged from now.
    ...(done.kind === 'add-shadow'
      ? {
          notification: notificationFromTransition({
            policy: record.policy,
            // Announced as the start it is: the shadow phase begins now.
            before: null,
            transition,
            source: ctx.source,
            correlationId: ctx.correlationId,
            now: ctx.now,
            ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
          }),
        }
      : {}),
  });
  if (committed.outcome === 'conflict') return { kind: 'conflict', record };
  return { kind: 'progressed', record: committed.record, reason };
}

/**
 * The shadow that passed is in service as the canary variant: the first step's weight applies now
 * (through commitTransition, like any weight), judged on a window that starts empty.
 */
async function beginCanaryAfterShadow(
  deps: WatchdogDeps,
  record: RolloutRecord,
  done: EndpointChange,
  ctx: ChangeContext,
  deployed: string,
): Promise<ChangeStep> {
  const ready = canaryAfterShadow(record.policy, record.state, ctx.now);
  const reason = `${deployed} ${ready.decision.reason}`;
  const transition: Transition = {
    state: { ...ready.state, message: reason },
    decision: { ...ready.decision, reason },
  };
  const committed = await commitTransition(deps, record, transition, {
    source: ctx.source,
    correlationId: ctx.correlationId,
    now: ctx.now,
    patch: { endpointChange: done },
  });
  if (committed.outcome === 'conflict') return { kind: 'conflict', record };
  return { kind: 'progressed', record: committed.record, reason };
}

/**
 * SageMaker refused or undid the change: recorded, announced as critical, and left to a person.
 * A canary that never got deployed cannot be stepped: its rollout waits, paused, for a person.
 */
async function fail(
  deps: WatchdogDeps,
  record: RolloutRecord,
  change: EndpointChange,
  ctx: ChangeContext,
  failure: string,
): Promise<ChangeStep> {
  const failed: EndpointChange = { ...change, status: 'failed', since: ctx.now, failure };
  const reason = describeChangeFailed(failed, namesOf(record), failure);
  return commitChange(deps, record, change, failed, ctx, {
    reason,
    next: describeChangeFailedNext(failed),
    pause: isDeployingCanary(change),
  });
}

/** Times a change's write is re-applied on a fresh read after another writer changed the rollout. Attempts. */
const MAX_CHANGE_WRITES = 3;

/**
 * Writes the change's new status (`next`) in one conditional write with its history entry and,
 * when `say` is given, its notification (the outbox), then sends them. Another writer (an alarm's
 * receipt, an operator) may change the rollout meanwhile: the write is re-applied on a fresh read
 * as long as that read still holds the change as it was (`expected`), so a step SageMaker already
 * took is never lost to a conflict. `say.pause` also pauses the rollout (a failed canary deployment).
 */
async function commitChange(
  deps: WatchdogDeps,
  read: RolloutRecord,
  expected: EndpointChange,
  change: EndpointChange,
  ctx: ChangeContext,
  say?: { reason: string; next: string; pause?: boolean; notify?: boolean },
): Promise<ChangeStep> {
  let record = read;
  for (let attempt = 0; attempt < MAX_CHANGE_WRITES; attempt++) {
    if (attempt > 0) {
      const fresh = await deps.store.get(read.endpointName);
      if (!fresh || fresh.rolloutId !== read.rolloutId || !sameChange(fresh.endpointChange, expected))
        return { kind: 'conflict', record: fresh ?? read };
      record = fresh;
    }
    const version = record.version + 1;
    const time = new Date(ctx.now).toISOString();
    const state: RolloutState =
      say?.pause && !isFinal(record.state.phase)
        ? { ...record.state, phase: 'Paused', pauseCause: 'endpoint', message: say.reason }
        : record.state;
    const next: RolloutRecord = { ...record, state, endpointChange: change, updatedAt: time };
    const owner = drainOwner(ctx.source, ctx.correlationId);
    if (say) {
      const history: HistoryEntry = {
        time,
        rolloutId: record.rolloutId,
        version,
        source: ctx.source,
        kind: 'endpoint',
        phase: state.phase,
        stepIndex: state.stepIndex,
        canaryWeight: state.canaryWeight,
        reason: say.reason,
        correlationId: ctx.correlationId,
      };
      const notification =
        say.notify === false
          ? undefined
          : endpointChangeNotification({
              policy: record.policy,
              state,
              change,
              now: ctx.now,
              reason: say.reason,
              next: say.next,
              source: ctx.source === 'operator' ? 'operator' : 'system',
              correlationId: ctx.correlationId,
              ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
            });
      Object.assign(
        next,
        enqueue(next, version, [{ history, ...(notification ? { notification } : {}) }]),
        claimLease(next, owner, (deps.wallNow ?? Date.now)()),
      );
    }
    let saved: RolloutRecord;
    try {
      saved = await deps.store.save(next, record.version);
    } catch (error) {
      if (error instanceof VersionConflictError) continue;
      throw error;
    }
    const drained = saved.outbox?.length ? (await drainOutbox(deps, saved, owner)).record : saved;
    return { kind: 'progressed', record: drained, reason: say?.reason ?? 'SageMaker accepted the update' };
  }
  return { kind: 'conflict', record };
}

/** The same change in the same state: kind, attempt, status and whether its update was sent. */
function sameChange(a: EndpointChange | undefined, b: EndpointChange): boolean {
  return (
    a !== undefined &&
    a.kind === b.kind &&
    a.attempt === b.attempt &&
    a.status === b.status &&
    (a.sent ?? false) === (b.sent ?? false)
  );
}

function brokenReason(endpoint: EndpointDeployment): string {
  return `the endpoint is ${endpoint.status}${endpoint.failureReason ? ` (${endpoint.failureReason})` : ''}`;
}

function namesOf(record: RolloutRecord) {
  return {
    endpointName: record.endpointName,
    baselineVariant: record.policy.endpoint.baselineVariant,
    canaryVariant: record.policy.endpoint.canaryVariant,
  };
}
