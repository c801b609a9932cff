import type { OperatorCommand } from '../domain/types';
import type { RolloutRecord } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import { runLadderCommand } from '../watchdog/region-sync-commands';
import { announceLadder } from '../watchdog/region-sync-run';
import type { RegionSyncItem } from '../watchdog/region-sync-types';
import {
  type CommandOutcome,
  type ControlContext,
  type ControlResult,
  conflict,
  type RegionSyncView,
} from './control-contract';
import type { ControlDeps } from './control-deps';
import { summarize } from './control-views';

/** How far the promoted model got in one region, as status, `regions` and a ladder command show it. */
export function regionSyncView(item: RegionSyncItem): RegionSyncView {
  return {
    region: item.region,
    targetEndpointName: item.targetEndpointName,
    status: item.status,
    attempts: item.attempts,
    lastError: item.lastError,
    drift: item.drift ?? null,
    replacedConfig: item.replacedConfig ?? null,
    updatedAt: item.updatedAt,
    ...(item.order === undefined ? {} : { order: item.order }),
    model: item.identity.modelName,
    config: item.targetEndpointConfigName ?? null,
    bake: item.bake ?? null,
    held: item.held ?? null,
    stopReason: item.stopReason ?? null,
    failover: item.failover ?? null,
  };
}

/**
 * `pause`, `resume`, `promote` and `abort` of a promoted rollout whose region ladder is still in
 * progress act on the ladder (region-sync-commands.ts), announced and written to the history like
 * a rollout's commands. Null when there is no ladder to act on: the command then goes to the
 * rollout as before (and the engine answers it).
 */
export async function ladderCommand(
  deps: ControlDeps,
  record: RolloutRecord,
  command: OperatorCommand,
  ctx: ControlContext,
): Promise<ControlResult<CommandOutcome> | null> {
  const store = deps.regionSync;
  if (record.state.phase !== 'Promoted' || command.type === 'rollback' || !store?.update) return null;
  const result = await runLadderCommand(
    { list: (name) => store.list(name), update: (item, change) => store.update!(item, change) },
    record.endpointName,
    command.type,
    { operator: ctx.operator, reason: command.reason },
    ctx.now,
    record.policy,
  );
  if (!result.ok) return result.kind === 'none' ? null : conflict(result.error);
  await announceLadder(
    {
      notifier: deps.notifier,
      log: deps.log ?? SILENT_LOG,
      appendHistory: (name, entries) => deps.store.appendHistory(name, entries),
      readRollout: async () => record,
    },
    result.event,
    ctx.now,
    record,
  );
  const all = await store.list(record.endpointName);
  return {
    ok: true,
    body: { outcome: 'applied', rollout: summarize(record), regions: all.map(regionSyncView) },
  };
}
