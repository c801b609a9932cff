import type { RolloutPolicy } from '../domain/types';

/** The policy the caller last acted on: its stored text and the validated policy. */
export interface LastGoodPolicy {
  text: string;
  policy: RolloutPolicy;
}

/**
 * What the store holds for an endpoint. The caller decides what to do: an `invalid` or `missing`
 * policy keeps `lastGood` in force (when there is one) and alerts; without one, no traffic moves.
 */
export type PolicyLookup =
  | { status: 'ok'; policy: RolloutPolicy; text: string; changed: boolean }
  | { status: 'invalid'; problems: string[]; lastGood?: RolloutPolicy }
  | { status: 'missing'; lastGood?: RolloutPolicy };

/** The stored rollout policies, one per endpoint. */
export interface PolicyReader {
  /** The stored policy of `endpointName`; `changed` compares its text with `lastGood.text`. */
  get(endpointName: string, lastGood?: LastGoodPolicy): Promise<PolicyLookup>;
  /** Optional batched read ahead of the per-rollout `get`s (SSM allows about 40 reads a second). */
  prefetch?(endpointNames: readonly string[]): Promise<void>;
  /** Where an endpoint's policy is stored, for messages. */
  parameterName?(endpointName: string): string;
}
