import type { Evidence, VariantSummary } from '../domain/types';
import { formatWeight } from '../wording/format-values';
import type { NotificationCurrent, RolloutNotification } from './notification';

/** `primary 80% / canary 20%`, baseline first. */
export function formatWeights(n: RolloutNotification, weights: Record<string, number> = n.weights): string {
  const names = Object.keys(weights);
  const order = [n.baselineVariant, n.canaryVariant, ...names].filter(
    (v, i, all): v is string => typeof v === 'string' && v in weights && all.indexOf(v) === i,
  );
  return order.map((v) => `${v} ${formatWeight(weights[v])}`).join(' / ') || 'unknown';
}

/** `primary (baseline)`, or just `canary` when the variant is named after its role. */
export function variantLabel(row: VariantRow): string {
  return row.name === row.role ? row.name : `${row.name} (${row.role})`;
}

export interface VariantRow {
  role: 'baseline' | 'canary';
  name: string;
  summary: VariantSummary;
}

/** Per-variant rows of the evidence, baseline first. */
export function variantRows(n: RolloutNotification, evidence: Evidence): VariantRow[] {
  return [
    { role: 'baseline', name: n.baselineVariant ?? 'baseline', summary: evidence.baseline },
    { role: 'canary', name: n.canaryVariant ?? 'canary', summary: evidence.canary },
  ];
}

/** `2026-01-01T00:05:00Z .. 2026-01-01T00:10:00Z`, or null when the window is unknown. */
export function formatWindow(evidence: Evidence): string | null {
  if (evidence.windowStart === null || evidence.windowEnd === null) return null;
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  return `${iso(evidence.windowStart)} .. ${iso(evidence.windowEnd)}`;
}

/** `#7`: the decision number readers order a rollout's messages by; null from older publishers. */
export function decisionLabel(n: Pick<RolloutNotification, 'rolloutVersion'>): string | null {
  return n.rolloutVersion === undefined ? null : `#${n.rolloutVersion}`;
}

/** `RolledBack, canary 0%`: where the rollout stands according to `current`. */
export function describeCurrent(current: NotificationCurrent): string {
  return `${current.phase}, canary ${formatWeight(current.canaryWeight)}`;
}
