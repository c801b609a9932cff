const DURATION_PATTERN = /^(\d+)([smh])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/**
 * Parses a policy duration (`30s`, `10m`, `1h`: a positive whole number and one unit) into
 * seconds, or returns null for anything else. Compound forms (`1h30m`) and fractions are refused
 * on purpose: one obvious spelling per duration keeps policies reviewable.
 */
export function parseDuration(text: string): number | null {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return null;
  const amount = Number(match[1]);
  const seconds = amount * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  if (!Number.isSafeInteger(seconds) || seconds <= 0) return null;
  return seconds;
}
