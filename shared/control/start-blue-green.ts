import {
  blueGreenDeploymentConfig,
  planBlueGreenConfig,
  rollbackAlarms,
} from '../domain/blue-green-deployment-config';
import { verdictAlarmName } from '../domain/blue-green-verdict';
import { shareAt } from '../domain/blue-green-phase';
import { blueGreenConfigName } from '../domain/endpoint-config-name';
import { gateLimits, hooksAt } from '../domain/gate-points';
import { emptyEvidence } from '../domain/make-decision';
import type { BlueGreenState, RolloutPolicy, RolloutState, Transition } from '../domain/types';
import { notificationFromTransition } from '../notify/notification';
import type { BlueGreenEndpointView } from '../domain/blue-green-phase';
import { EndpointNotFoundError, EndpointNotReadyError } from '../ports/endpoint-weights';
import { RolloutExistsError, type RolloutRecord, VersionConflictError } from '../ports/rollout-repository';
import { describeBlueGreenStart } from '../wording/describe-blue-green';
import {
  endpointNotFound,
  endpointNotInService,
  endpointUnreadable,
  lifecycleUnavailable,
  modelNotFound,
} from '../wording/describe-refusal';
import { describeError } from '../watchdog/commit-transition';
import { newRolloutId } from '../watchdog/new-rollout-id';
import { DRAIN_LEASE_MS, drainOutbox, enqueue } from '../watchdog/outbox';
import { transitionHistory } from '../watchdog/transition-history';
import {
  type CommandOutcome,
  type ControlContext,
  type ControlResult,
  conflict,
  notFound,
  type StartRequest,
  unavailable,
} from './control-contract';
import type { ControlDeps } from './control-deps';
import { summarize } from './control-views';

/**
 * Starts a blue/green rollout from a model name (`strategy.blueGreen`): SageMaker's guardrails
 * carry the traffic, the watchdog watches. Before anything changes it checks the endpoint
 * (missing → 404, not InService → 409), the model (missing → 404), and the alarms SageMaker will
 * roll back on (the policy's must exist, and none may be in ALARM, nor the verdict alarm still
 * firing from a previous deployment: 409, unless `force` with a reason for the policy's own; CloudWatch
 * unreadable → 503). Then: the new config (the baseline variant on the model, see
 * `planBlueGreenConfig`), the verdict alarm (PutMetricAlarm, idempotent), the rollout record with
 * its start announcement, and UpdateEndpoint with the DeploymentConfig built from the policy.
 * SageMaker refusing the update ends the rollout as Aborted with its words (409/503).
 *
 * Inputs that drive it: the policy's endpoint, lifecycle and `blueGreen`, the model, the endpoint
 * and its config, the alarms' states, and SageMaker's answers.
 */
export async function startBlueGreenRollout(
  deps: ControlDeps,
  request: StartRequest & { model: string },
  policy: RolloutPolicy & { blueGreen: NonNullable<RolloutPolicy['blueGreen']> },
  text: string,
  ctx: ControlContext,
): Promise<ControlResult<CommandOutcome>> {
  const { endpointName, model } = request;
  const region = policy.endpoint.region;
  const deployments = deps.blueGreen?.(region);
  const configs = deps.endpointConfigs?.(region);
  const verdicts = deps.verdicts?.(region);
  if (!deployments || !configs || !verdicts) return unavailable(lifecycleUnavailable(endpointName));

  let view: BlueGreenEndpointView;
  try {
    view = await deployments.describe(endpointName);
  } catch (error) {
    if (error instanceof EndpointNotFoundError) return notFound(endpointNotFound(endpointName, region));
    return unavailable(endpointUnreadable(endpointName, describeError(error)));
  }
  if (view.status !== 'InService') return conflict(endpointNotInService(endpointName, view.status));
  if (!view.configName) return conflict(`endpoint ${endpointName} names no endpoint config`);
  const oldConfig = view.configName;

  const verdictAlarm = verdictAlarmName(endpointName);
  const alarms = rollbackAlarms(policy.blueGreen, verdictAlarm);
  const checked = await checkAlarms(deps, region, policy.blueGreen.alarms, verdictAlarm, request);
  if (checked) return checked;

  const rolloutId = newRolloutId(endpointName, ctx.now);
  const newConfig = blueGreenConfigName(endpointName, rolloutId);
  try {
    if (!(await configs.modelExists(model))) return notFound(modelNotFound(model, region));
    const current = await configs.describeConfig(oldConfig);
    if (!current) return conflict(`config ${oldConfig}, in service on ${endpointName}, cannot be read`);
    const serving = await configs.describeEndpoint(endpointName);
    const plan = planBlueGreenConfig(policy, model, current.variants, serving.instanceCounts);
    if (plan.kind === 'refused')
      return conflict(`cannot deploy ${model} to ${endpointName}: ${plan.problem}`);
    await configs.createConfig(newConfig, { variants: plan.variants, settings: current.settings });
    // SageMaker refuses a DeploymentConfig naming an alarm that does not exist: the verdict alarm first.
    await verdicts.ensureAlarm(endpointName);
  } catch (error) {
    return unavailable(endpointUnreadable(endpointName, describeError(error)));
  }

  // Gates at `beforeStart` hold the deployment itself: UpdateEndpoint waits until the tick's gates allow.
  const gates = hooksAt(policy, 'beforeStart', 'gate');
  const blueGreen: BlueGreenState = {
    phase: 'provisioning',
    since: ctx.now,
    model,
    newConfig,
    oldConfig,
    greenShare: 0,
    alarms,
    verdictAlarm,
    verdict: 'passing',
    rollbackRequested: null,
    ...(gates.length > 0 ? { sent: false } : {}),
  };
  let transition = startTransition(policy, blueGreen, ctx, request.reason);
  if (gates.length > 0) {
    const names = gates.map((gate) => gate.name);
    const reason = `${transition.decision.reason}; UpdateEndpoint waits at gate ${names.join(', ')} (beforeStart)`;
    transition = {
      state: {
        ...transition.state,
        message: reason,
        gate: {
          point: 'beforeStart',
          hooks: names,
          since: ctx.now,
          failures: 0,
          reason: 'not asked yet',
          ...gateLimits(gates),
          nextWeight: shareAt(policy.blueGreen, null, 0).share,
        },
      },
      decision: { ...transition.decision, reason },
    };
  }
  const owner = `operator:${ctx.correlationId}`;
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
  let record: RolloutRecord;
  try {
    record = await deps.store.create(
      {
        endpointName,
        region,
        policyText: text,
        policy,
        state: transition.state,
        // SageMaker carries the traffic: the mirrored share is what the endpoint has, never an intent to send.
        appliedCanaryWeight: 0,
        rolloutId,
        ...enqueue({ rolloutId }, 1, [
          {
            history: transitionHistory(transition, {
              time,
              rolloutId,
              version: 1,
              source: 'start',
              kind: 'start',
              correlationId: ctx.correlationId,
            }),
            notification,
          },
        ]),
        drainLease: { owner, until: (deps.wallNow ?? Date.now)() + DRAIN_LEASE_MS },
      },
      ctx.now,
    );
  } catch (error) {
    if (error instanceof RolloutExistsError) return conflict(error.message);
    throw error;
  }

  if (gates.length > 0) {
    const drained = await drainOutbox(deps, record, owner);
    return { ok: true, body: { outcome: 'deferred', rollout: summarize(drained.record) } };
  }
  try {
    await deployments.deploy(
      endpointName,
      newConfig,
      blueGreenDeploymentConfig(policy.blueGreen, verdictAlarm),
    );
  } catch (error) {
    const aborted = await abortUnsent(deps, record, ctx, describeError(error));
    return error instanceof EndpointNotReadyError
      ? conflict(`${endpointNotInService(endpointName, 'Updating')} (${aborted})`)
      : unavailable(aborted);
  }
  const drained = await drainOutbox(deps, record, owner);
  return { ok: true, body: { outcome: 'applied', rollout: summarize(drained.record) } };
}

/** The rollout as it starts: Progressing, the new fleet at 0 % while SageMaker provisions it. */
function startTransition(
  policy: RolloutPolicy & { blueGreen: NonNullable<RolloutPolicy['blueGreen']> },
  blueGreen: BlueGreenState,
  ctx: ControlContext,
  reason: string | undefined,
): Transition {
  const consecutiveFailures: Record<string, number> = {};
  for (const metric of policy.analysis.metrics) consecutiveFailures[metric.name] = 0;
  const message = describeBlueGreenStart({
    model: blueGreen.model,
    newConfig: blueGreen.newConfig,
    oldConfig: blueGreen.oldConfig,
    blueGreen: policy.blueGreen,
    alarms: blueGreen.alarms,
    operator: ctx.operator,
    ...(reason ? { reason } : {}),
  });
  const state: RolloutState = {
    endpointName: policy.endpoint.name,
    phase: 'Progressing',
    stepIndex: 0,
    stepStartedAt: ctx.now,
    startedAt: ctx.now,
    canaryWeight: 0,
    recent: [],
    lastPeriodTime: null,
    lastJudgedAt: null,
    consecutiveFailures,
    consecutiveInconclusive: 0,
    pauseCause: null,
    staged: null,
    alarmStates: {},
    message,
    blueGreen,
  };
  return { state, decision: { action: 'hold', reason: message, evidence: emptyEvidence() } };
}

/**
 * The alarms a deployment rolls back on, read before anything changes: the policy's must exist
 * (SageMaker refuses an update naming one that does not) and be out of ALARM (SageMaker would roll
 * back at its first check) unless forced; the verdict alarm may not exist yet, but one still in
 * ALARM from a previous deployment's failing verdict would roll this one back at once.
 */
async function checkAlarms(
  deps: ControlDeps,
  region: string,
  policyAlarms: ReadonlyArray<string>,
  verdictAlarm: string,
  request: StartRequest,
): Promise<ControlResult<never> | null> {
  let states: Map<string, string>;
  try {
    states = (await deps.alarmStates(region).read([...policyAlarms, verdictAlarm])).states;
  } catch (error) {
    return unavailable(
      `cannot start ${request.endpointName}: the alarms SageMaker rolls back on cannot be read (${describeError(error)})`,
    );
  }
  const missing = policyAlarms.filter((name) => !states.has(name));
  if (missing.length > 0)
    return conflict(
      `cannot start ${request.endpointName}: alarm ${missing.join(', ')} does not exist in ${region}; SageMaker refuses a deployment that names a missing alarm`,
    );
  if (states.get(verdictAlarm) === 'ALARM')
    return conflict(
      `cannot start ${request.endpointName}: the watchdog's verdict alarm ${verdictAlarm} is still in ALARM from the previous deployment; it returns to OK within a minute, then start again`,
    );
  const firing = policyAlarms.filter((name) => states.get(name) === 'ALARM');
  if (firing.length > 0 && !(request.force && request.reason))
    return conflict(
      `cannot start ${request.endpointName}: alarm ${firing.join(', ')} is in ALARM, so SageMaker would roll the deployment back at once; fix it, or start with force and a reason`,
    );
  return null;
}

/** SageMaker refused the UpdateEndpoint: the rollout ends Aborted with its words (nothing was deployed). */
async function abortUnsent(
  deps: ControlDeps,
  record: RolloutRecord,
  ctx: ControlContext,
  error: string,
): Promise<string> {
  const reason = `blue/green deployment not started: SageMaker refused UpdateEndpoint (${error}); nothing changed on the endpoint`;
  const state: RolloutState = {
    ...record.state,
    phase: 'Aborted',
    message: reason,
    blueGreen: record.state.blueGreen ? { ...record.state.blueGreen, failureReason: error } : null,
  };
  const version = record.version + 1;
  const owner = `operator:${ctx.correlationId}`;
  const transition: Transition = { state, decision: { action: 'hold', reason, evidence: emptyEvidence() } };
  const notification = notificationFromTransition({
    policy: record.policy,
    before: record.state,
    transition,
    source: 'operator',
    actor: ctx.operator,
    correlationId: ctx.correlationId,
    now: ctx.now,
    ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
  });
  try {
    const saved = await deps.store.save(
      {
        ...record,
        state,
        updatedAt: new Date(ctx.now).toISOString(),
        ...enqueue(record, version, [
          {
            history: transitionHistory(transition, {
              time: new Date(ctx.now).toISOString(),
              rolloutId: record.rolloutId,
              version,
              source: 'operator',
              kind: 'command',
              correlationId: ctx.correlationId,
            }),
            notification,
          },
        ]),
      },
      record.version,
    );
    await drainOutbox(deps, saved, owner);
  } catch (caught) {
    if (!(caught instanceof VersionConflictError)) throw caught;
  }
  return reason;
}
