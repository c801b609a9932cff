import { type EndpointChange, type InstanceSet, lifecycleOf } from './endpoint-change';
import type { RolloutPolicy } from './types';

/**
 * One production variant of an endpoint config, as the planner sees it. `other` carries every
 * property SageMaker returned that the planner does not decide (volume size, serverless config,
 * routing, ...), so a variant kept "unchanged" is copied whole.
 */
export interface ConfigVariantSpec {
  variantName: string;
  modelName: string | null;
  instanceType: string | null;
  instanceCount: number | null;
  initialWeight: number;
  other: Readonly<Record<string, unknown>>;
}

export type ConfigPlan =
  /** Create this config and move the endpoint to it. */
  | { kind: 'change'; variants: ConfigVariantSpec[]; added: InstanceSet[]; released: InstanceSet[] }
  /** The endpoint already is as the change would leave it (a step that ran before, or a hand fix). */
  | { kind: 'unchanged'; reason: string }
  /** The change cannot be made on this endpoint; nothing is sent. */
  | { kind: 'refused'; problem: string };

const instancesOf = (v: ConfigVariantSpec): InstanceSet => ({
  variantName: v.variantName,
  modelName: v.modelName,
  instanceType: v.instanceType,
  instanceCount: v.instanceCount,
});

/**
 * The variants of the endpoint config a change moves the endpoint to, built from the config in
 * service (`current`), and the instances it adds and releases:
 * - `add-canary`: the baseline unchanged at all the traffic, plus the canary variant running
 *   `change.model` at weight 0 on the policy's `lifecycle.canary` instances, else the baseline's;
 * - `retire-baseline`: the promoted model alone, under the baseline variant's name (so the same
 *   policy starts the next rollout), on the instances the canary runs now (`servingCounts`, which
 *   autoscaling may have grown since the config was made);
 * - `remove-canary`: the config without the canary variant, the baseline at all the traffic.
 * Variants the policy does not name are kept as they are. Inputs that drive it: the change's
 * kind and model, the policy's variant names and lifecycle, and the current config.
 */
export function planEndpointConfig(
  policy: RolloutPolicy,
  change: Pick<EndpointChange, 'kind' | 'model'>,
  current: ReadonlyArray<ConfigVariantSpec>,
  servingCounts: Readonly<Record<string, number>> = {},
): ConfigPlan {
  const { baselineVariant, canaryVariant } = policy.endpoint;
  const baseline = current.find((v) => v.variantName === baselineVariant);
  const canary = current.find((v) => v.variantName === canaryVariant);
  const others = current.filter((v) => v.variantName !== baselineVariant && v.variantName !== canaryVariant);
  switch (change.kind) {
    case 'add-canary': {
      if (!change.model) return { kind: 'refused', problem: 'no model named for the canary' };
      if (!baseline)
        return {
          kind: 'refused',
          problem: `the endpoint config has no baseline variant "${baselineVariant}"`,
        };
      if (canary) {
        return canary.modelName === change.model
          ? { kind: 'unchanged', reason: `variant ${canaryVariant} already runs model ${change.model}` }
          : {
              kind: 'refused',
              problem: `variant ${canaryVariant} already runs model ${canary.modelName ?? '(unknown)'}, not ${change.model}`,
            };
      }
      const sizing = lifecycleOf(policy).canary;
      const added: ConfigVariantSpec = {
        variantName: canaryVariant,
        modelName: change.model,
        instanceType: sizing.instanceType ?? baseline.instanceType,
        instanceCount: sizing.instanceCount ?? baseline.instanceCount,
        initialWeight: 0,
        other: baseline.other,
      };
      return {
        kind: 'change',
        variants: [{ ...baseline, initialWeight: 1 }, added, ...others],
        added: [instancesOf(added)],
        released: [],
      };
    }
    case 'retire-baseline': {
      if (!canary) {
        return baseline
          ? { kind: 'unchanged', reason: `no variant ${canaryVariant}: the baseline is already alone` }
          : {
              kind: 'refused',
              problem: `the endpoint config has neither ${baselineVariant} nor ${canaryVariant}`,
            };
      }
      const promoted: ConfigVariantSpec = {
        ...canary,
        variantName: baselineVariant,
        instanceCount: servingCounts[canaryVariant] ?? canary.instanceCount,
        initialWeight: 1,
      };
      return {
        kind: 'change',
        variants: [promoted, ...others],
        added: [instancesOf(promoted)],
        released: [
          ...(baseline ? [instancesOf(baseline)] : []),
          instancesOf({ ...canary, instanceCount: promoted.instanceCount }),
        ],
      };
    }
    case 'remove-canary': {
      if (!canary) return { kind: 'unchanged', reason: `no variant ${canaryVariant} left to remove` };
      if (!baseline)
        return {
          kind: 'refused',
          problem: `the endpoint config has no baseline variant "${baselineVariant}" to keep`,
        };
      return {
        kind: 'change',
        variants: [{ ...baseline, initialWeight: 1 }, ...others],
        added: [],
        released: [
          instancesOf({ ...canary, instanceCount: servingCounts[canaryVariant] ?? canary.instanceCount }),
        ],
      };
    }
  }
}
