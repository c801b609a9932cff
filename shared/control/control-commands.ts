import { applyCommand, parsePolicy, startRollout } from '../domain/index';
import {
  type EndpointChange,
  isChangePending,
  isDeployingCanary,
  retryChange,
} from '../domain/endpoint-change';
import { withResumeGate, withStartGate } from '../domain/gate-start';
import { isFinal } from '../domain/is-final';
import { needsTick } from '../domain/needs-tick';
import type { OperatorCommand, RolloutPolicy, Transition } from '../domain/types';
import { notificationFromTransition } from '../notify/notification';
import { parsePolicyText } from '../events/policy-text';
import { EndpointNotFoundError, type EndpointSnapshot } from '../ports/endpoint-weights';
import type { PolicyLookup } from '../ports/policy-reader';
import { RolloutExistsError, type RolloutRecord, VersionConflictError } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import {
  alarmCheckOverridden,
  alarmsForbidStart,
  alarmStatesUnreadable,
  baselineNotHeld,
  canaryStillDeploying,
  canaryVariantTaken,
  cancelledCleanUp,
  DEPLOY_CANARY_HINT,
  lifecycleUnavailable,
  modelNotFound,
  previousChangeUnfinished,
  retryReason,
  endpointNotFound,
  endpointNotInService,
  endpointUnreadable,
  FORCE_NEEDS_REASON,
  idleBaseline,
  keptChanging,
  noRolloutFor,
  policyForOtherEndpoint,
  policyRequired,
  previousRolloutUnsettled,
  rolloutUnderWay,
  storedPolicyInvalid,
  storedPolicyUnreadable,
  variantsMissing,
} from '../wording/describe-refusal';
import {
  describeChangeKind,
  describeDeployingShadowStart,
  describeDeployingStart,
} from '../wording/describe-endpoint-change';
import { shadowNeedsModel, shadowVariantTaken } from '../wording/describe-shadow';
import { BLUE_GREEN_NEEDS_MODEL } from '../wording/describe-blue-green';
import { withFirstWeightsOutcome } from '../wording/describe-weights';
import { advanceEndpointChange } from '../watchdog/advance-endpoint-change';
import { applyIntent, commitTransition, describeError, missingVariants } from '../watchdog/commit-transition';
import { newRolloutId } from '../watchdog/new-rollout-id';
import { type Announcement, DRAIN_LEASE_MS, drainOutbox, enqueue } from '../watchdog/outbox';
import { transitionHistory } from '../watchdog/transition-history';
import {
  type CommandOutcome,
  type ControlContext,
  type ControlFailure,
  type ControlResult,
  conflict,
  invalid,
  notFound,
  type StartOverride,
  type StartRequest,
  unavailable,
} from './control-contract';
import type { ControlDeps } from './control-deps';
import { blueGreenCommand } from './blue-green-command';
import { ladderCommand } from './ladder-command';
import { startBlueGreenRollout } from './start-blue-green';
import { checkStartAlarms, startAlarmNames } from './start-alarm-check';
import { summarize } from './control-views';

/**
 * The operator commands of the control API, as functions returning values. The handler maps a
 * result's `kind` to an HTTP status; nothing here knows about HTTP. Every weight change goes
 * through `commitTransition` / `applyIntent` (`shared/watchdog/commit-transition.ts`), so history
 * and notifications come for free.
 */

/** Times a command is re-decided after another writer (tick, alarm) changed the rollout first. Attempts. */
export const MAX_COMMAND_ATTEMPTS = 3;

/**
 * Starts a rollout. Decided by: the policy (request's, else the stored one — invalid → 400 with
 * every problem, stored-but-invalid → 422, none → 400), the policy naming the same endpoint, an
 * existing non-final rollout (409), and the endpoint itself (missing → 404; not InService, a
 * variant missing, or a baseline that currently gets no traffic → 409), and, last before any
 * change, the alarms the policy names (one in ALARM or missing → 409, CloudWatch unreadable → 503;
 * `force` with a `reason` overrides all three, and the override is recorded in the start's history
 * entry and notification, in its reason and as `cause.override`). The first weights are applied
 * through `applyIntent`; a busy endpoint leaves them pending for the next tick.
 */
export async function startRolloutCommand(
  deps: ControlDeps,
  request: StartRequest,
  ctx: ControlContext,
): Promise<ControlResult<CommandOutcome>> {
  // The router's schema refuses this first; callers in-process get the same answer.
  if (request.force && !request.reason) return invalid([`reason: ${FORCE_NEEDS_REASON}`]);
  const resolved = await resolvePolicy(deps, request);
  if (!resolved.ok) return resolved;
  const { policy, text } = resolved;
  if (policy.endpoint.name !== request.endpointName) {
    return invalid([policyForOtherEndpoint(policy.endpoint.name, request.endpointName)]);
  }
  // A shadow phase deploys the new model as a shadow variant itself: there is nothing to watch without it.
  if (policy.shadow && request.model === undefined)
    return invalid([`model: ${shadowNeedsModel(request.endpointName)}`]);
  // SageMaker's blue/green deploys a config: a new model is what it needs, never weights.
  if (policy.blueGreen && request.model === undefined) return invalid([BLUE_GREEN_NEEDS_MODEL]);

  let existing = await deps.store.get(request.endpointName);
  // A finished rollout whose last announcements are still pending: send them before it is replaced.
  if (existing && isFinal(existing.state.phase) && existing.outbox?.length)
    existing = (await drainOutbox(deps, existing, `operator:${ctx.correlationId}`)).record;
  // A clean-up not begun yet gives way to a new start (the team starts again on the canary it
  // has), but is cancelled only once every check below has passed: a refused start keeps it.
  const cancellable = existing !== undefined && cleanUpWaiting(existing);
  if (existing && !cancellable && needsTick(existing)) return conflictWithExisting(existing);
  if (policy.blueGreen && request.model !== undefined) {
    if (existing && needsTick(existing)) return conflictWithExisting(existing);
    return startBlueGreenRollout(
      deps,
      { ...request, model: request.model },
      { ...policy, blueGreen: policy.blueGreen },
      text,
      ctx,
    );
  }

  const region = policy.endpoint.region;
  let snapshot: EndpointSnapshot;
  try {
    snapshot = await deps.endpoints(region).describe(request.endpointName);
  } catch (error) {
    if (error instanceof EndpointNotFoundError) {
      return notFound(endpointNotFound(request.endpointName, region));
    }
    return unavailable(endpointUnreadable(request.endpointName, describeError(error)));
  }
  if (snapshot.status !== 'InService') {
    return conflict(endpointNotInService(request.endpointName, snapshot.status));
  }
  const present = snapshot.variants.map((v) => v.name);
  // A start from a model deploys the canary variant unless the endpoint already runs that model there.
  let deploy: string | undefined;
  if (request.model !== undefined) {
    const checked = await checkModelStart(deps, policy, request.model, snapshot);
    if (!checked.ok) return checked;
    deploy = checked.deploy ? request.model : undefined;
  }
  const missing = missingVariants(policy, snapshot).filter(
    (name) => !(deploy && name === policy.endpoint.canaryVariant),
  );
  if (missing.length > 0) {
    const refusal = variantsMissing(request.endpointName, missing, present);
    if (missing.length === 1 && missing[0] === policy.endpoint.canaryVariant)
      refusal.problems.push(DEPLOY_CANARY_HINT);
    return { ok: false, kind: 'conflict', ...refusal };
  }

  // The operator and their reason are part of the start's cause, so the reason names who started it.
  const transition = startRollout(policy, ctx.now, {
    operator: ctx.operator,
    ...(request.reason ? { reason: request.reason } : {}),
  });
  const baseline = snapshot.variants.find((v) => v.name === policy.endpoint.baselineVariant);
  if (baseline?.currentPct === 0 && (deploy !== undefined || transition.state.canaryWeight < 100)) {
    // Typically a finished promotion left the canary at 100%: starting again would hand most
    // traffic back to a variant that has been idle (often the old model). Refuse rather than guess.
    return conflict(
      idleBaseline(
        policy.endpoint.baselineVariant,
        request.endpointName,
        100 - transition.state.canaryWeight,
      ),
    );
  }
  // Last of the checks, so a start refused for another reason costs no CloudWatch call.
  const alarms = await checkStartAlarms(deps.alarmStates, policy);
  let override: StartOverride | undefined;
  if (alarms.status !== 'clear') {
    if (!request.force || !request.reason) return alarmRefusal(request.endpointName, policy, alarms);
    override = {
      operator: ctx.operator,
      reason: request.reason,
      alarmsInAlarm: alarms.status === 'refused' ? alarms.firing : [],
      missingAlarms: alarms.status === 'refused' ? alarms.missing : [],
      ...(alarms.status === 'unreadable' ? { unreadable: alarms.error } : {}),
    };
  }
  let cancelled: string | undefined;
  if (existing && cancellable) {
    const freed = await cancelCleanUp(deps, existing);
    if (!freed.ok) return freed;
    cancelled = cancelledCleanUp(new Date(freed.dueAt).toISOString());
  }
  const owner = `operator:${ctx.correlationId}`;
  const rolloutId = newRolloutId(request.endpointName, ctx.now);
  // From a model, the rollout waits at 0% while the canary is deployed; its steps begin once it is in service.
  // Gates at `beforeStart` hold the first weights: the rollout waits at 0% until the tick asks them.
  const begun = withNote(
    deploy ? deployingTransition(policy, transition, deploy) : withStartGate(policy, transition, ctx.now),
    cancelled,
  );
  const started = startAnnouncement(
    deps,
    policy,
    override ? withOverride(begun, override) : begun,
    ctx,
    rolloutId,
  );
  let record: RolloutRecord;
  try {
    record = await deps.store.create(
      {
        endpointName: request.endpointName,
        region,
        policyText: text,
        policy,
        state: begun.state,
        // Nothing applied yet: the pending intent is what applyIntent (or the next tick) sends.
        // A canary to deploy joins at 0%, which is then what the endpoint has.
        appliedCanaryWeight: deploy ? 0 : null,
        ...(deploy
          ? {
              endpointChange: {
                kind: policy.shadow ? ('add-shadow' as const) : ('add-canary' as const),
                status: 'waiting' as const,
                dueAt: ctx.now,
                since: ctx.now,
                attempt: 1,
                model: deploy,
              },
            }
          : {}),
        // The start's history entry and announcement are committed with the rollout itself.
        rolloutId,
        ...enqueue({ rolloutId }, 1, [started]),
        drainLease: { owner, until: (deps.wallNow ?? Date.now)() + DRAIN_LEASE_MS },
      },
      ctx.now,
    );
  } catch (error) {
    if (error instanceof RolloutExistsError) {
      const current = await deps.store.get(request.endpointName);
      return current ? conflictWithExisting(current) : conflict(error.message);
    }
    throw error;
  }

  if (deploy) return deployCanary(deps, record, ctx, owner, override);
  const applied = await applyIntent(deps, record, { now: ctx.now, snapshot });
  let latest = applied.record;
  if (applied.error) latest = await amendStartReason(deps, latest, applied.error);
  const drained = await drainOutbox(deps, latest, owner);
  if (drained.error)
    (deps.log ?? SILENT_LOG).warn('start announcement pending; the next tick sends it', {
      endpointName: record.endpointName,
      error: drained.error,
    });
  const body: CommandOutcome = {
    outcome: applied.status === 'applied' || applied.status === 'sent' ? 'applied' : 'deferred',
    rollout: summarize(drained.record),
  };
  if (applied.error) body.weightsError = applied.error;
  if (override) body.override = override;
  return { ok: true, body };
}

/**
 * Checks a start from a model name before anything changes: the model exists in the endpoint's
 * region (404), and the canary variant is absent (deploy it) or already runs that model (watch
 * it, as a start without a model does); running another model is a 409.
 */
async function checkModelStart(
  deps: ControlDeps,
  policy: RolloutPolicy,
  model: string,
  snapshot: EndpointSnapshot,
): Promise<{ ok: true; deploy: boolean } | ControlFailure> {
  const region = policy.endpoint.region;
  const configs = deps.endpointConfigs?.(region);
  if (!configs) return unavailable(lifecycleUnavailable(policy.endpoint.name));
  try {
    if (!(await configs.modelExists(model))) return notFound(modelNotFound(model, region));
    const { canaryVariant } = policy.endpoint;
    if (!snapshot.variants.some((v) => v.name === canaryVariant)) return { ok: true, deploy: true };
    const deployment = await configs.describeEndpoint(policy.endpoint.name);
    const config = deployment.configName ? await configs.describeConfig(deployment.configName) : null;
    const running = config?.variants.find((v) => v.variantName === canaryVariant)?.modelName ?? '(unknown)';
    if (policy.shadow) return conflict(shadowVariantTaken(policy.endpoint.name, canaryVariant, running));
    if (running === model) return { ok: true, deploy: false };
    return conflict(canaryVariantTaken(policy.endpoint.name, canaryVariant, running, model));
  } catch (error) {
    return unavailable(endpointUnreadable(policy.endpoint.name, describeError(error)));
  }
}

/** True when the previous rollout's only outstanding work is a canary clean-up that has not begun. */
function cleanUpWaiting(record: RolloutRecord): boolean {
  const change = record.endpointChange;
  return (
    isFinal(record.state.phase) &&
    change?.kind === 'remove-canary' &&
    change.status === 'waiting' &&
    record.state.canaryWeight === record.appliedCanaryWeight &&
    !record.outbox?.length
  );
}

/** Drops a waiting clean-up from the finished rollout (conditional on its version), so a new one may replace it. */
async function cancelCleanUp(
  deps: ControlDeps,
  record: RolloutRecord,
): Promise<{ ok: true; record: RolloutRecord; dueAt: number } | ControlFailure> {
  const { endpointChange: change, ...rest } = record;
  try {
    return { ok: true, record: await deps.store.save(rest, record.version), dueAt: change?.dueAt ?? 0 };
  } catch (error) {
    if (error instanceof VersionConflictError) return conflict(keptChanging(record.endpointName, 1));
    throw error;
  }
}

/** The transition with a note appended to its reason (and its state's message). */
function withNote(transition: Transition, note: string | undefined): Transition {
  if (!note) return transition;
  const reason = `${transition.decision.reason}; ${note}`;
  return { state: { ...transition.state, message: reason }, decision: { ...transition.decision, reason } };
}

/** The start of a rollout whose canary is deployed first: at 0%, before its first step, saying so. */
function deployingTransition(policy: RolloutPolicy, transition: Transition, model: string): Transition {
  const cause = transition.decision.cause;
  const by =
    cause?.kind === 'started' && cause.operator ? { operator: cause.operator, reason: cause.reason } : {};
  const reason = policy.shadow
    ? describeDeployingShadowStart({
        model,
        canaryVariant: policy.endpoint.canaryVariant,
        samplingPercent: policy.shadow.samplingPercent,
        durationSeconds: policy.shadow.durationSeconds,
        firstWeight: cause?.kind === 'started' && cause.shadow ? cause.shadow.firstWeight : 0,
        ...by,
      })
    : describeDeployingStart({
        model,
        canaryVariant: policy.endpoint.canaryVariant,
        firstWeight: transition.state.canaryWeight,
        ...by,
      });
  return {
    state: {
      ...transition.state,
      phase: 'Progressing',
      pauseCause: null,
      stepIndex: 0,
      canaryWeight: 0,
      message: reason,
    },
    decision: {
      ...transition.decision,
      action: 'hold',
      reason,
      ...(cause?.kind === 'started' ? { cause: { ...cause, canaryWeight: 0 } } : {}),
    },
  };
}

/** Sends the canary's deployment at once (the tick carries it on), then answers with where it stands. */
async function deployCanary(
  deps: ControlDeps,
  record: RolloutRecord,
  ctx: ControlContext,
  owner: string,
  override: StartOverride | undefined,
): Promise<ControlResult<CommandOutcome>> {
  const drained = await drainOutbox(deps, record, owner);
  let latest = drained.record;
  for (let attempt = 0; attempt < MAX_COMMAND_ATTEMPTS; attempt++) {
    const stepped = await advanceEndpointChange(deps, latest, {
      now: ctx.now,
      correlationId: ctx.correlationId,
      source: 'operator',
    });
    latest = stepped.record;
    if (stepped.kind !== 'conflict') break;
    latest = (await deps.store.get(record.endpointName)) ?? latest;
  }
  const body: CommandOutcome = {
    outcome: latest.endpointChange?.status === 'failed' ? 'deferred' : 'applied',
    rollout: summarize(latest),
  };
  if (override) body.override = override;
  return { ok: true, body };
}

/** The refusal of a start the alarm check stopped: 409 naming the alarms, or 503 when unreadable. */
function alarmRefusal(
  endpointName: string,
  policy: RolloutPolicy,
  alarms: Exclude<Awaited<ReturnType<typeof checkStartAlarms>>, { status: 'clear' }>,
): ControlFailure {
  const region = policy.endpoint.region;
  if (alarms.status === 'unreadable')
    return unavailable(alarmStatesUnreadable(endpointName, region, startAlarmNames(policy), alarms.error));
  return {
    ok: false,
    kind: 'conflict',
    ...alarmsForbidStart(endpointName, region, alarms.firing, alarms.missing),
  };
}

/**
 * The start's decision with the override in its reason and, as data, in its cause: people read
 * who overrode what and why, and code finds `cause.override` without parsing words.
 */
function withOverride(transition: Transition, override: StartOverride): Transition {
  const found = {
    firing: override.alarmsInAlarm,
    missing: override.missingAlarms,
    ...(override.unreadable ? { unreadable: override.unreadable } : {}),
  };
  const note = alarmCheckOverridden(found, override.operator, override.reason);
  const decision = { ...transition.decision, reason: `${transition.decision.reason}; ${note}` };
  const cause = transition.decision.cause;
  if (cause?.kind === 'started') decision.cause = { ...cause, override };
  return { ...transition, decision };
}

/**
 * Applies an operator command (pause, resume, promote, abort, rollback) through the engine's
 * `applyCommand` and `commitTransition`. Decided by: whether a rollout exists (404), whether the
 * engine accepts the command in the current phase (409 with its message), and version conflicts
 * with the tick or an alarm (re-read and decide again, at most MAX_COMMAND_ATTEMPTS times).
 */
export async function runOperatorCommand(
  deps: ControlDeps,
  endpointName: string,
  command: OperatorCommand,
  ctx: ControlContext,
): Promise<ControlResult<CommandOutcome>> {
  for (let attempt = 0; attempt < MAX_COMMAND_ATTEMPTS; attempt++) {
    const record = await deps.store.get(endpointName);
    if (!record) return notFound(noRolloutFor(endpointName));
    // A promoted rollout's region ladder takes pause, resume, promote and abort while it runs.
    const onLadder = await ladderCommand(deps, record, command, ctx);
    if (onLadder) return onLadder;
    // SageMaker's guardrails run a blue/green deployment's traffic: rollback and abort go through the verdict.
    const blueGreen = await blueGreenCommand(deps, record, command, ctx);
    if (blueGreen === 'conflict') continue;
    if (blueGreen) return blueGreen;
    const change = record.endpointChange;
    // A failed endpoint change waits for a person: resume tries it again.
    if (command.type === 'resume' && change?.status === 'failed') {
      const retried = await retryEndpointChange(deps, record, change, command, ctx);
      if (retried === 'conflict') continue;
      return retried;
    }
    if (
      isDeployingCanary(change) &&
      (command.type === 'pause' || command.type === 'resume' || command.type === 'promote')
    )
      return conflict(canaryStillDeploying(endpointName, command.type));
    let baselineHeld = false;
    if (command.type === 'rollback' && record.state.phase === 'Promoted') {
      const held = baselineHeldFor(change);
      if (held !== true) return conflict(baselineNotHeld(endpointName, held));
      baselineHeld = true;
    }
    const decided = applyCommand(record.policy, record.state, command, ctx.now, ctx.operator, {
      baselineHeld,
    });
    if (!decided.ok) return conflict(decided.error);
    // A resume into a weight that gates hold waits for them: the tick asks and makes the move.
    const transition = withResumeGate(record.policy, record.state, decided.transition, ctx.now);
    const committed = await commitTransition(deps, record, transition, {
      source: 'operator',
      correlationId: ctx.correlationId,
      now: ctx.now,
      actor: ctx.operator,
    });
    if (committed.outcome === 'conflict') continue;
    const body: CommandOutcome = {
      outcome: committed.outcome,
      rollout: summarize(committed.record),
    };
    if (committed.error) body.weightsError = committed.error;
    return { ok: true, body };
  }
  return conflict(keptChanging(endpointName, MAX_COMMAND_ATTEMPTS));
}

/**
 * True while a promoted rollout's baseline still runs and serves on a word (the retirement's
 * hold-back, or a retirement that failed and left it), else why not.
 */
function baselineHeldFor(change: EndpointChange | undefined): true | string {
  if (change?.kind !== 'retire-baseline')
    return 'its baseline is not kept (the policy retires it never or it is gone)';
  if (change.status === 'waiting' || change.status === 'failed') return true;
  return change.status === 'updating'
    ? `its baseline is being retired (config ${change.targetConfig ?? '?'} is being deployed)`
    : 'its baseline was retired';
}

/**
 * `resume` of a failed endpoint change: the same change again, as a new attempt with a config of
 * its own name; a canary deployment's rollout leaves its pause. Written with its history entry,
 * then sent at once (the tick carries it on).
 */
async function retryEndpointChange(
  deps: ControlDeps,
  record: RolloutRecord,
  change: EndpointChange,
  command: OperatorCommand,
  ctx: ControlContext,
): Promise<ControlResult<CommandOutcome> | 'conflict'> {
  const retry = retryChange(change, ctx.now);
  const state =
    record.state.phase === 'Paused' && record.state.pauseCause === 'endpoint'
      ? { ...record.state, phase: 'Progressing' as const, pauseCause: null }
      : record.state;
  const reason = retryReason(change, ctx.operator, command.reason);
  const version = record.version + 1;
  const owner = `operator:${ctx.correlationId}`;
  const next: RolloutRecord = {
    ...record,
    state: { ...state, message: reason },
    endpointChange: retry,
    updatedAt: new Date(ctx.now).toISOString(),
  };
  Object.assign(
    next,
    enqueue(next, version, [
      {
        history: {
          time: new Date(ctx.now).toISOString(),
          rolloutId: record.rolloutId,
          version,
          source: 'operator',
          kind: 'command',
          action: 'hold',
          phase: state.phase,
          stepIndex: state.stepIndex,
          canaryWeight: state.canaryWeight,
          reason,
          correlationId: ctx.correlationId,
        },
      },
    ]),
  );
  let saved: RolloutRecord;
  try {
    saved = await deps.store.save(next, record.version);
  } catch (error) {
    if (error instanceof VersionConflictError) return 'conflict';
    throw error;
  }
  saved = (await drainOutbox(deps, saved, owner)).record;
  const stepped = await advanceEndpointChange(deps, saved, {
    now: ctx.now,
    correlationId: ctx.correlationId,
    source: 'operator',
  });
  return { ok: true, body: { outcome: 'applied', rollout: summarize(stepped.record) } };
}

type ResolvedPolicy = { ok: true; policy: RolloutPolicy; text: string } | ControlFailure;

async function resolvePolicy(deps: ControlDeps, request: StartRequest): Promise<ResolvedPolicy> {
  if (typeof request.policy === 'string') {
    const parsed = parsePolicyText(request.policy);
    return parsed.ok
      ? { ok: true, policy: parsed.policy, text: request.policy }
      : invalid(inPolicy(parsed.problems));
  }
  if (request.policy !== undefined) {
    const parsed = parsePolicy(request.policy);
    return parsed.ok
      ? { ok: true, policy: parsed.policy, text: JSON.stringify(request.policy, null, 2) }
      : invalid(inPolicy(parsed.problems));
  }
  let stored: PolicyLookup;
  try {
    stored = await deps.policies.get(request.endpointName);
  } catch (error) {
    return unavailable(storedPolicyUnreadable(request.endpointName, describeError(error)));
  }
  const where = deps.policies.parameterName?.(request.endpointName);
  if (stored.status === 'ok') return { ok: true, policy: stored.policy, text: stored.text };
  if (stored.status === 'invalid') {
    return {
      ok: false,
      kind: 'unprocessable',
      error: storedPolicyInvalid(where),
      problems: inPolicy(stored.problems),
    };
  }
  return invalid([policyRequired(where)]);
}

/** Engine problems are relative to the policy document; the API reports them relative to the body. */
function inPolicy(problems: ReadonlyArray<string>): string[] {
  return problems.map((problem) => {
    if (problem.startsWith('(')) return `policy${problem.slice(problem.indexOf(')') + 1)}`;
    return problem.startsWith(':') ? `policy${problem}` : `policy.${problem}`;
  });
}

/** The start's history entry and notification (its reason as decided, before any weights). */
function startAnnouncement(
  deps: ControlDeps,
  policy: RolloutPolicy,
  transition: Transition,
  ctx: ControlContext,
  rolloutId: string,
): Announcement {
  const time = new Date(ctx.now).toISOString();
  const notification = notificationFromTransition({
    policy,
    before: null,
    transition,
    source: 'operator',
    actor: ctx.operator,
    correlationId: ctx.correlationId,
    ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
  });
  notification.time = time;
  return {
    history: transitionHistory(transition, {
      time,
      rolloutId,
      version: 1,
      source: 'start',
      kind: 'start',
      correlationId: ctx.correlationId,
    }),
    notification,
  };
}

/**
 * Says in the start's pending entry why its first weights are not on the endpoint yet, and fills
 * in the rollout id the store assigned. Best effort: on a conflict the entry keeps its reason.
 */
async function amendStartReason(
  deps: ControlDeps,
  record: RolloutRecord,
  error: string,
): Promise<RolloutRecord> {
  const outbox = (record.outbox ?? []).map((entry) => {
    if (entry.history?.kind !== 'start') return entry;
    const amended = { ...entry };
    if (amended.history)
      amended.history = {
        ...amended.history,
        reason: withFirstWeightsOutcome(amended.history.reason, error),
      };
    if (amended.notification)
      amended.notification = {
        ...amended.notification,
        reason: withFirstWeightsOutcome(amended.notification.reason, error),
      };
    return amended;
  });
  try {
    return await deps.store.save({ ...record, outbox }, record.version);
  } catch (caught) {
    if (caught instanceof VersionConflictError) return (await deps.store.get(record.endpointName)) ?? record;
    throw caught;
  }
}

function conflictWithExisting(existing: RolloutRecord): ControlFailure {
  const { state, endpointChange } = existing;
  if (isFinal(state.phase) && isChangePending(endpointChange) && endpointChange)
    return conflict(
      previousChangeUnfinished(
        existing.endpointName,
        state.phase,
        describeChangeKind(endpointChange.kind),
        endpointChange.status === 'waiting' ? new Date(endpointChange.dueAt).toISOString() : null,
      ),
    );
  if (isFinal(state.phase))
    return conflict(
      previousRolloutUnsettled(
        existing.endpointName,
        state.phase,
        state.canaryWeight !== existing.appliedCanaryWeight,
        existing.outbox?.length ?? 0,
      ),
    );
  return conflict(
    rolloutUnderWay(
      existing.endpointName,
      state.phase,
      state.stepIndex,
      existing.policy.steps.length,
      state.canaryWeight,
    ),
  );
}
