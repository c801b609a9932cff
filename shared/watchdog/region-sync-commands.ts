import { applyCommand } from '../domain/apply-command';
import { regionCanaryPolicy } from '../domain/region-canary';
import type { RolloutPolicy } from '../domain/types';
import { RegionSyncConflictError, type RegionSyncRepository } from '../ports/region-sync-repository';
import type { LadderEvent } from '../wording/describe-region-ladder';
import { ladderOrder } from './region-sync-ladder';
import type { RegionSyncItem } from './region-sync-types';
import { MAX_SYNC_ATTEMPTS, STOPPED_STATUSES } from './region-sync-worker';

/** The operator commands a ladder takes, as a rollout takes them. */
export type LadderCommand = 'pause' | 'resume' | 'abort' | 'promote';

export type LadderCommandResult =
  | { ok: true; items: RegionSyncItem[]; event: LadderEvent }
  /** `none`: no ladder in progress (the caller falls back to the rollout's own command). */
  | { ok: false; kind: 'none' | 'conflict'; error: string };

/**
 * Applies an operator command to a promoted endpoint's ladder, in the region it stands at (the
 * first region not done): `pause` holds the ladder there (no region starts; a baking region is
 * still judged and goes back if it fails, but does not finish); `resume` lifts it; `promote` skips
 * the bakes of that region and every region after it (each still waits for InService); `abort`
 * stops the ladder: a region that has taken the model goes back to its previous config, the
 * regions after it keep what they run, and regions already done stay done. Decided by the items'
 * statuses and holds; a ladder with nothing left to do is `none`.
 */
export async function runLadderCommand(
  store: Pick<RegionSyncRepository, 'list' | 'update'>,
  endpointName: string,
  command: LadderCommand,
  who: { operator: string; reason?: string | undefined },
  now: number,
  /** The promoted rollout's policy: a region running its own canary takes pause, resume and promote through the engine. */
  policy?: RolloutPolicy,
): Promise<LadderCommandResult> {
  const ladder = ladderOrder(await store.list(endpointName));
  const open = ladder.filter((item) => item.status !== 'done' && !STOPPED_STATUSES.has(item.status));
  const at = open[0];
  if (!at) return { ok: false, kind: 'none', error: `no region ladder of ${endpointName} is in progress` };
  const by = ` by ${who.operator}${who.reason ? `: ${who.reason}` : ''}`;
  const next = open[1] ?? null;
  // A region canary's own state follows the command as a rollout's does (pause holds its step,
  // resume goes on, promote skips its remaining steps); a refusal of the engine's is the answer.
  let canary = at.canary;
  if (at.status === 'canary' && canary?.state && policy && at.steps && command !== 'abort') {
    const judged = regionCanaryPolicy(
      policy,
      {
        endpointName: at.targetEndpointName,
        region: at.region,
        baselineVariant: canary.baselineVariant,
        canaryVariant: canary.canaryVariant,
      },
      at.steps,
    );
    const applied = applyCommand(
      judged,
      canary.state,
      { type: command, ...(who.reason ? { reason: who.reason } : {}) },
      now,
      who.operator,
    );
    if (!applied.ok)
      return { ok: false, kind: 'conflict', error: `${at.region}'s own canary: ${applied.error}` };
    canary = { ...canary, state: applied.transition.state };
  }
  const withCanary = canary && canary !== at.canary ? { canary } : {};
  try {
    switch (command) {
      case 'pause': {
        if (at.held === 'paused')
          return {
            ok: false,
            kind: 'conflict',
            error: `the region ladder of ${endpointName} is already paused at ${at.region}`,
          };
        const paused = await store.update(at, { status: at.status, now, held: 'paused', ...withCanary });
        return { ok: true, items: [paused], event: { kind: 'paused', item: paused, next, detail: by } };
      }
      case 'resume': {
        // A region that used up its attempts waits for a person: resume gives it a fresh count.
        if (at.status === 'failed' && at.attempts >= MAX_SYNC_ATTEMPTS) {
          const retried = await store.update(at, { status: 'failed', now, held: null, resetAttempts: true });
          return { ok: true, items: [retried], event: { kind: 'resumed', item: retried, next, detail: by } };
        }
        if (at.held !== 'paused')
          return {
            ok: false,
            kind: 'conflict',
            error: `the region ladder of ${endpointName} is not paused (it is at ${at.region}, ${at.status})`,
          };
        const resumed = await store.update(at, { status: at.status, now, held: null, ...withCanary });
        return { ok: true, items: [resumed], event: { kind: 'resumed', item: resumed, next, detail: by } };
      }
      case 'promote': {
        const promoted: RegionSyncItem[] = [];
        for (const item of open)
          promoted.push(
            await store.update(item, {
              status: item.status,
              now,
              skipBake: true,
              held: null,
              ...(item === at ? withCanary : {}),
            }),
          );
        return {
          ok: true,
          items: promoted,
          event: { kind: 'promoted', item: promoted[0]!, next, detail: by },
        };
      }
      case 'abort': {
        const why = `aborted${by}`;
        // A region whose endpoint was pointed at the copy goes back; one that was not just stops.
        const tookModel = at.status === 'baking' || (at.status !== 'pending' && Boolean(at.replacedConfig));
        const first = await store.update(at, {
          status: tookModel ? 'rolling-back' : 'aborted',
          now,
          stopReason: why,
          held: null,
        });
        const changed = [first];
        for (const item of open.slice(1))
          changed.push(
            await store.update(item, {
              status: 'aborted',
              now,
              stopReason: `${at.region} was ${why}`,
              held: null,
            }),
          );
        return { ok: true, items: changed, event: { kind: 'aborted', item: first, next, detail: by } };
      }
    }
  } catch (error) {
    if (error instanceof RegionSyncConflictError)
      return {
        ok: false,
        kind: 'conflict',
        error: `the region ladder of ${endpointName} changed meanwhile; try again`,
      };
    throw error;
  }
}
