import { DEFAULT_CLEAN_UP_AFTER_ROLLBACK_SECONDS, DEFAULT_RETIRE_BASELINE_AFTER_SECONDS } from './defaults';
import type { LifecyclePolicy, Phase, RolloutPolicy } from './types';

/**
 * The endpoint changes the watchdog makes around a rollout, as data kept in the rollout's record:
 * - `add-canary`: a start from a model name deploys the canary variant beside the baseline;
 * - `retire-baseline`: after a promotion (and its hold-back) the promoted model becomes the
 *   baseline variant alone, and the old baseline's instances are released;
 * - `remove-canary`: after a rollback or an abort (and time to inspect) the canary variant goes.
 */
export type EndpointChangeKind = 'add-canary' | 'retire-baseline' | 'remove-canary';

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
  /** `add-canary`: the model the canary variant runs. */
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
 * `cleanUpAfterRollbackSeconds`; `never` (null) in the policy leaves the endpoint as it is.
 * Inputs that drive it: the new phase, the policy's lifecycle delays, and `now` (epoch ms).
 */
export function followUpChange(policy: RolloutPolicy, phase: Phase, now: number): EndpointChange | null {
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

/** True while a start from a model is still deploying the canary: nothing is judged or stepped yet. */
export function isDeployingCanary(change: EndpointChange | undefined): boolean {
  return change?.kind === 'add-canary' && change.status !== 'done';
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
