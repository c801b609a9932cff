import { applyCommand } from '../domain/index';
import { isShadowing } from '../domain/judge-shadow';
import type { Evidence, RolloutState, Transition, VariantSummary } from '../domain/types';
import { alertNotification } from '../notify/notification';
import { EndpointNotFoundError, type EndpointSnapshot } from '../ports/endpoint-weights';
import type { RolloutRecord } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import {
  type AlertWording,
  describeEndpointBroken,
  describeEndpointMissing,
  describeVariantsMissing,
  describeWeightsDrift,
} from '../wording/describe-alert';
import {
  describeEndpointBusy,
  describeEndpointUnreadable,
  describePendingWeights,
  describeReconciled,
} from '../wording/describe-weights';
import {
  applyIntent,
  canaryShare,
  commitTransition,
  describeError,
  missingVariants,
  type TransitionSource,
  WEIGHT_TOLERANCE_PCT,
  writeHistory,
} from './commit-transition';
import { type WatchdogDeps } from './watchdog-deps';

/** Statuses after which automation must stop for a person. */
const BROKEN_STATUSES: ReadonlySet<string> = new Set(['Failed', 'UpdateRollbackFailed', 'OutOfService']);

export type ReconcileResult =
  /** The endpoint agrees with the record: judge now. */
  | { kind: 'proceed'; record: RolloutRecord; snapshot: EndpointSnapshot }
  /** Not this run (endpoint busy, pending weights applied or deferred, SageMaker unavailable). */
  | { kind: 'hold'; record: RolloutRecord; reason: string }
  /** Reconcile paused or aborted the rollout (drift, missing variant, failed/missing endpoint). */
  | { kind: 'stopped'; record: RolloutRecord; reason: string }
  /** Another writer changed the record while reconciling: re-read and try again. */
  | { kind: 'conflict'; record: RolloutRecord };

export interface ReconcileOptions {
  /** Epoch ms (the event's time). */
  now: number;
  correlationId: string;
  source?: TransitionSource;
}

/**
 * Compares the endpoint (DescribeEndpoint, the source of truth for weights) with the record before
 * anything is decided. In order:
 * - endpoint missing or Failed → pause the rollout (automation stops) and alert;
 * - a policy variant missing → abort and alert critical; weights are never sent for unverified names;
 * - endpoint busy (Updating, ...) → hold, no weights call;
 * - pending intent (`state.canaryWeight !== appliedCanaryWeight`) → apply it (repairs a crash
 *   between the intent write, the weights call and the confirm write) and hold for this run;
 * - weights that disagree with the applied state (a person changed them) → pause, adopt the
 *   endpoint's weights, alert: the watchdog never fights a person.
 */
export async function reconcileEndpoint(
  deps: WatchdogDeps,
  read: RolloutRecord,
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const log = deps.log ?? SILENT_LOG;
  let record = read;
  const { endpointName, policy, state } = read;
  // SageMaker's blue/green deployment carries the traffic: nothing here is the watchdog's to repair.
  if (state.blueGreen)
    return { kind: 'hold', record, reason: "SageMaker's blue/green deployment runs the traffic" };
  let snapshot: EndpointSnapshot;
  try {
    snapshot = await deps.endpoints(record.region).describe(endpointName);
  } catch (error) {
    if (error instanceof EndpointNotFoundError) {
      return stop(deps, record, options, {
        command: 'pause',
        alert: describeEndpointMissing({ endpointName, region: record.region }),
      });
    }
    // Throttling after the SDK's retries, 5xx: change nothing this run.
    log.warn('DescribeEndpoint failed; holding', { endpointName, error: describeError(error) });
    return { kind: 'hold', record, reason: describeEndpointUnreadable(describeError(error)) };
  }

  if (BROKEN_STATUSES.has(snapshot.status)) {
    return stop(deps, record, options, {
      command: 'pause',
      alert: describeEndpointBroken({
        endpointName,
        status: snapshot.status,
        failureReason: snapshot.failureReason ?? null,
      }),
    });
  }

  // During a shadow phase the canary variant's name belongs to the shadow, not a production variant.
  const missing = missingVariants(policy, snapshot).filter(
    (name) => !(isShadowing(state) && name === policy.endpoint.canaryVariant),
  );
  if (missing.length > 0) {
    return stop(deps, record, options, {
      command: 'abort',
      alert: describeVariantsMissing({
        endpointName,
        missing,
        present: snapshot.variants.map((v) => v.name),
      }),
      skipWeights: true,
    });
  }

  // Creating, Updating, SystemUpdating, RollingBack, Deleting: someone is changing the endpoint;
  // wait, never send weights.
  if (snapshot.status !== 'InService') {
    return { kind: 'hold', record, reason: describeEndpointBusy(snapshot.status) };
  }

  if (state.canaryWeight !== record.appliedCanaryWeight) {
    const applied = await applyIntent(deps, record, { now: options.now, snapshot });
    const reason = describePendingWeights(state.canaryWeight, applied.status, applied.error);
    if (applied.called) {
      // An audit line, not a decision (the decision that set this weight has its own entry): the
      // weights a previous run decided had to be sent again (it crashed, or SageMaker failed the update).
      await writeHistory(deps, endpointName, {
        time: new Date(options.now).toISOString(),
        rolloutId: record.rolloutId,
        version: applied.record.version,
        source: 'reconcile',
        kind: 'weights',
        phase: applied.record.state.phase,
        stepIndex: applied.record.state.stepIndex,
        canaryWeight: state.canaryWeight,
        reason: describeReconciled(state.canaryWeight),
        correlationId: options.correlationId,
      });
    }
    if (applied.status === 'applied') {
      // The endpoint now serves what the record says: judge in this same run.
      record = applied.record;
    } else {
      if (applied.status === 'failed')
        log.warn('pending weights not applied', {
          endpointName,
          status: applied.status,
          error: applied.error,
        });
      return { kind: 'hold', record: applied.record, reason };
    }
  }

  const actual = canaryShare(policy, snapshot);
  if (actual !== null && Math.abs(actual - state.canaryWeight) >= WEIGHT_TOLERANCE_PCT) {
    const adopted = Math.min(100, Math.max(0, Math.round(actual)));
    return stop(deps, record, options, {
      command: state.phase === 'Progressing' ? 'pause' : null,
      alert: describeWeightsDrift({ actualWeight: actual, intendedWeight: state.canaryWeight }),
      adoptCanaryWeight: adopted,
    });
  }
  return { kind: 'proceed', record, snapshot };
}

interface StopPlan {
  /** Engine command that stops automation (null: keep the phase, e.g. already paused). */
  command: 'pause' | 'abort' | null;
  /** What reconcile found, in words: the stop's reason and the alert's. */
  alert: AlertWording;
  skipWeights?: boolean;
  /** Record the endpoint's canary weight as both intended and applied (drift). */
  adoptCanaryWeight?: number;
}

/**
 * Stops automation through the engine (pause or abort) plus exactly one alert, enqueued in the
 * write that changed the rollout (an already paused rollout is not alerted again).
 */
async function stop(
  deps: WatchdogDeps,
  record: RolloutRecord,
  options: ReconcileOptions,
  plan: StopPlan,
): Promise<ReconcileResult> {
  const { policy } = record;
  const { kind, reason } = plan.alert;
  let transition: Transition | null = null;
  if (plan.command && (record.state.phase === 'Progressing' || plan.command === 'abort')) {
    const result = applyCommand(policy, record.state, { type: plan.command, reason }, options.now);
    if (result.ok) transition = result.transition;
  }
  let state: RolloutState = transition?.state ?? record.state;
  if (plan.adoptCanaryWeight !== undefined) state = { ...state, canaryWeight: plan.adoptCanaryWeight };
  if (state !== record.state) state = { ...state, message: reason };
  if (state === record.state) return { kind: 'stopped', record, reason };

  const alert = alertNotification({
    kind,
    endpointName: record.endpointName,
    region: record.region,
    now: options.now,
    reason,
    policy,
    state,
    correlationId: options.correlationId,
    source: 'system',
    ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
  });
  const committed = await commitTransition(
    deps,
    plan.adoptCanaryWeight !== undefined
      ? { ...record, appliedCanaryWeight: plan.adoptCanaryWeight }
      : record,
    {
      state,
      decision: {
        action: transition?.decision.action ?? (state.phase === 'Paused' ? 'pause' : 'hold'),
        reason,
        evidence: transition?.decision.evidence ?? EMPTY_EVIDENCE,
      },
    },
    {
      source: options.source ?? 'tick',
      correlationId: options.correlationId,
      now: options.now,
      notification: alert,
      ...(plan.skipWeights ? { skipWeights: true } : {}),
    },
  );
  if (committed.outcome === 'conflict') return { kind: 'conflict', record };
  return { kind: 'stopped', record: committed.record, reason };
}

const EMPTY_SUMMARY: VariantSummary = {
  invocations: 0,
  errors5xx: 0,
  errors4xx: 0,
  errorRate: null,
  latencyP99Ms: null,
};

/** Evidence of a decision taken without metrics (reconcile, alerts). */
export const EMPTY_EVIDENCE: Evidence = {
  windowStart: null,
  windowEnd: null,
  baseline: EMPTY_SUMMARY,
  canary: EMPTY_SUMMARY,
  metrics: [],
};
