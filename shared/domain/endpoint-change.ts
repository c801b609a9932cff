import { DEFAULT_CLEAN_UP_AFTER_ROLLBACK_SECONDS, DEFAULT_RETIRE_BASELINE_AFTER_SECONDS } from './defaults';
import { inShadow } from './judge-shadow';
import type { LifecyclePolicy, Phase, RolloutPolicy, RolloutState } from './types';

/**
 * The endpoint changes the watchdog makes around a rollout, as data kept in the rollout's record:
 * - `add-canary`: a start from a model name deploys the canary variant beside the baseline;
 * - `retire-baseline`: after a promotion (and its hold-back) the promoted model becomes the
 *   baseline variant alone, and the old baseline's instances are released;
 * - `remove-canary`: after a rollback or an abort (and time to inspect) the canary variant goes;
 * - `add-shadow`: a start from a model name with a shadow phase deploys the new model as a shadow
 *   variant (under the canary variant's name) beside the baseline, answering nobody;
 * - `shadow-to-canary`: the shadow passed, so its model becomes the canary production variant at
 *   0 % (the first step's weight follows once it is in service);
 * - `remove-shadow`: the shadow failed (or the rollout ended during it): the shadow goes at once,
 *   the baseline alone again.
 */
export type EndpointChangeKind =
  'add-canary' | 'retire-baseline' | 'remove-canary' | 'add-shadow' | 'shadow-to-canary' | 'remove-shadow';

/**
 * waiting: not begun (due at `dueAt`); updating: SageMaker accepted the UpdateEndpoint and is
 * moving the endpoint; done: the endpoint is in service on the target config; failed: SageMaker
 * refused or undid the update, and a person decides (resume retries it).
 */
export type EndpointChangeStatus = 'waiting' | 'updating' | 'done' | 'failed';

/** Instances of one variant: what a change adds or releases (the cost of it). */
export interface InstanceSet {
  variantName: string;
  modelName: string | null;
  /** `ml.m5.xlarge`; null for a serverless variant. */
  instanceType: string | null;
  instanceCount: number | null;
}

export interface EndpointChange {
  kind: EndpointChangeKind;
  status: EndpointChangeStatus;
  /** When the change may begin (after the hold-back or inspection time). Epoch ms. */
  dueAt: number;
  /** When `status` last changed. Epoch ms. */
  since: number;
  /** 1 for the first try; a retry after a failure counts up and gets a config of its own name. */
  attempt: number;
  /** `add-canary`, `add-shadow`, `shadow-to-canary`: the model the canary (or shadow) variant runs. */
  model?: string;
  /** The endpoint config this change moves the endpoint to (named by `endpointConfigName`). */
  targetConfig?: string;
  /** The config in service when the update was sent: kept until the target is in service. */
  previousConfig?: string;
  added?: InstanceSet[];
  released?: InstanceSet[];
  /** Why the change failed (SageMaker's words). */
  failure?: string;
  /**
   * SageMaker accepted the UpdateEndpoint. `updating` is written before the call (the intent), so a
   * crash or a lost answer between the two leaves `updating` without `sent`: the next run sends it
   * again rather than taking the endpoint still on its old config for a failed update.
   */
  sent?: boolean;
}

/** The policy's lifecycle, with the defaults for a policy stored before the section existed. */
export function lifecycleOf(policy: RolloutPolicy): LifecyclePolicy {
  return (
    policy.lifecycle ?? {
      canary: {},
      retireBaselineAfterSeconds: DEFAULT_RETIRE_BASELINE_AFTER_SECONDS,
      cleanUpAfterRollbackSeconds: DEFAULT_CLEAN_UP_AFTER_ROLLBACK_SECONDS,
    }
  );
}

/**
 * The endpoint change a rollout owes once it reaches `phase`, or null: a promotion retires the
 * baseline after `retireBaselineAfterSeconds`, a rollback or an abort removes the canary after
 * `cleanUpAfterRollbackSeconds`; `never` (null) in the policy leaves the endpoint as it is. A
 * rollout that ended during its shadow phase (`state.shadow` kept) removes the shadow at once:
 * it costs instances and serves nobody, and there is no canary to inspect.
 * Inputs that drive it: the new phase, the policy's lifecycle delays, the state's shadow, and `now` (epoch ms).
 */
export function followUpChange(
  policy: RolloutPolicy,
  phase: Phase,
  now: number,
  state?: Pick<RolloutState, 'shadow'>,
): EndpointChange | null {
  if (inShadow(state?.shadow) && (phase === 'RolledBack' || phase === 'Aborted'))
    return { kind: 'remove-shadow', status: 'waiting', dueAt: now, since: now, attempt: 1 };
  // SageMaker's blue/green deployment already swapped the fleets (or kept the old one): nothing is owed.
  if (policy.blueGreen) return null;
  const lifecycle = lifecycleOf(policy);
  const delay =
    phase === 'Promoted'
      ? lifecycle.retireBaselineAfterSeconds
      : phase === 'RolledBack' || phase === 'Aborted'
        ? lifecycle.cleanUpAfterRollbackSeconds
        : null;
  if (delay === null) return null;
  return {
    kind: phase === 'Promoted' ? 'retire-baseline' : 'remove-canary',
    status: 'waiting',
    dueAt: now + delay * 1000,
    since: now,
    attempt: 1,
  };
}

/** True while the change still has work to do (the tick keeps visiting the rollout). */
export function isChangePending(change: EndpointChange | undefined): boolean {
  return change !== undefined && (change.status === 'waiting' || change.status === 'updating');
}

/**
 * True while a start from a model is still deploying the canary (or its shadow, or turning a
 * passed shadow into the canary): nothing is judged or stepped meanwhile.
 */
export function isDeployingCanary(change: EndpointChange | undefined): boolean {
  return (
    (change?.kind === 'add-canary' || change?.kind === 'add-shadow' || change?.kind === 'shadow-to-canary') &&
    change.status !== 'done'
  );
}

/**
 * The same change tried again after a failure (an operator's `resume`): due now, one attempt
 * more (so it gets a config of its own name), and nothing left of the failed try but its number.
 */
export function retryChange(change: EndpointChange, now: number): EndpointChange {
  return {
    kind: change.kind,
    status: 'waiting',
    dueAt: now,
    since: now,
    attempt: change.attempt + 1,
    ...(change.model ? { model: change.model } : {}),
  };
}
