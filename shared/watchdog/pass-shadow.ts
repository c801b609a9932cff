import type { EndpointChange } from '../domain/endpoint-change';
import { deferShadowPass, leftShadow } from '../domain/judge-shadow';
import type { Action, RolloutState, Transition } from '../domain/types';
import type { RolloutRecord } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import { advanceEndpointChange } from './advance-endpoint-change';
import { commitTransition, describeError } from './commit-transition';
import type { RolloutOutcome } from './run-tick';
import type { WatchdogDeps } from './watchdog-deps';

/** True when the engine's decision left the shadow `before` judged (its first weight waits on the endpoint). */
export function isShadowPass(before: RolloutState, transition: Transition): boolean {
  return leftShadow(before, transition.state);
}

/** The shadow's model becomes the canary production variant at 0 %, from now (the model the shadow runs). */
function canaryFromShadow(record: RolloutRecord, now: number): EndpointChange {
  const model = record.endpointChange?.model;
  return {
    kind: 'shadow-to-canary',
    status: 'waiting',
    dueAt: now,
    since: now,
    attempt: 1,
    ...(model ? { model } : {}),
  };
}

/**
 * A shadow that passed, on an endpoint: the pass is written with the canary still at 0 % (no
 * weight can reach a shadow variant) together with the `shadow-to-canary` endpoint change, which
 * is begun at once; once the canary variant is in service, the change applies the first step's
 * weight (see advance-endpoint-change.ts). Null on a version conflict: the caller re-reads and
 * decides again.
 */
export async function passShadow(
  deps: WatchdogDeps,
  record: RolloutRecord,
  transition: Transition,
  ctx: { now: number; correlationId: string },
): Promise<{
  endpointName: string;
  outcome: RolloutOutcome;
  action: Action;
  reason: string;
  notified: boolean;
  canaryWeight: number;
} | null> {
  const deferred = deferShadowPass(record.state, transition, ctx.now) ?? transition;
  const committed = await commitTransition(deps, record, deferred, {
    source: 'tick',
    correlationId: ctx.correlationId,
    now: ctx.now,
    patch: { endpointChange: canaryFromShadow(record, ctx.now) },
  });
  if (committed.outcome === 'conflict') return null;
  let reason = deferred.decision.reason;
  try {
    const stepped = await advanceEndpointChange(deps, committed.record, {
      now: ctx.now,
      correlationId: ctx.correlationId,
      source: 'tick',
    });
    if (stepped.kind === 'waiting' || stepped.kind === 'progressed') reason = `${reason} (${stepped.reason})`;
  } catch (error) {
    // The pass is written; the next tick carries the canary's deployment on.
    (deps.log ?? SILENT_LOG).warn('canary deployment from the shadow not begun yet', {
      endpointName: record.endpointName,
      error: describeError(error),
    });
  }
  return {
    endpointName: record.endpointName,
    outcome: 'endpoint-changed',
    action: deferred.decision.action,
    reason,
    notified: committed.notification !== undefined,
    canaryWeight: 0,
  };
}
