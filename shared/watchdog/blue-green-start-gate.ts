import { blueGreenDeploymentConfig } from '../domain/blue-green-deployment-config';
import { hooksAt } from '../domain/gate-points';
import type { RolloutState } from '../domain/types';
import type { HookCaller, HookCallResult } from '../ports/hook-caller';
import { EndpointNotReadyError } from '../ports/endpoint-weights';
import type { HistoryEntry, RolloutRecord } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import { describeHookCall } from '../wording/describe-hook-call';
import { describeError } from './commit-transition';
import { isRetryableFailure } from './is-retryable-failure';
import { type BlueGreenWatch, commitBlueGreen } from './commit-blue-green';
import type { WatchdogDeps } from './watchdog-deps';

export interface StartGateContext {
  /** Epoch ms (the event's time). */
  now: number;
  correlationId: string;
  /** Calls the policy's hooks; without it the gate waits (and says so). */
  hooks?: HookCaller;
}

/**
 * A blue/green start waiting at its `beforeStart` gate (UpdateEndpoint not sent yet): the tick
 * asks the gates each minute. All allow → UpdateEndpoint with the policy's DeploymentConfig is
 * sent and the deployment is watched from then on. A "no" or a failed call counts; at the gates'
 * `failureLimit` in a row the rollout ends as `onFailure` says: `rollback` ends it RolledBack and
 * `pause` waits Paused for a person (resume asks again) — nothing was deployed either way. Every
 * call and answer goes into history.
 *
 * Inputs that drive it: the policy's gates at beforeStart, their answers, the gate's count so far,
 * and SageMaker's answer to the UpdateEndpoint.
 */
export async function passBlueGreenStartGate(
  deps: WatchdogDeps,
  record: RolloutRecord,
  ctx: StartGateContext,
): Promise<BlueGreenWatch> {
  const bg = record.state.blueGreen;
  const gate = record.state.gate;
  const policy = record.policy;
  if (!bg || !gate || !policy.blueGreen)
    return { kind: 'watched', outcome: 'held', reason: 'no blue/green start gate' };
  if (record.state.phase === 'Paused')
    return { kind: 'watched', outcome: 'held', reason: `paused at gate ${gate.hooks.join(', ')}` };
  if (!ctx.hooks) return { kind: 'watched', outcome: 'held', reason: 'this function cannot call hooks' };
  const gates = hooksAt(policy, 'beforeStart', 'gate');
  const results: HookCallResult[] = await Promise.all(
    gates.map((hook) =>
      ctx.hooks!.call(hook, {
        hook: hook.name,
        point: 'beforeStart',
        endpointName: record.endpointName,
        region: record.region,
        rolloutId: record.rolloutId,
        model: bg.model,
        stepIndex: 0,
        canaryWeight: 0,
        ...(gate.nextWeight !== null ? { nextWeight: gate.nextWeight } : {}),
        phase: record.state.phase,
        time: new Date(ctx.now).toISOString(),
      }),
    ),
  );
  await appendHistory(deps, record, results, ctx);
  const refused = results.filter((r) => !r.allow);
  if (refused.length === 0) return deploy(deps, record, ctx, results);

  const failures = gate.failures + 1;
  const reason = refused.map((r) => `${r.hook}: ${r.reason}`).join('; ');
  const names = refused.map((r) => r.hook);
  if (failures < gate.failureLimit) {
    const state: RolloutState = {
      ...record.state,
      gate: { ...gate, hooks: names, failures, reason },
      message: `waits at gate ${names.join(', ')} before UpdateEndpoint (${failures} of ${gate.failureLimit}): ${reason}`,
    };
    return commitBlueGreen(deps, record, ctx, state, 'hold', state.message, undefined, undefined, true);
  }
  if (gate.onFailure === 'pause') {
    const message = `gate ${names.join(', ')} said no ${failures} times in a row before UpdateEndpoint: ${reason}; paused for a person (resume asks again, abort gives up); nothing was deployed`;
    const state: RolloutState = {
      ...record.state,
      phase: 'Paused',
      pauseCause: 'gate',
      gate: { ...gate, hooks: names, failures, reason },
      message,
    };
    return commitBlueGreen(deps, record, ctx, state, 'pause', message);
  }
  const message = `gate ${names.join(', ')} said no ${failures} times in a row before UpdateEndpoint: ${reason}; rolled back before anything was deployed (the endpoint still runs config ${bg.oldConfig})`;
  const state: RolloutState = { ...record.state, phase: 'RolledBack', gate: null, message };
  return commitBlueGreen(deps, record, ctx, state, 'rollback', message);
}

/** The gates allowed: UpdateEndpoint with the DeploymentConfig, then the deployment is watched. */
async function deploy(
  deps: WatchdogDeps,
  record: RolloutRecord,
  ctx: StartGateContext,
  results: ReadonlyArray<HookCallResult>,
): Promise<BlueGreenWatch> {
  const bg = record.state.blueGreen!;
  const policy = record.policy;
  try {
    await deps
      .blueGreen?.(record.region)
      .deploy(
        record.endpointName,
        bg.newConfig,
        blueGreenDeploymentConfig(policy.blueGreen!, bg.verdictAlarm),
      );
  } catch (error) {
    if (error instanceof EndpointNotReadyError || isRetryableFailure(error))
      return {
        kind: 'watched',
        outcome: 'held',
        reason: `gate allowed; UpdateEndpoint not sent yet (${describeError(error)}), asked again next tick`,
      };
    const message = `gate ${results.map((r) => r.hook).join(', ')} allowed, but SageMaker refused UpdateEndpoint (${describeError(error)}); nothing changed on the endpoint`;
    const state: RolloutState = {
      ...record.state,
      phase: 'Aborted',
      gate: null,
      blueGreen: { ...bg, failureReason: describeError(error) },
      message,
    };
    return commitBlueGreen(deps, record, ctx, state, 'hold', message);
  }
  const message = `gate ${results.map((r) => r.hook).join(', ')} allowed: UpdateEndpoint to config ${bg.newConfig} sent through SageMaker's guardrails`;
  const state: RolloutState = {
    ...record.state,
    gate: null,
    blueGreen: { ...bg, sent: true, since: ctx.now },
    message,
  };
  return commitBlueGreen(deps, record, ctx, state, 'advance', message);
}

/** Each gate call and its answer, in history (an audit trail: a failed write is logged, never thrown). */
async function appendHistory(
  deps: WatchdogDeps,
  record: RolloutRecord,
  results: ReadonlyArray<HookCallResult>,
  ctx: StartGateContext,
): Promise<void> {
  const entries: HistoryEntry[] = results.map((result) => ({
    time: new Date(ctx.now).toISOString(),
    rolloutId: record.rolloutId,
    version: record.version,
    source: 'tick',
    kind: 'hook',
    phase: record.state.phase,
    stepIndex: record.state.stepIndex,
    canaryWeight: record.state.canaryWeight,
    reason: describeHookCall(result, 'gate'),
    correlationId: ctx.correlationId,
    hook: result,
  }));
  try {
    await deps.store.appendHistory(record.endpointName, entries);
  } catch (error) {
    (deps.log ?? SILENT_LOG).warn('hook history write failed', {
      endpointName: record.endpointName,
      error: describeError(error),
    });
  }
}
