import { decideAtGate, gateProposal, passGateProposal } from '../domain/gate-decision';
import { type GatePoint, gatePointsCrossed, hooksAt } from '../domain/gate-points';
import { isFinal } from '../domain/is-final';
import type { HookPoint, HookPolicy, Transition } from '../domain/types';
import type { HookCaller, HookCallResult, HookRequest } from '../ports/hook-caller';
import type { HistoryEntry, RolloutRecord } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import { describeHookCall } from '../wording/describe-hook-call';
import { describeError } from './commit-transition';
import type { WatchdogDeps } from './watchdog-deps';

/** What asking and telling hooks needs: the caller (absent: hooks do not apply) and the history. */
export interface HookDeps extends Pick<WatchdogDeps, 'store' | 'log'> {
  hooks?: HookCaller;
}

export interface HookContext {
  /** The decision's time (the tick's event time). Epoch ms. */
  now: number;
  correlationId: string;
}

/**
 * Asks the gates of every point the engine's transition crosses (`gateProposal`: the first
 * weights of a rollout waiting at its `beforeStart` gate, a later `setWeight`, a promotion), all
 * of a point's gates at once, points in order, and returns the transition to commit: the
 * engine's (or the released start) when every gate allowed, else the rollout held at the first
 * point whose gates said no, or failed into a rollback or a pause at their `failureLimit`
 * (`decideAtGate`). Every call and its answer is appended to the rollout's history. Without a
 * hook caller, or without gates, the engine's transition is returned as it is.
 */
export async function passGates(
  deps: HookDeps,
  record: RolloutRecord,
  engine: Transition,
  ctx: HookContext,
): Promise<Transition> {
  const policy = record.policy;
  if (!deps.hooks || ((policy.hooks ?? []).length === 0 && !record.state.gate)) return engine;
  const proposal = gateProposal(policy, record.state, engine, ctx.now);
  const entries: HistoryEntry[] = [];
  const passed: string[] = [];
  try {
    for (const point of proposal.points) {
      const gates = hooksAt(policy, point, 'gate');
      if (gates.length === 0) continue;
      const results = await callAll(
        deps.hooks,
        gates,
        hookRequest(record, proposal.transition, point, ctx.now),
      );
      entries.push(...results.map((result) => hookHistory(record, result, 'gate', ctx)));
      const held = decideAtGate(
        policy,
        record.state,
        proposal.transition,
        point,
        results.map((r) => ({ hook: r.hook, allow: r.allow, reason: r.reason, failed: r.failed })),
        ctx.now,
      );
      if (held) return held;
      passed.push(...gates.map((gate) => gate.name));
    }
    return passGateProposal(record.state, proposal.transition, proposal.points, passed);
  } finally {
    await appendHookHistory(deps, record.endpointName, entries);
  }
}

/**
 * Tells the `notify` hooks of what a committed transition did: the gate points it crossed, and
 * `afterEnd` (it ended the rollout: Promoted, RolledBack, Aborted) and `onRollback` (it rolled
 * back). Called after the commit; never blocks and never throws: a failed call is logged and
 * recorded in history like every other.
 */
export async function tellHooks(
  deps: HookDeps,
  before: RolloutRecord,
  committed: Transition,
  ctx: HookContext,
): Promise<void> {
  const hooks = before.policy.hooks ?? [];
  if (!deps.hooks || hooks.length === 0) return;
  const points: HookPoint[] = gatePointsCrossed(before.state, committed);
  const after = committed.state;
  if (isFinal(after.phase) && after.phase !== before.state.phase) points.push('afterEnd');
  if (after.phase === 'RolledBack' && before.state.phase !== 'RolledBack') points.push('onRollback');
  const entries: HistoryEntry[] = [];
  try {
    for (const point of points) {
      const told = hooksAt(before.policy, point, 'notify');
      if (told.length === 0) continue;
      const results = await callAll(deps.hooks, told, hookRequest(before, committed, point, ctx.now));
      for (const result of results) {
        // Stamped with the version the commit produced, so its keys never meet the gates' entries.
        entries.push(hookHistory({ ...before, version: before.version + 1 }, result, 'notify', ctx));
        if (!result.allow)
          (deps.log ?? SILENT_LOG).warn('notify hook call failed', {
            endpointName: before.endpointName,
            hook: result.hook,
            point,
            reason: result.reason,
          });
      }
    }
  } catch (error) {
    (deps.log ?? SILENT_LOG).warn('notify hooks failed', {
      endpointName: before.endpointName,
      error: describeError(error),
    });
  } finally {
    await appendHookHistory(deps, before.endpointName, entries);
  }
}

/**
 * `tellHooks` after a commit that threw: when the rollout as stored now is the transition's
 * (same rollout, a newer version, the transition's phase and weight), the decision was written
 * before the failure and its notify hooks are told; otherwise nothing was decided and nobody is.
 * Never throws.
 */
export async function tellHooksIfWritten(
  deps: HookDeps,
  before: RolloutRecord,
  committed: Transition,
  ctx: HookContext,
): Promise<void> {
  if (!deps.hooks || (before.policy.hooks ?? []).length === 0) return;
  try {
    const stored = await deps.store.get(before.endpointName);
    const written =
      stored !== undefined &&
      stored.rolloutId === before.rolloutId &&
      stored.version > before.version &&
      stored.state.phase === committed.state.phase &&
      stored.state.canaryWeight === committed.state.canaryWeight;
    if (written) await tellHooks(deps, before, committed, ctx);
  } catch (error) {
    (deps.log ?? SILENT_LOG).warn('notify hooks not told: the rollout could not be read', {
      endpointName: before.endpointName,
      error: describeError(error),
    });
  }
}

/** The request a hook is sent about `transition` at `point` (the move's target in `nextWeight`). */
export function hookRequest(
  record: RolloutRecord,
  transition: Transition,
  point: HookPoint,
  now: number,
): Omit<HookRequest, 'hook'> {
  const { state } = record;
  const request: Omit<HookRequest, 'hook'> = {
    point,
    endpointName: record.endpointName,
    region: record.region,
    rolloutId: record.rolloutId,
    stepIndex: state.stepIndex,
    canaryWeight: state.canaryWeight,
    phase: state.phase,
    time: new Date(now).toISOString(),
  };
  const model = record.endpointChange?.kind === 'add-canary' ? record.endpointChange.model : undefined;
  if (model) request.model = model;
  const gatePoint = point as GatePoint;
  if (gatePoint === 'beforeStart' || gatePoint === 'beforeStep')
    request.nextWeight = transition.state.canaryWeight;
  else if (point === 'afterEnd' || point === 'onRollback') {
    request.phase = transition.state.phase;
    request.canaryWeight = transition.state.canaryWeight;
  }
  return request;
}

/** Calls every hook in `hooks` with `request` at once; a caller that throws counts as a failed call. */
export async function callAll(
  caller: HookCaller,
  hooks: ReadonlyArray<HookPolicy>,
  request: Omit<HookRequest, 'hook'>,
): Promise<HookCallResult[]> {
  return Promise.all(
    hooks.map(async (hook) => {
      try {
        return await caller.call(hook, { ...request, hook: hook.name });
      } catch (error) {
        // A caller is not meant to throw; if it does, the hook counts as a failed call.
        return {
          hook: hook.name,
          point: request.point,
          allow: false,
          failed: true,
          reason: describeError(error),
          attempts: 1,
          ms: 0,
        };
      }
    }),
  );
}

/** The history entry of one hook call and its answer, about `record` as it stands. */
export function hookHistory(
  record: RolloutRecord,
  result: HookCallResult,
  kind: 'gate' | 'notify',
  ctx: HookContext,
): HistoryEntry {
  return {
    time: new Date(ctx.now).toISOString(),
    rolloutId: record.rolloutId,
    version: record.version,
    source: 'tick',
    kind: 'hook',
    phase: record.state.phase,
    stepIndex: record.state.stepIndex,
    canaryWeight: record.state.canaryWeight,
    reason: describeHookCall(result, kind),
    correlationId: ctx.correlationId,
    hook: result,
  };
}

/** History is an audit trail: a failed write is logged, never thrown (the decision stands). */
export async function appendHookHistory(
  deps: HookDeps,
  endpointName: string,
  entries: HistoryEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  try {
    await deps.store.appendHistory(endpointName, entries);
  } catch (error) {
    (deps.log ?? SILENT_LOG).warn('hook history write failed', { endpointName, error: describeError(error) });
  }
}
