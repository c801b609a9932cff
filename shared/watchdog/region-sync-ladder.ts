import type { RolloutPolicy } from '../domain/types';
import { RegionSyncConflictError } from '../ports/region-sync-repository';
import type { LadderEvent } from '../wording/describe-region-ladder';
import { bakeRegion, type RegionBakeDeps, rollBackRegion } from './region-sync-bake';
import { runRegionCanary } from './region-sync-canary';
import type { RegionSyncItem } from './region-sync-types';
import { STOPPED_STATUSES, syncRegion } from './region-sync-worker';

/** What one scheduled run did to one ladder: the items as they are now and what happened to them. */
export interface LadderRun {
  items: RegionSyncItem[];
  events: LadderEvent[];
}

/** The ladder's order: the policy's `regions` order, then region name for items recorded before it existed. */
export function ladderOrder(items: ReadonlyArray<RegionSyncItem>): RegionSyncItem[] {
  return [...items].sort(
    (a, b) =>
      (a.order ?? Number.MAX_SAFE_INTEGER) - (b.order ?? Number.MAX_SAFE_INTEGER) ||
      a.region.localeCompare(b.region),
  );
}

/**
 * Moves one promoted endpoint's ladder on: regions one at a time in the policy's order, each
 * deployed, waited for until InService, then baked on its own metrics before the next one starts.
 * What drives it: each item's status, an operator's pause (`held`, on the region the ladder waits
 * at), and the outcome of the region in flight. A region that is done lets the next one start in
 * the same run; a region that failed to deploy (unreachable, throttled, refused) is retried by the
 * next run while the ones after it wait; a region that went back (its bake failed, or an abort)
 * halts every region after it, and regions already done stay done. One region's infrastructure
 * fault never throws out of the ladder: it is kept on the item for the next run.
 */
export async function runLadder(
  deps: RegionBakeDeps,
  items: ReadonlyArray<RegionSyncItem>,
  policy: RolloutPolicy | null,
  now: number,
): Promise<LadderRun> {
  const ordered = ladderOrder(items);
  const events: LadderEvent[] = [];
  let stoppedAt: RegionSyncItem | null = null;
  let waiting = false;
  for (let i = 0; i < ordered.length; i++) {
    const item = ordered[i]!;
    const next = ordered.slice(i + 1).find((later) => later.status !== 'done') ?? null;
    if (item.status === 'done') continue;
    if (stoppedAt) {
      if (!STOPPED_STATUSES.has(item.status)) {
        const halted = await halt(
          deps,
          item,
          now,
          `${stoppedAt.region} went back (${stoppedAt.stopReason ?? 'rolled back'})`,
        );
        ordered[i] = halted;
        events.push({ kind: 'halted', item: halted, next });
      }
      continue;
    }
    if (STOPPED_STATUSES.has(item.status)) {
      stoppedAt = item;
      continue;
    }
    if (waiting) continue;
    const advanced = await advanceOne(deps, item, policy, now, next);
    ordered[i] = advanced.item;
    events.push(...advanced.events);
    if (advanced.item.status === 'done') continue;
    if (STOPPED_STATUSES.has(advanced.item.status)) {
      stoppedAt = advanced.item;
      continue;
    }
    // The region in flight holds the ones after it until it is done.
    waiting = true;
  }
  return { items: ordered, events };
}

async function advanceOne(
  deps: RegionBakeDeps,
  item: RegionSyncItem,
  policy: RolloutPolicy | null,
  now: number,
  next: RegionSyncItem | null,
): Promise<LadderRun & { item: RegionSyncItem }> {
  const paused = item.held === 'paused';
  const events: LadderEvent[] = [];
  let current = item;
  if (item.status === 'rolling-back') {
    current = await rollBackRegion(deps, item, now);
  } else if (item.status === 'canary') {
    const step = await runRegionCanary(deps, item, policy, now);
    current = step.item;
    const kind = step.happened ? CANARY_EVENTS[step.happened] : null;
    if (kind) events.push({ kind, item: current, next, detail: ` ${step.reason}` });
    if (current.status === 'rolling-back') current = await rollBackRegion(deps, current, now);
  } else if (item.status === 'baking') {
    current = await bakeRegion(deps, item, policy, now, paused);
    if (current.status === 'rolling-back' && item.status === 'baking')
      events.push({ kind: 'bake-failed', item: current, next });
  } else {
    // A paused ladder starts no deployment; one already under way is followed to InService.
    if (paused && (item.status === 'pending' || item.status === 'failed'))
      return { item, items: [item], events };
    current = await syncRegion(deps, item, now);
    // Announced once: when the region's previous config is first recorded, i.e. its update begins.
    if (!item.replacedConfig && current.replacedConfig)
      events.push({ kind: 'deploying', item: current, next });
    if (current.status === 'failed' && item.artifactProblem && item.status === 'pending')
      events.push({ kind: 'unmapped', item: current, next });
    if (current.status === 'baking') events.push({ kind: 'baking', item: current, next });
  }
  if (current.status === 'done' && item.status !== 'done') events.push({ kind: 'done', item: current, next });
  if (current.status === 'rolled-back' && item.status !== 'rolled-back')
    events.push({ kind: 'rolled-back', item: current, next });
  return { item: current, items: [current], events };
}

const CANARY_EVENTS = {
  step: 'canary-step',
  promoted: 'canary-promoted',
  failed: 'canary-failed',
} as const;

async function halt(
  deps: Pick<RegionBakeDeps, 'syncStore'>,
  item: RegionSyncItem,
  now: number,
  why: string,
): Promise<RegionSyncItem> {
  try {
    return await deps.syncStore.update(item, { status: 'halted', now, stopReason: why, held: null });
  } catch (error) {
    if (error instanceof RegionSyncConflictError) return item;
    throw error;
  }
}
