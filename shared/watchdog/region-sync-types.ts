/**
 * Region sync: after a promotion, the DR / regional endpoints named in the policy's `regions` must
 * run the promoted model. One item per (promoted endpoint, target region) records how far that went,
 * so the work is resumable region by region and a region that is down is retried on the next schedule.
 */

import type { RolloutState, Step } from '../domain/types';
import type { ServingVariant } from '../ports/region-models';

/**
 * Progress of one target region on the ladder. `failed` (an unreachable region, a throttle, a
 * refused call) is retried by the next scheduled run (until the attempt cap); `baking` is watched on
 * its own metrics until its bake time is over; `canary` runs the copy beside what the region ran,
 * through the region's own steps (judged by the engine); `rolling-back` is going back to the config it ran
 * before. Final: `done`, `rolled-back` (its bake failed), `halted` (a region before it rolled back),
 * `aborted` (an operator aborted the ladder).
 */
export type RegionSyncStatus =
  | 'pending'
  | 'in-progress'
  | 'baking'
  | 'canary'
  | 'done'
  | 'failed'
  | 'rolling-back'
  | 'rolled-back'
  | 'halted'
  | 'aborted';

/** Where a region's copy finds its image and model data (the policy's mapping, filled in). */
export interface RegionArtifacts {
  image: string;
  modelDataUrl: string | null;
}

/** How a region's bake went: the verdict so far (or at its end) and the numbers behind it. */
export interface RegionBake {
  /** `watching` while it runs; `no-traffic`: the bake saw too few requests to judge (the region is done unjudged). */
  verdict: 'watching' | 'passed' | 'failed' | 'no-traffic' | 'skipped';
  /** One line: what was judged and how (`error-rate 0.2% <= 5%; p99 120 ms <= 500 ms`). */
  summary: string;
  /** Requests the region served in the last judged window. */
  invocations: number;
  /** ISO times. */
  startedAt: string;
  until: string;
}

/**
 * What was promoted on the primary endpoint, read from SageMaker (never from the notification alone,
 * which only names variants): the promoted variant's model and how it is served.
 */
export interface PromotedIdentity extends ServingVariant {
  /** Primary endpoint's region, where the promoted model is defined. */
  sourceRegion: string;
  sourceEndpointName: string;
  /** The variant that was promoted (the policy's canary). */
  variantName: string;
  /** Short stable hash of model + variant + serving shape: names the copies and makes duplicates idempotent. */
  key: string;
}

/** One sync item: `pk = SYNC#<endpointName>`, `sk = REGION#<region>`. */
export interface RegionSyncItem {
  /** The primary (promoted) endpoint. */
  endpointName: string;
  /** Target region and the endpoint there that must run the promoted model. */
  region: string;
  targetEndpointName: string;
  status: RegionSyncStatus;
  attempts: number;
  lastError: string | null;
  identity: PromotedIdentity;
  /** ISO time of the promotion that asked for this sync (the notification's time). */
  promotedAt: string;
  createdAt: string;
  updatedAt: string;
  /** Optimistic-locking counter, like the rollout item's. */
  version: number;
  /** Names of the copies made in the target region (set by the worker). */
  targetModelName?: string;
  targetEndpointConfigName?: string;
  /** Endpoint config the target ran before the sync replaced it. */
  replacedConfig?: string | null;
  /**
   * Set when a finished region no longer runs the synced config (changed by hand or by another
   * deployment); cleared when it runs it again. Checked by every scheduled run.
   */
  drift?: string | null;
  /** Position of the region in the policy's `regions`: the ladder takes regions in this order. */
  order?: number;
  /** The region's own image and model data; null when the policy maps none (see `artifactProblem`). */
  artifacts?: RegionArtifacts | null;
  /** Why the region cannot be copied (no artifact mapping); it fails with this and the ladder waits on it. */
  artifactProblem?: string | null;
  /** The region's bake time in seconds (0: none). */
  bakeSeconds?: number;
  /** Put a drifted region back on the promoted model (the policy's `repairDrift`). */
  repairDrift?: boolean;
  bake?: RegionBake | null;
  /** Consecutive failing bake judgements per metric (the policy's `failureLimit` applies). */
  bakeFailures?: Record<string, number>;
  /** `paused`: the ladder waits here for `resume` (an operator's `pause`). */
  held?: 'paused' | null;
  /** Set by an operator's `promote`: the region goes on without its bake. */
  skipBake?: boolean;
  /** Why a region went back (bake failed, operator abort), or halted. */
  stopReason?: string | null;
  /** Set while this region is the one to fail over to (the primary is failing, this copy is healthy and current). */
  failover?: string | null;
  /** The region's own canary steps (the policy's `regions[].steps`); absent: the region takes the model alone at once. */
  steps?: ReadonlyArray<Step>;
  /** The region's own canary while it runs, and once it is over (`done`). */
  canary?: RegionCanary | null;
}

/** A region running as a canary of its own: the engine's rollout state, on the region's endpoint. */
export interface RegionCanary {
  /** The two-variant config deployed for it (what the region ran, and the copy at 0 %). */
  config: string;
  baselineVariant: string;
  canaryVariant: string;
  /** The engine's state; null until the canary config is InService and its first step applied. */
  state: RolloutState | null;
  /** Canary weight last set on the endpoint (percent); null before the first. */
  appliedWeight: number | null;
  /** The canary was promoted: the region then takes the copy alone (and bakes it). */
  done: boolean;
}
