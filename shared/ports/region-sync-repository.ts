import type { Step } from '../domain/types';
import type {
  PromotedIdentity,
  RegionCanary,
  RegionArtifacts,
  RegionBake,
  RegionSyncItem,
  RegionSyncStatus,
} from '../watchdog/region-sync-types';

/** A pending sync of one target region, as recorded when a promotion is seen. */
export interface NewRegionSync {
  endpointName: string;
  region: string;
  targetEndpointName: string;
  identity: PromotedIdentity;
  promotedAt: string;
  /** Epoch ms of the recording (the event's time). */
  now: number;
  /** The ladder's order, artifacts, bake and repair of this region (from the policy). */
  order?: number;
  artifacts?: RegionArtifacts | null;
  artifactProblem?: string | null;
  bakeSeconds?: number;
  repairDrift?: boolean;
  steps?: ReadonlyArray<Step>;
}

/** `created`: first sighting of this promotion for the region; `duplicate`: already recorded, nothing written. */
export type RecordOutcome = 'created' | 'duplicate';

/** What a sync run changes on an item; absent fields are left as they are. */
export interface RegionSyncChange {
  status: RegionSyncStatus;
  now: number;
  lastError?: string | null;
  countAttempt?: boolean;
  /** Start the attempt count again (an operator's resume of a region that used up its attempts). */
  resetAttempts?: boolean;
  targetModelName?: string;
  targetEndpointConfigName?: string;
  replacedConfig?: string | null;
  drift?: string | null;
  bake?: RegionBake | null;
  bakeFailures?: Record<string, number>;
  held?: 'paused' | null;
  skipBake?: boolean;
  stopReason?: string | null;
  failover?: string | null;
  canary?: RegionCanary | null;
}

/**
 * Region sync progress, one item per promoted endpoint and target region. Writes are conditional
 * on the item's version, so two runs never work on one region at once: the loser gets
 * RegionSyncConflictError. The DynamoDB adapter is `shared/aws/region-sync-store.ts`.
 */
export interface RegionSyncRepository {
  /** Records a pending sync; a duplicate delivery of the same promotion writes nothing. */
  recordPending(input: NewRegionSync): Promise<RecordOutcome>;
  /** Every region's item for one promoted endpoint, by region name. */
  list(endpointName: string): Promise<RegionSyncItem[]>;
  /** Items that still need work (pending, in progress or failed), across all endpoints. */
  listUnfinished(): Promise<RegionSyncItem[]>;
  /** Finished regions across all endpoints (checked for drift by the schedule). */
  listDone(): Promise<RegionSyncItem[]>;
  /** Moves an item to `change.status` if nobody changed it since `item.version` was read. */
  update(item: RegionSyncItem, change: RegionSyncChange): Promise<RegionSyncItem>;
}

/** Raised when a sync item changed under us (another run holds it); carries the store's error as `cause`. */
export class RegionSyncConflictError extends Error {
  override readonly name = 'RegionSyncConflictError';
  constructor(endpointName: string, region: string, options?: { cause?: unknown }) {
    super(`region sync item ${endpointName}/${region} changed concurrently`, options);
  }
}
