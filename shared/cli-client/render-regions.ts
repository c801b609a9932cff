import type { RegionSyncView, RolloutStatus } from '../control/control-contract';

/**
 * `rollout-watchdog regions ENDPOINT`: the promoted model's ladder, one line per region in ladder
 * order (what it runs or takes, its status, its bake), then anything that needs a person (drift,
 * an error, why it stopped, a failover signal) on the lines under it.
 */
export function renderRegions(status: RolloutStatus): string {
  const regions = status.regions ?? [];
  if (regions.length === 0)
    return `${status.endpointName}: no region ladder (${status.phase === 'Promoted' ? 'the policy names no regions, or the promotion is not recorded yet' : `the rollout is ${status.phase}; regions take the model after a promotion`})`;
  const lines = [`${status.endpointName} (${status.region}): the promoted model's ladder`];
  for (const [index, r] of regions.entries()) lines.push(...regionLines(index, r));
  return lines.join('\n');
}

function regionLines(index: number, r: RegionSyncView): string[] {
  const held = r.held === 'paused' ? ' [paused]' : '';
  const lines = [
    `  ${index + 1}. ${r.region.padEnd(14)} ${r.targetEndpointName.padEnd(28)} ${(r.model ?? '?').padEnd(28)} ${r.status}${held}  bake: ${bakeText(r)}`,
  ];
  if (r.failover) lines.push(`       FAILOVER to ${r.region}: ${r.failover}`);
  if (r.drift) lines.push(`       DRIFT: ${r.drift}`);
  if (r.stopReason) lines.push(`       stopped: ${r.stopReason}`);
  if (r.lastError && r.status !== 'done') lines.push(`       last: ${r.lastError} (attempt ${r.attempts})`);
  return lines;
}

function bakeText(r: RegionSyncView): string {
  const bake = r.bake;
  if (!bake) return r.status === 'pending' ? 'not begun' : '-';
  if (bake.verdict === 'watching') return `watching until ${bake.until} (${bake.summary})`;
  if (bake.verdict === 'skipped') return bake.summary;
  return `${bake.verdict} (${bake.summary})`;
}
