import type { BlueGreenPhase, BlueGreenPolicy, BlueGreenState } from './types';

/** One VariantStatus entry of a variant being deployed (DescribeEndpoint's PendingDeploymentSummary). */
export interface VariantStatusView {
  /** `Creating`, `Updating`, `Deleting`, `ActivatingTraffic`, `Baking`. */
  status: string;
  /** Epoch ms; null when SageMaker gave none. */
  startTime: number | null;
  message?: string;
}

/** What DescribeEndpoint says about an endpoint during (and after) a blue/green deployment. */
export interface BlueGreenEndpointView {
  /** `Updating`, `RollingBack`, `InService`, `UpdateRollbackFailed`, `Failed`, ... */
  status: string;
  failureReason: string | null;
  /** The config in service: the old one until the deployment completes. */
  configName: string | null;
  /** The config being deployed (PendingDeploymentSummary), or null. */
  pendingConfigName: string | null;
  /** Statuses of the green fleet's variants, all variants together. */
  pendingStatuses: ReadonlyArray<VariantStatusView>;
  /** Instances the green fleet asks for (the size unit of INSTANCE_COUNT routing); null when unknown. */
  greenInstanceCount: number | null;
}

/**
 * Where the deployment stands: a phase and the green share of the traffic, or `other` when the
 * endpoint does something this deployment did not start (someone else's update).
 */
export type BlueGreenReading =
  | {
      kind: 'deployment';
      phase: BlueGreenPhase;
      greenShare: number;
      failureReason: string | null;
      /** When the new fleet first took traffic (epoch ms), once it has: the caller keeps it for the next reading. */
      trafficStartedAt?: number;
    }
  | { kind: 'other'; reason: string };

const TRAFFIC_STATUSES: ReadonlySet<string> = new Set(['ActivatingTraffic', 'Baking']);
const BROKEN_STATUSES: ReadonlySet<string> = new Set(['UpdateRollbackFailed', 'Failed', 'OutOfService']);

/**
 * Reads the deployment's phase from DescribeEndpoint:
 * - `InService` on the new config: completed (green takes all traffic);
 * - `InService` on the old config once the update was sent: rolled back (SageMaker's FailureReason says why);
 * - `RollingBack`: traffic is going back to the old fleet;
 * - `UpdateRollbackFailed` (or `Failed`, `OutOfService`): the rollback failed and a person decides;
 * - `Updating` with the new config pending: provisioning until a green variant activates traffic, then
 *   shifting while the green share is below 100 %, then the final bake.
 * The share comes from the newest traffic status's message when it gives one (`traffic on 10% of
 * the new fleet's capacity`); otherwise it follows from the policy's routing and the time since
 * the first traffic status began (CANARY: the canary size for one wait interval, then all; LINEAR:
 * one more step each wait interval; ALL_AT_ONCE: all at once, its wait being the shift's own bake). Inputs that drive it: the endpoint view, the configs of the deployment, the policy's
 * routing, and `now` (epoch ms).
 */
export function readBlueGreenPhase(
  view: BlueGreenEndpointView,
  deployment: Pick<BlueGreenState, 'newConfig' | 'oldConfig' | 'greenShare' | 'trafficStartedAt'>,
  policy: BlueGreenPolicy,
  now: number,
): BlueGreenReading {
  const failureReason = view.failureReason;
  if (BROKEN_STATUSES.has(view.status))
    return { kind: 'deployment', phase: 'rollbackFailed', greenShare: deployment.greenShare, failureReason };
  if (view.status === 'RollingBack')
    return { kind: 'deployment', phase: 'rollingBack', greenShare: 0, failureReason };
  if (view.status === 'InService') {
    if (view.configName === deployment.newConfig)
      return { kind: 'deployment', phase: 'completed', greenShare: 100, failureReason: null };
    if (view.configName === deployment.oldConfig)
      return { kind: 'deployment', phase: 'rolledBack', greenShare: 0, failureReason };
    return { kind: 'other', reason: `the endpoint runs config ${view.configName ?? '(none)'}` };
  }
  if (view.pendingConfigName !== deployment.newConfig)
    return {
      kind: 'other',
      reason: `the endpoint is ${view.status} deploying ${view.pendingConfigName ?? 'no config'}`,
    };
  // A variant status's StartTime is when its current status began, so after the first shift the
  // statuses no longer tell when traffic started: the first reading that saw it is remembered.
  const seen = firstTrafficTime(view.pendingStatuses);
  const trafficStart =
    deployment.trafficStartedAt ?? (seen === null ? null : Number.isFinite(seen) ? seen : now);
  if (trafficStart === null)
    return { kind: 'deployment', phase: 'provisioning', greenShare: 0, failureReason };
  const timed = shareAt(policy, view.greenInstanceCount, now - trafficStart);
  const reported = reportedShare(view.pendingStatuses);
  const greenShare = reported?.share ?? timed.share;
  const finalBake = reported
    ? (reported.finalBake ?? (greenShare >= 100 && timed.finalBake))
    : timed.finalBake;
  return {
    kind: 'deployment',
    phase: finalBake ? 'baking' : 'shifting',
    greenShare,
    failureReason,
    trafficStartedAt: trafficStart,
  };
}

/**
 * The share the newest traffic status's message gives (`... traffic on 10% of the new fleet's
 * capacity`), and whether it names the final bake (TerminationWaitInSeconds); null without one.
 */
function reportedShare(
  statuses: ReadonlyArray<VariantStatusView>,
): { share: number; finalBake: boolean | undefined } | null {
  let newest: VariantStatusView | null = null;
  for (const s of statuses) {
    if (!TRAFFIC_STATUSES.has(s.status) || !s.message) continue;
    if (newest === null || (s.startTime ?? 0) >= (newest.startTime ?? 0)) newest = s;
  }
  const match = newest?.message ? /(\d+(?:\.\d+)?)\s*%/.exec(newest.message) : null;
  if (!newest?.message || !match) return null;
  const share = Math.max(0, Math.min(100, Math.round(Number(match[1]))));
  const finalBake = /TerminationWait/i.test(newest.message) ? true : share < 100 ? false : undefined;
  return { share, finalBake };
}

/** Earliest start of a traffic status (ActivatingTraffic, Baking) of the green fleet, or null. */
function firstTrafficTime(statuses: ReadonlyArray<VariantStatusView>): number | null {
  let first: number | null = null;
  let seen = false;
  for (const s of statuses) {
    if (!TRAFFIC_STATUSES.has(s.status)) continue;
    seen = true;
    if (s.startTime !== null && (first === null || s.startTime < first)) first = s.startTime;
  }
  // A traffic status without a time: traffic flows, from when is unknown (the caller takes now).
  return first ?? (seen ? Number.POSITIVE_INFINITY : null);
}

/**
 * The green share `elapsedMs` after the first shift, and whether the final bake (all traffic on
 * green, after the routing's last wait) has begun.
 */
export function shareAt(
  policy: BlueGreenPolicy,
  greenInstanceCount: number | null,
  elapsedMs: number,
): { share: number; finalBake: boolean } {
  const { routing } = policy;
  const elapsed = Number.isFinite(elapsedMs) ? Math.max(0, elapsedMs) : 0;
  const waitMs = routing.waitSeconds * 1000;
  if (routing.type === 'allAtOnce') return { share: 100, finalBake: elapsed >= waitMs };
  const step = sizePercent(routing.size, greenInstanceCount);
  if (routing.type === 'canary') {
    if (elapsed < waitMs && step < 100) return { share: step, finalBake: false };
    return { share: 100, finalBake: true };
  }
  const steps = waitMs > 0 ? Math.floor(elapsed / waitMs) + 1 : Number.POSITIVE_INFINITY;
  const share = Math.min(100, steps * step);
  return { share: Math.round(share), finalBake: share >= 100 };
}

/** A routing size as a percent of the green fleet's capacity (at least 1, at most 100). */
function sizePercent(
  size: { unit: 'capacityPercent' | 'instanceCount'; value: number },
  greenInstanceCount: number | null,
): number {
  const pct =
    size.unit === 'capacityPercent'
      ? size.value
      : greenInstanceCount && greenInstanceCount > 0
        ? (size.value / greenInstanceCount) * 100
        : 100;
  return Math.max(1, Math.min(100, Math.round(pct)));
}

/**
 * The alarm that rolled the deployment back: the one SageMaker's FailureReason names (the longest
 * name found, so `x-5xx-high` wins over `x-5xx`), else the only one of `alarms` in ALARM, else null.
 */
export function rollbackAlarm(
  failureReason: string | null,
  alarms: ReadonlyArray<string>,
  states: Readonly<Record<string, string>> = {},
): string | null {
  if (failureReason) {
    const named = alarms.filter((a) => failureReason.includes(a)).sort((a, b) => b.length - a.length);
    if (named[0]) return named[0];
  }
  const firing = alarms.filter((a) => states[a] === 'ALARM');
  return firing.length > 0 ? firing[0]! : null;
}
