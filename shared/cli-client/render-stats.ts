import type { StatsView } from '../control/control-contract';
import type { OutcomeFigures } from '../stats/deployment-stats';

/** A duration for people: `45s`, `6m 30s`, `1h 05m`, `2d 3h`. Milliseconds in. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60)
    return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

const HEADER = [
  '',
  'rollouts',
  'promoted',
  'rolled back',
  'aborted',
  'duration median',
  'p90',
  'time to detect',
];

function row(name: string, f: OutcomeFigures): string[] {
  return [
    name,
    String(f.rollouts),
    String(f.promoted),
    String(f.rolledBack),
    String(f.aborted),
    f.durationMs ? formatDuration(f.durationMs.median) : '-',
    f.durationMs ? formatDuration(f.durationMs.p90) : '-',
    f.timeToDetectMs
      ? `${formatDuration(f.timeToDetectMs.median)} (median of ${f.timeToDetectMs.count})`
      : '-',
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
    )
    .join('\n');
}

function reasons(f: OutcomeFigures, indent: string): string[] {
  return f.topRollbackReasons.map((r) => `${indent}${String(r.count).padStart(3)}  ${r.cause} ${r.name}`);
}

/** `rollout-watchdog stats` as text: the period, one row per scope, then the top rollback reasons. */
export function renderStats(stats: StatsView): string {
  const period = `${stats.since.slice(0, 16).replace('T', ' ')} to ${stats.until.slice(0, 16).replace('T', ' ')} UTC`;
  const lines = [`Rollouts that ended from ${period}${stats.endpoint ? ` on ${stats.endpoint}` : ''}:`, ''];
  if (stats.overall.rollouts === 0) return `${lines[0]} none.`;
  const rows = [HEADER, row(stats.endpoint ?? 'all endpoints', stats.overall)];
  if (!stats.endpoint && stats.endpoints.length > 1)
    for (const e of stats.endpoints) rows.push(row(e.endpointName, e));
  lines.push(table(rows), '');
  if (stats.overall.topRollbackReasons.length === 0) {
    lines.push('No rollbacks.');
  } else {
    lines.push('Top rollback reasons:', ...reasons(stats.overall, '  '));
    if (!stats.endpoint && stats.endpoints.length > 1)
      for (const e of stats.endpoints.filter((x) => x.topRollbackReasons.length > 0))
        lines.push(`  ${e.endpointName}:`, ...reasons(e, '    '));
  }
  lines.push(
    '',
    'Time to detect: a rollback by a metric counts from the start of the window of the first failing',
    'judgement of its streak, one by an alarm from its first breaching datapoint, to the decision that',
    'cut the canary. Operator rollbacks are not counted.',
  );
  return lines.join('\n');
}
