/** Period `GET /stats` and `rollout-watchdog stats` cover without `since`. */
export const DEFAULT_STATS_SINCE = '30d';

/** Longest period asked for. Days (outcome items are kept OUTCOME_TTL_SECONDS, 400 days). */
export const MAX_STATS_DAYS = 400;

const AGO_PATTERN = /^(\d{1,6})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const ISO_DAY_OR_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * The start (epoch ms) of a stats period: an age before `now` (`30d`, `12h`, `90m`) or an ISO day
 * or time (`2026-03-01`, `2026-03-01T10:00:00Z`). Null for anything else, or for a start more than
 * MAX_STATS_DAYS before `now`.
 */
export function statsSince(text: string, now: number): number | null {
  const ago = AGO_PATTERN.exec(text);
  let since: number;
  if (ago) since = now - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS];
  else if (ISO_DAY_OR_TIME.test(text)) since = Date.parse(text);
  else return null;
  if (!Number.isFinite(since) || now - since > MAX_STATS_DAYS * UNIT_MS.d) return null;
  return since;
}
