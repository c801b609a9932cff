/**
 * SageMaker's blue/green deployment (UpdateEndpoint with `DeploymentConfig`): the request's
 * `BlueGreenUpdatePolicy` and `AutoRollbackConfiguration` checked as SageMaker checks them, and
 * the traffic stages the deployment goes through once the new (green) fleet is provisioned:
 * - ALL_AT_ONCE: all traffic to green, then `WaitIntervalInSeconds` as that step's bake;
 * - CANARY: the canary size for `WaitIntervalInSeconds`, then all traffic;
 * - LINEAR: one more step size each `WaitIntervalInSeconds` until all traffic is on green;
 * then the final bake, `TerminationWaitInSeconds` with all traffic on green. Each shift shows as
 * `ActivatingTraffic` for a moment, then `Baking`. Pure: the emulation decides when to start it.
 */
import { AwsError } from '../../aws-error';

/** Simulated ms a traffic shift shows as `ActivatingTraffic` before `Baking` (within the step's wait). */
export const DEFAULT_TRAFFIC_ACTIVATION_MS = 30_000;

/** Longest wait interval and final bake SageMaker accepts, seconds. */
export const MAX_WAIT_SECONDS = 3600;
/**
 * Shortest and longest `MaximumExecutionTimeoutInSeconds` SageMaker accepts in a
 * BlueGreenUpdatePolicy (8 hours; a RollingUpdatePolicy's own limit is 4 hours).
 */
export const MIN_EXECUTION_TIMEOUT_SECONDS = 600;
export const MAX_EXECUTION_TIMEOUT_SECONDS = 28_800;

export type RoutingType = 'ALL_AT_ONCE' | 'CANARY' | 'LINEAR';

export interface CapacitySize {
  Type: 'INSTANCE_COUNT' | 'CAPACITY_PERCENT';
  Value: number;
}

/** A checked `DeploymentConfig`, in simulated ms. */
export interface BlueGreenPlan {
  type: RoutingType;
  waitMs: number;
  /** CANARY: the canary's size; LINEAR: each step's size. */
  size?: CapacitySize;
  terminationWaitMs: number;
  /** Absent: no limit of the sandbox's own. */
  maximumExecutionMs?: number;
  /** The alarms the deployment rolls back on. */
  alarms: string[];
}

/** One stretch of a deployment's traffic: a variant status and the green fleet's share during it. */
export interface TrafficStage {
  status: 'ActivatingTraffic' | 'Baking';
  /** Simulated epoch ms, inclusive. */
  from: number;
  /** Simulated epoch ms, exclusive. */
  to: number;
  /** Share of the requests the green fleet serves, 0..1. */
  greenShare: number;
  /** The final bake: all traffic on green for `TerminationWaitInSeconds`. */
  finalBake: boolean;
  /** What SageMaker's `StatusMessage` says about the stage. */
  message: string;
}

const validation = (message: string) => new AwsError('ValidationException', message, 400);
const PATH = 'deploymentConfig.blueGreenUpdatePolicy';
const ROUTING = `${PATH}.trafficRoutingConfiguration`;

/**
 * Checks an UpdateEndpoint's `DeploymentConfig`; the first problem is thrown as SageMaker's
 * ValidationException. `alarmExists` says whether a CloudWatch alarm of that name exists in the
 * endpoint's region (SageMaker refuses a rollback alarm it cannot find).
 */
export function parseDeploymentConfig(raw: unknown, alarmExists: (name: string) => boolean): BlueGreenPlan {
  const config = record(raw, 'deploymentConfig');
  if (config.RollingUpdatePolicy !== undefined) {
    throw validation('The sandbox emulates BlueGreenUpdatePolicy deployments only, not RollingUpdatePolicy.');
  }
  const policy = record(config.BlueGreenUpdatePolicy, PATH);
  const routing = record(policy.TrafficRoutingConfiguration, ROUTING);
  const type = routing.Type;
  if (type !== 'ALL_AT_ONCE' && type !== 'CANARY' && type !== 'LINEAR') {
    throw validation(
      `1 validation error detected: Value '${String(type)}' at '${ROUTING}.type' failed to satisfy constraint: Member must satisfy enum value set: [ALL_AT_ONCE, CANARY, LINEAR]`,
    );
  }
  const wait = seconds(
    routing.WaitIntervalInSeconds,
    `${ROUTING}.waitIntervalInSeconds`,
    0,
    MAX_WAIT_SECONDS,
  );
  if (wait === undefined) {
    throw validation(
      `1 validation error detected: Value null at '${ROUTING}.waitIntervalInSeconds' failed to satisfy constraint: Member must not be null`,
    );
  }
  const termination =
    seconds(policy.TerminationWaitInSeconds, `${PATH}.terminationWaitInSeconds`, 0, MAX_WAIT_SECONDS) ?? 0;
  const maximum = seconds(
    policy.MaximumExecutionTimeoutInSeconds,
    `${PATH}.maximumExecutionTimeoutInSeconds`,
    MIN_EXECUTION_TIMEOUT_SECONDS,
    MAX_EXECUTION_TIMEOUT_SECONDS,
  );
  let size: CapacitySize | undefined;
  if (type === 'CANARY' || type === 'LINEAR') {
    const field = type === 'CANARY' ? 'CanarySize' : 'LinearStepSize';
    if (routing[field] === undefined || routing[field] === null) {
      throw validation(`${field} must be specified when the traffic routing type is ${type}.`);
    }
    size = capacitySize(routing[field], `${ROUTING}.${field.charAt(0).toLowerCase()}${field.slice(1)}`);
  }
  const rollback = config.AutoRollbackConfiguration;
  const alarms =
    rollback === undefined || rollback === null
      ? []
      : (() => {
          const list = record(rollback, 'deploymentConfig.autoRollbackConfiguration').Alarms;
          if (list === undefined) return [];
          if (!Array.isArray(list)) {
            throw validation(
              "1 validation error detected: Value at 'deploymentConfig.autoRollbackConfiguration.alarms' failed to satisfy constraint: Member must be a list",
            );
          }
          return list.map((entry: unknown, index) => {
            const name = (entry as { AlarmName?: unknown } | null)?.AlarmName;
            if (typeof name !== 'string' || name === '') {
              throw validation(
                `1 validation error detected: Value null at 'deploymentConfig.autoRollbackConfiguration.alarms.${index + 1}.member.alarmName' failed to satisfy constraint: Member must not be null`,
              );
            }
            return name;
          });
        })();
  const missing = alarms.filter((name) => !alarmExists(name));
  if (missing.length > 0) {
    throw validation(
      `The CloudWatch alarm(s) ${missing.map((n) => `"${n}"`).join(', ')} in AutoRollbackConfiguration could not be found.`,
    );
  }
  return {
    type,
    waitMs: wait * 1000,
    ...(size ? { size } : {}),
    terminationWaitMs: termination * 1000,
    ...(maximum !== undefined ? { maximumExecutionMs: maximum * 1000 } : {}),
    alarms,
  };
}

/**
 * The traffic stages of `plan` from `start` (the moment the green fleet is provisioned) to the
 * end of the final bake, back to back. `greenInstanceCount` converts an INSTANCE_COUNT size into
 * a share; `activationMs` is how long each shift shows `ActivatingTraffic`.
 */
export function trafficStages(
  plan: BlueGreenPlan,
  greenInstanceCount: number,
  start: number,
  activationMs: number = DEFAULT_TRAFFIC_ACTIVATION_MS,
): TrafficStage[] {
  const stepShare = plan.size ? sizeShare(plan.size, greenInstanceCount) : 1;
  const shifts: { share: number; ms: number }[] = [];
  if (plan.type === 'ALL_AT_ONCE') shifts.push({ share: 1, ms: plan.waitMs });
  else if (plan.type === 'CANARY') {
    if (stepShare < 1) shifts.push({ share: stepShare, ms: plan.waitMs });
  } else {
    // The tolerance keeps 10 steps of 10% from leaving a step of 0.0000001%.
    for (let k = 1; k * stepShare < 1 - 1e-9; k++) shifts.push({ share: k * stepShare, ms: plan.waitMs });
  }
  const stages: TrafficStage[] = [];
  let t = start;
  const push = (share: number, ms: number, finalBake: boolean, label: string) => {
    const active = Math.min(activationMs, ms);
    const percent = `${Math.round(share * 1000) / 10}%`;
    if (active > 0) {
      stages.push({
        status: 'ActivatingTraffic',
        from: t,
        to: t + active,
        greenShare: share,
        finalBake,
        message: `Activating traffic on ${percent} of the new fleet's capacity`,
      });
    }
    if (ms > active) {
      stages.push({
        status: 'Baking',
        from: t + active,
        to: t + ms,
        greenShare: share,
        finalBake,
        message: `Baking for ${ms / 1000} seconds (${label}) with traffic on ${percent} of the new fleet's capacity`,
      });
    }
    t += ms;
  };
  for (const shift of shifts) push(shift.share, shift.ms, false, 'WaitIntervalInSeconds');
  push(1, plan.terminationWaitMs, true, 'TerminationWaitInSeconds');
  if (stages.length === 0) {
    // No wait and no bake: traffic moves and the deployment completes at once.
    stages.push({
      status: 'ActivatingTraffic',
      from: start,
      to: start,
      greenShare: 1,
      finalBake: true,
      message: "Activating traffic on 100% of the new fleet's capacity",
    });
  }
  return stages;
}

/** The stage in force at `now`: the last one begun; `undefined` before the first. */
export function stageAt(stages: readonly TrafficStage[], now: number): TrafficStage | undefined {
  let found: TrafficStage | undefined;
  for (const stage of stages) if (stage.from <= now) found = stage;
  return found;
}

/** A routing size as a share of the green fleet: a percent of capacity, or instances of `greenInstanceCount`. */
function sizeShare(size: CapacitySize, greenInstanceCount: number): number {
  const share =
    size.Type === 'CAPACITY_PERCENT'
      ? size.Value / 100
      : greenInstanceCount > 0
        ? size.Value / greenInstanceCount
        : 1;
  return Math.min(1, Math.max(0, share));
}

function capacitySize(raw: unknown, path: string): CapacitySize {
  const size = record(raw, path);
  if (size.Type !== 'INSTANCE_COUNT' && size.Type !== 'CAPACITY_PERCENT') {
    throw validation(
      `1 validation error detected: Value '${String(size.Type)}' at '${path}.type' failed to satisfy constraint: Member must satisfy enum value set: [INSTANCE_COUNT, CAPACITY_PERCENT]`,
    );
  }
  const value = size.Value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at '${path}.value' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  if (size.Type === 'CAPACITY_PERCENT' && value > 100) {
    throw validation(`${path}: a CAPACITY_PERCENT size must be at most 100, got ${value}.`);
  }
  return { Type: size.Type, Value: value };
}

function seconds(raw: unknown, path: string, min: number, max: number): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'number' || !Number.isInteger(raw)) {
    throw validation(
      `1 validation error detected: Value '${String(raw)}' at '${path}' failed to satisfy constraint: Member must be an integer`,
    );
  }
  if (raw < min || raw > max) {
    throw validation(
      `1 validation error detected: Value '${raw}' at '${path}' failed to satisfy constraint: Member must have value ${raw < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
    );
  }
  return raw;
}

function record(raw: unknown, path: string): Record<string, unknown> {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  throw validation(
    `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`,
  );
}
