import type { RegionDrift } from '../notify/alert-cause';

/**
 * The words of region sync: why a notification starts no sync, where a target region's sync
 * stands (stored on its item as `lastError`), and a finished region's drift (stored as `drift`).
 */

/** `dr-endpoint (us-west-2) runs other-config, not the synced promoted-config`. */
export function describeRegionDrift(drift: RegionDrift): string {
  const runs = drift.deleted ? '(endpoint deleted)' : (drift.runs ?? '(none)');
  return `${drift.targetEndpointName} (${drift.region}) runs ${runs}, not the synced ${drift.expected}`;
}

/** Why a notification on the topic starts no region sync. */
export const SYNC_IGNORED = {
  notPromotion: (eventType: string) => `event type ${eventType} is not a promotion`,
  noRollout: 'no rollout is stored for this endpoint',
  notPromoted: (phase: string) =>
    `the stored rollout is ${phase}, not Promoted (stale or foreign notification)`,
  noRegions: 'the policy names no regions',
} as const;

/** Where one target region's sync stands when it is not done. */
export const SYNC_PROGRESS = {
  noImage: (modelName: string) => `promoted model ${modelName} has no container image to copy`,
  targetMissing: (targetEndpointName: string, region: string) =>
    `target endpoint ${targetEndpointName} does not exist in ${region}`,
  targetFailed: (failureReason: string | null) =>
    `target endpoint is Failed: ${failureReason ?? 'no reason given'}`,
  waitingForTarget: (status: string) => `waiting for the target endpoint (${status})`,
  targetBusy: (status: string) => `target endpoint is ${status}; updating once it is InService`,
} as const;
