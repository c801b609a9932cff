/** Human formatting for reasons and summaries; never throws, whatever the number. */

/** 0.0812 → `8.1%`. */
export function formatPercent(fraction: number | null, digits = 1): string {
  if (fraction === null || !Number.isFinite(fraction)) return 'n/a';
  if (digits === 1 && fraction >= 0 && fraction < 1e6) {
    // Integer arithmetic instead of toFixed: this runs several times per judgement.
    const tenths = Math.round(fraction * 1000);
    return `${Math.floor(tenths / 10)}.${tenths % 10}%`;
  }
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** 14103 → `14,103`. Written by hand because `toLocaleString` is slow on the hot path. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const whole = Math.round(value);
  const digits = String(Math.abs(whole));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return whole < 0 ? `-${out}` : out;
}

/** 183.4 → `183 ms`. */
export function formatMs(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

/** Epoch ms → ISO string, or a placeholder for a time that is not a valid date. */
export function formatTime(epochMs: number | null): string {
  if (epochMs === null || !Number.isFinite(epochMs) || Math.abs(epochMs) > 8.64e15) return 'unknown time';
  return new Date(epochMs).toISOString();
}

/** A number for custom metrics: up to 4 significant digits. */
export function formatNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  return Number(value.toPrecision(4)).toString();
}
