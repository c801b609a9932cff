import { lifecycleOf } from './endpoint-change';
import type { ConfigVariantSpec } from './plan-endpoint-config';
import type { BlueGreenPolicy, RolloutPolicy } from './types';

/**
 * SageMaker's `DeploymentConfig` of UpdateEndpoint, as plain data (the SDK's shape, so the adapter
 * sends it as it is and tests read it as SageMaker would).
 */
export interface SageMakerDeploymentConfig {
  BlueGreenUpdatePolicy: {
    TrafficRoutingConfiguration: {
      Type: 'ALL_AT_ONCE' | 'CANARY' | 'LINEAR';
      WaitIntervalInSeconds: number;
      CanarySize?: CapacitySize;
      LinearStepSize?: CapacitySize;
    };
    TerminationWaitInSeconds: number;
    MaximumExecutionTimeoutInSeconds?: number;
  };
  AutoRollbackConfiguration: { Alarms: Array<{ AlarmName: string }> };
}

export interface CapacitySize {
  Type: 'INSTANCE_COUNT' | 'CAPACITY_PERCENT';
  Value: number;
}

/**
 * The DeploymentConfig a blue/green start sends with UpdateEndpoint: the policy's routing (type,
 * size as SageMaker's CanarySize or LinearStepSize, wait interval), its bake as
 * TerminationWaitInSeconds, its maximum execution timeout when set, and every alarm SageMaker
 * rolls back on — the policy's own, then the watchdog's verdict alarm (once, even if the policy
 * names it too). Inputs that drive it: the policy's `blueGreen` and the verdict alarm's name.
 */
export function blueGreenDeploymentConfig(
  blueGreen: BlueGreenPolicy,
  verdictAlarm: string,
): SageMakerDeploymentConfig {
  const { routing } = blueGreen;
  const traffic: SageMakerDeploymentConfig['BlueGreenUpdatePolicy']['TrafficRoutingConfiguration'] = {
    Type: routing.type === 'allAtOnce' ? 'ALL_AT_ONCE' : routing.type === 'canary' ? 'CANARY' : 'LINEAR',
    WaitIntervalInSeconds: routing.waitSeconds,
  };
  if (routing.type !== 'allAtOnce') {
    const size: CapacitySize = {
      Type: routing.size.unit === 'instanceCount' ? 'INSTANCE_COUNT' : 'CAPACITY_PERCENT',
      Value: routing.size.value,
    };
    if (routing.type === 'canary') traffic.CanarySize = size;
    else traffic.LinearStepSize = size;
  }
  return {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: traffic,
      TerminationWaitInSeconds: blueGreen.bakeSeconds,
      ...(blueGreen.maximumExecutionTimeoutSeconds !== undefined
        ? { MaximumExecutionTimeoutInSeconds: blueGreen.maximumExecutionTimeoutSeconds }
        : {}),
    },
    AutoRollbackConfiguration: {
      Alarms: rollbackAlarms(blueGreen, verdictAlarm).map((AlarmName) => ({ AlarmName })),
    },
  };
}

/** The alarms SageMaker rolls back on: the policy's, then the verdict alarm, each once. */
export function rollbackAlarms(blueGreen: BlueGreenPolicy, verdictAlarm: string): string[] {
  return [...new Set([...blueGreen.alarms, verdictAlarm])];
}

/** The new (green) fleet's config, or why there is none. */
export type BlueGreenConfigPlan =
  { kind: 'change'; variants: ConfigVariantSpec[] } | { kind: 'refused'; problem: string };

/**
 * The variants of the config a blue/green start deploys: the baseline variant, under its own name,
 * running `model` on the policy's `lifecycle.canary` instances, else the ones it runs now
 * (`servingCounts`, which autoscaling may have grown, else the config's); every other variant is
 * kept as it is. Refused when the config has no baseline variant or it already runs `model`.
 * Inputs that drive it: the policy's baseline variant and lifecycle, the model, the config in service.
 */
export function planBlueGreenConfig(
  policy: RolloutPolicy,
  model: string,
  current: ReadonlyArray<ConfigVariantSpec>,
  servingCounts: Readonly<Record<string, number>> = {},
): BlueGreenConfigPlan {
  const { baselineVariant } = policy.endpoint;
  const baseline = current.find((v) => v.variantName === baselineVariant);
  if (!baseline)
    return { kind: 'refused', problem: `the endpoint config has no baseline variant "${baselineVariant}"` };
  if (baseline.modelName === model)
    return { kind: 'refused', problem: `variant ${baselineVariant} already runs model ${model}` };
  const sizing = lifecycleOf(policy).canary;
  const green: ConfigVariantSpec = {
    ...baseline,
    modelName: model,
    instanceType: sizing.instanceType ?? baseline.instanceType,
    instanceCount: sizing.instanceCount ?? servingCounts[baselineVariant] ?? baseline.instanceCount,
  };
  return {
    kind: 'change',
    variants: current.map((v) => (v.variantName === baselineVariant ? green : v)),
  };
}
