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
  /** Create this config and move the endpoint to it (with `shadowVariants` as its ShadowProductionVariants). */
  | {
      kind: 'change';
      variants: ConfigVariantSpec[];
      shadowVariants?: ConfigVariantSpec[];
      added: InstanceSet[];
      released: InstanceSet[];
    }
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
 * - `add-shadow`, `shadow-to-canary`, `remove-shadow`: see `planShadowConfig`.
 * Variants the policy does not name are kept as they are. Inputs that drive it: the change's
 * kind and model, the policy's variant names and lifecycle, and the current config (its
 * production variants, and its shadow variants in `currentShadow`).
 */
export function planEndpointConfig(
  policy: RolloutPolicy,
  change: Pick<EndpointChange, 'kind' | 'model'>,
  current: ReadonlyArray<ConfigVariantSpec>,
  servingCounts: Readonly<Record<string, number>> = {},
  currentShadow: ReadonlyArray<ConfigVariantSpec> = [],
): ConfigPlan {
  if (change.kind === 'add-shadow' || change.kind === 'shadow-to-canary' || change.kind === 'remove-shadow')
    return planShadowConfig(policy, { ...change, kind: change.kind }, current, servingCounts, currentShadow);
  // A team's own shadow variant stays as it is; the canary variant is never left as one.
  const keptShadows = currentShadow.filter((v) => v.variantName !== policy.endpoint.canaryVariant);
  const withShadows = (plan: ConfigPlan): ConfigPlan =>
    plan.kind === 'change' && keptShadows.length > 0 ? { ...plan, shadowVariants: keptShadows } : plan;
  return withShadows(planProductionConfig(policy, change, current, servingCounts, currentShadow));
}

function planProductionConfig(
  policy: RolloutPolicy,
  change: Pick<EndpointChange, 'kind' | 'model'>,
  current: ReadonlyArray<ConfigVariantSpec>,
  servingCounts: Readonly<Record<string, number>>,
  currentShadow: ReadonlyArray<ConfigVariantSpec>,
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
      // A rollout that ended while its shadow was being made the canary: the shadow goes the same way.
      if (!canary && currentShadow.some((v) => v.variantName === canaryVariant))
        return planShadowConfig(policy, { kind: 'remove-shadow' }, current, servingCounts, currentShadow);
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
    default:
      return { kind: 'refused', problem: `not a production variant change: ${change.kind}` };
  }
}

/**
 * The configs of a shadow phase (the shadow runs under the canary variant's name):
 * - `add-shadow`: the production variants unchanged (the baseline at all the traffic) plus a
 *   shadow variant running `change.model` on the policy's `lifecycle.canary` instances (else the
 *   baseline's), weighted so that SageMaker copies `shadow.samplingPercent` of the requests
 *   (a shadow gets weight / sum of the production weights of them);
 * - `shadow-to-canary`: the shadow becomes the canary production variant at weight 0, same model
 *   and instances, and the config has no shadow left;
 * - `remove-shadow`: the production variants alone, the baseline at all the traffic.
 * Inputs that drive it: the change's kind and model, the policy's variant names, sampling and
 * lifecycle, and the current config's production and shadow variants.
 */
export function planShadowConfig(
  policy: RolloutPolicy,
  change: { kind: 'add-shadow' | 'shadow-to-canary' | 'remove-shadow'; model?: string | undefined },
  current: ReadonlyArray<ConfigVariantSpec>,
  servingCounts: Readonly<Record<string, number>>,
  currentShadow: ReadonlyArray<ConfigVariantSpec>,
): ConfigPlan {
  const { baselineVariant, canaryVariant } = policy.endpoint;
  const baseline = current.find((v) => v.variantName === baselineVariant);
  const canary = current.find((v) => v.variantName === canaryVariant);
  const shadow = currentShadow.find((v) => v.variantName === canaryVariant);
  const others = current.filter((v) => v.variantName !== baselineVariant && v.variantName !== canaryVariant);
  const otherShadows = currentShadow.filter((v) => v.variantName !== canaryVariant);
  if (!baseline)
    return { kind: 'refused', problem: `the endpoint config has no baseline variant "${baselineVariant}"` };
  switch (change.kind) {
    case 'add-shadow': {
      if (!change.model) return { kind: 'refused', problem: 'no model named for the shadow' };
      if (canary)
        return {
          kind: 'refused',
          problem: `variant ${canaryVariant} already serves model ${canary.modelName ?? '(unknown)'} as a production variant; a shadow phase starts with the variant name free`,
        };
      if (shadow)
        return shadow.modelName === change.model
          ? {
              kind: 'unchanged',
              reason: `shadow variant ${canaryVariant} already runs model ${change.model}`,
            }
          : {
              kind: 'refused',
              problem: `shadow variant ${canaryVariant} already runs model ${shadow.modelName ?? '(unknown)'}, not ${change.model}`,
            };
      if (otherShadows.length > 0)
        return {
          kind: 'refused',
          problem: `the endpoint already has a shadow variant (${otherShadows.map((v) => v.variantName).join(', ')}); SageMaker allows one`,
        };
      const sizing = lifecycleOf(policy).canary;
      const productionWeight = 1 + others.reduce((sum, v) => sum + v.initialWeight, 0);
      const added: ConfigVariantSpec = {
        variantName: canaryVariant,
        modelName: change.model,
        instanceType: sizing.instanceType ?? baseline.instanceType,
        instanceCount: sizing.instanceCount ?? baseline.instanceCount,
        initialWeight: ((policy.shadow?.samplingPercent ?? 100) / 100) * productionWeight,
        other: baseline.other,
      };
      return {
        kind: 'change',
        variants: [{ ...baseline, initialWeight: 1 }, ...others],
        shadowVariants: [added],
        added: [instancesOf(added)],
        released: [],
      };
    }
    case 'shadow-to-canary': {
      if (!shadow) {
        if (canary && (!change.model || canary.modelName === change.model))
          return { kind: 'unchanged', reason: `variant ${canaryVariant} already serves as the canary` };
        return {
          kind: 'refused',
          problem: `the endpoint config has no shadow variant ${canaryVariant} to make the canary`,
        };
      }
      if (canary)
        return {
          kind: 'refused',
          problem: `variant ${canaryVariant} is both a production and a shadow variant; fix the endpoint config by hand`,
        };
      const promoted: ConfigVariantSpec = {
        ...shadow,
        instanceCount: servingCounts[canaryVariant] ?? shadow.instanceCount,
        initialWeight: 0,
      };
      return {
        kind: 'change',
        variants: [{ ...baseline, initialWeight: 1 }, promoted, ...others],
        ...(otherShadows.length > 0 ? { shadowVariants: otherShadows } : {}),
        added: [],
        released: [],
      };
    }
    case 'remove-shadow': {
      if (!shadow) {
        if (canary)
          return planProductionConfig(policy, { kind: 'remove-canary' }, current, servingCounts, []);
        return { kind: 'unchanged', reason: `no shadow variant ${canaryVariant} left to remove` };
      }
      return {
        kind: 'change',
        variants: [{ ...baseline, initialWeight: 1 }, ...others],
        ...(otherShadows.length > 0 ? { shadowVariants: otherShadows } : {}),
        added: [],
        released: [
          instancesOf({ ...shadow, instanceCount: servingCounts[canaryVariant] ?? shadow.instanceCount }),
        ],
      };
    }
  }
}
