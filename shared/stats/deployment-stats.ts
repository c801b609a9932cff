import type { OutcomeCause, RolloutOutcome } from './rollout-outcome';

/** Rollback reasons listed per scope at most. Reasons. */
export const TOP_REASONS_LIMIT = 5;

/** One rollback reason and how many rollbacks it caused. */
export interface RollbackReasonCount {
  /** `metric`, `alarm`, `operator` or `watchdog`. */
  cause: Exclude<OutcomeCause, 'plan'>;
  /** The metric or alarm name; for an operator, the command. */
  name: string;
  count: number;
}

/** The figures of one scope (every endpoint, or one). Durations in milliseconds. */
export interface OutcomeFigures {
  /** Rollouts that ended in the period. */
  rollouts: number;
  promoted: number;
  rolledBack: number;
  aborted: number;
  /** Start to final decision; null without rollouts. */
  durationMs: { median: number; p90: number } | null;
  /** Over rollbacks by a metric or an alarm with a known detection start; null without any. */
  timeToDetectMs: { median: number; count: number } | null;
  /** Most frequent first (ties by name), at most TOP_REASONS_LIMIT. */
  topRollbackReasons: RollbackReasonCount[];
}

export interface DeploymentStats {
  /** ISO bounds of the period: rollouts whose final decision falls in [since, until]. */
  since: string;
  until: string;
  /** Set when the figures were asked for one endpoint. */
  endpoint?: string;
  overall: OutcomeFigures;
  /** Per endpoint, by name. */
  endpoints: Array<{ endpointName: string } & OutcomeFigures>;
}

/**
 * Deployment analytics over `outcomes` (rollouts that ended in the period). Pure.
 *
 * Median: the middle value, or the mean of the two middle values. p90: nearest rank (the
 * ⌈0.9·n⌉-th smallest value), so it is always a duration that happened.
 */
export function deploymentStats(
  outcomes: ReadonlyArray<RolloutOutcome>,
  period: { since: string; until: string; endpoint?: string },
): DeploymentStats {
  const byEndpoint = new Map<string, RolloutOutcome[]>();
  for (const o of outcomes) byEndpoint.set(o.endpointName, [...(byEndpoint.get(o.endpointName) ?? []), o]);
  return {
    since: period.since,
    until: period.until,
    ...(period.endpoint ? { endpoint: period.endpoint } : {}),
    overall: figures(outcomes),
    endpoints: [...byEndpoint.keys()]
      .sort()
      .map((endpointName) => ({ endpointName, ...figures(byEndpoint.get(endpointName) ?? []) })),
  };
}

function figures(outcomes: ReadonlyArray<RolloutOutcome>): OutcomeFigures {
  const durations = outcomes.map((o) => o.durationMs);
  const detections = outcomes
    .filter((o) => o.outcome === 'RolledBack' && o.timeToDetectMs !== null)
    .map((o) => o.timeToDetectMs as number);
  const reasons = new Map<string, RollbackReasonCount>();
  for (const o of outcomes) {
    if (o.outcome !== 'RolledBack' || o.cause === 'plan') continue;
    const names = o.triggers.length > 0 ? o.triggers : ['(unnamed)'];
    for (const name of names) {
      const key = `${o.cause}\u0000${name}`;
      const found = reasons.get(key) ?? { cause: o.cause, name, count: 0 };
      found.count++;
      reasons.set(key, found);
    }
  }
  return {
    rollouts: outcomes.length,
    promoted: outcomes.filter((o) => o.outcome === 'Promoted').length,
    rolledBack: outcomes.filter((o) => o.outcome === 'RolledBack').length,
    aborted: outcomes.filter((o) => o.outcome === 'Aborted').length,
    durationMs: durations.length > 0 ? { median: median(durations), p90: nearestRank(durations, 0.9) } : null,
    timeToDetectMs: detections.length > 0 ? { median: median(detections), count: detections.length } : null,
    topRollbackReasons: [...reasons.values()]
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
      .slice(0, TOP_REASONS_LIMIT),
  };
}

/** The middle value of `values` (mean of the two middle ones for an even count). */
export function median(values: ReadonlyArray<number>): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The ⌈q·n⌉-th smallest of `values` (nearest-rank percentile), q in (0, 1]. */
export function nearestRank(values: ReadonlyArray<number>, q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}
