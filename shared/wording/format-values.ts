/**
 * The only formatters of durations, percentages, latencies, counts and weights. Decision reasons,
 * email, Slack, the CLI, `simulate`, the demo and `replay` all print numbers through these, so a
 * value reads the same wherever it shows up. None of them throws, whatever the number: a missing
 * or non-finite value prints as `n/a`.
 */

const isNumber = (value: number | null | undefined): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** 0.0812 → `8.1%`; `digits` decimals of the percentage. */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (!isNumber(fraction)) return 'n/a';
  if (digits === 1 && fraction >= 0 && fraction < 1e6) {
    // Integer arithmetic instead of toFixed: the engine words several of these per judgement.
    const tenths = Math.round(fraction * 1000);
    return `${Math.floor(tenths / 10)}.${tenths % 10}%`;
  }
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** 0.013 → `+1.3%`, -0.004 → `-0.4%`: a change between two rates. */
export function formatSignedPercent(fraction: number, digits = 1): string {
  return fraction < 0 ? `-${formatPercent(-fraction, digits)}` : `+${formatPercent(fraction, digits)}`;
}

/** 0.46 → `+46%`, -0.05 → `-5%`: a relative change, in whole percent. */
export function formatSignedWholePercent(fraction: number): string {
  const whole = Math.round(fraction * 100);
  return `${whole < 0 ? '' : '+'}${whole}%`;
}

/** A traffic weight already in percent, to a tenth: 20 → `20%`, 33.33 → `33.3%`, 20.04 → `20%`. */
export function formatWeight(percent: number | null | undefined): string {
  if (!isNumber(percent)) return 'n/a';
  return `${Math.round(percent * 10) / 10}%`;
}

/** 14103 → `14,103`. Written by hand because `toLocaleString` is slow on the engine's hot path. */
export function formatCount(value: number | null | undefined): string {
  if (!isNumber(value)) return 'n/a';
  const whole = Math.round(value);
  const digits = String(Math.abs(whole));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return whole < 0 ? `-${out}` : out;
}

/** 183.4 → `183 ms`; below 10 ms one decimal (`4.5 ms`), where rounding would hide the value. */
export function formatMs(value: number | null | undefined): string {
  if (!isNumber(value)) return 'n/a';
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

/** A custom metric's value, in its own unit: up to 4 significant digits (`0.9123`, `1235`). */
export function formatNumber(value: number | null | undefined): string {
  if (!isNumber(value)) return 'n/a';
  return Number(value.toPrecision(4)).toString();
}

/** A value in a metric's unit: a rate as a percentage, a latency in ms, a custom value as a number. */
export function formatMetricValue(type: string, value: number | null | undefined): string {
  if (type === 'errorRate') return formatPercent(value);
  if (type === 'latency') return formatMs(value);
  return formatNumber(value);
}

/**
 * Seconds as a duration: `45s`, `10m`, `1h`, and `4m30s` for a time that is not whole minutes.
 * Whole minutes stay in minutes unless they are whole hours (`90m`, not `1h30m`), which is how a
 * policy spells a duration, so a pause reads as it was written.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown time';
  const whole = Math.max(0, Math.floor(seconds));
  if (whole >= 3600 && whole % 3600 === 0) return `${whole / 3600}h`;
  if (whole >= 60 && whole % 60 === 0) return `${whole / 60}m`;
  if (whole < 60) return `${whole}s`;
  return `${Math.floor(whole / 60)}m${whole % 60}s`;
}

/** Epoch ms → ISO string, or a placeholder for a time that is not a valid date. */
export function formatTime(epochMs: number | null | undefined): string {
  if (!isNumber(epochMs) || Math.abs(epochMs) > 8.64e15) return 'unknown time';
  return new Date(epochMs).toISOString();
}
