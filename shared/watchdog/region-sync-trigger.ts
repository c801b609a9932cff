import { resolveArtifacts, templatesFor } from '../domain/region-artifacts';
import { DEFAULT_REGION_BAKE_SECONDS } from '../domain/region-bake';
import type { RolloutPolicy, RolloutState } from '../domain/types';
import type { NotificationHead } from '../events/notification-message';
import { PromotedIdentityError, type RegionModels } from '../ports/region-models';
import type { RecordOutcome, RegionSyncRepository } from '../ports/region-sync-repository';
import { SYNC_IGNORED } from '../wording/describe-region-sync';
import { readPromotedIdentity } from './region-sync-identity';

/** What region sync needs of a rollout: its validated policy (for `regions`), its state and home region. */
export interface RolloutSnapshot {
  region: string;
  policy: RolloutPolicy;
  state: RolloutState;
  /** The rollout's id and version, for the history entries of its ladder (the rollout record has them). */
  rolloutId?: string;
  version?: number;
}

export interface RegionSyncTriggerDeps {
  syncStore: Pick<RegionSyncRepository, 'recordPending'>;
  /** The rollout record of the promoted endpoint (the rollout repository's `get`). */
  readRollout(endpointName: string): Promise<RolloutSnapshot | null | undefined>;
  /** Models and endpoints of a region (the primary endpoint may live outside the watchdog's home region). */
  models(region: string): RegionModels;
}

export type PromotionOutcome =
  | {
      kind: 'recorded';
      endpointName: string;
      regions: Array<{ region: string; targetEndpointName: string; outcome: RecordOutcome }>;
      identityKey: string;
    }
  | { kind: 'ignored'; endpointName: string | null; reason: string };

/**
 * Records one pending sync item per target region of a promoted rollout. What drives it:
 * the notification's `eventType` (only `rollout.promoted` counts), the stored rollout (it must exist
 * and be `Promoted`, so a forged or stale notification does nothing), the policy's `regions` (the
 * authoritative target list), and the promoted identity read from the primary endpoint. Duplicate
 * deliveries are `duplicate` per region and write nothing.
 */
export async function recordPromotion(
  deps: RegionSyncTriggerDeps,
  notification: NotificationHead,
  now: number,
): Promise<PromotionOutcome> {
  const { endpointName } = notification;
  if (notification.eventType !== 'rollout.promoted') {
    return {
      kind: 'ignored',
      endpointName,
      reason: SYNC_IGNORED.notPromotion(notification.eventType),
    };
  }
  const rollout = await deps.readRollout(endpointName);
  if (!rollout) return { kind: 'ignored', endpointName, reason: SYNC_IGNORED.noRollout };
  if (rollout.state.phase !== 'Promoted') {
    return {
      kind: 'ignored',
      endpointName,
      reason: SYNC_IGNORED.notPromoted(rollout.state.phase),
    };
  }
  const targets = rollout.policy.regions;
  if (targets.length === 0) return { kind: 'ignored', endpointName, reason: SYNC_IGNORED.noRegions };
  const region = rollout.policy.endpoint.region || rollout.region;
  let identity: Awaited<ReturnType<typeof readPromotedIdentity>>;
  try {
    identity = await readPromotedIdentity(deps.models(region), {
      region,
      endpointName,
      variantName: rollout.policy.endpoint.canaryVariant,
      baselineVariant: rollout.policy.endpoint.baselineVariant,
    });
  } catch (error) {
    // A primary endpoint that cannot say what it runs cannot be copied; the scheduled run retries.
    if (error instanceof PromotedIdentityError)
      return { kind: 'ignored', endpointName, reason: error.message };
    throw error;
  }
  const regions: Array<{ region: string; targetEndpointName: string; outcome: RecordOutcome }> = [];
  for (const [order, target] of targets.entries()) {
    // Each region's copy is made from its own artifacts: SageMaker refuses another region's.
    const artifacts = resolveArtifacts(
      target.region,
      templatesFor(target, rollout.policy.artifacts),
      identity,
    );
    const outcome = await deps.syncStore.recordPending({
      endpointName,
      region: target.region,
      targetEndpointName: target.endpointName,
      identity,
      promotedAt: notification.time,
      now,
      order,
      artifacts: artifacts.ok ? { image: artifacts.image, modelDataUrl: artifacts.modelDataUrl } : null,
      artifactProblem: artifacts.ok ? null : artifacts.problem,
      bakeSeconds: target.bakeSeconds ?? DEFAULT_REGION_BAKE_SECONDS,
      repairDrift: target.repairDrift ?? false,
      ...(target.steps ? { steps: target.steps } : {}),
    });
    regions.push({ region: target.region, targetEndpointName: target.endpointName, outcome });
  }
  return { kind: 'recorded', endpointName, regions, identityKey: identity.key };
}
