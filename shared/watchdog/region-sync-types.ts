/**
 * Region sync: after a promotion, the DR / regional endpoints named in the policy's `regions` must
 * run the promoted model. One item per (promoted endpoint, target region) records how far that went,
 * so the work is resumable region by region and a region that is down is retried on the next schedule.
 */

import type { ServingVariant } from '../ports/region-models';

/** Progress of one target region. `failed` is retried by the next scheduled run (until the attempt cap). */
export type RegionSyncStatus = 'pending' | 'in-progress' | 'done' | 'failed';

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
}
