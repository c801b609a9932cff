/**
 * A sliding one-second window of admitted calls: the rate check behind both the `maxPerSecond`
 * fault rules (`faults.ts`) and the per-operation quotas (`quotas.ts`). A call is admitted while
 * fewer than the limit were admitted within the last second of wall time; a refused call is not
 * counted, as AWS does not count a throttled request against the rate that refused it.
 */

/** Length of the window, wall ms. */
export const RATE_WINDOW_MS = 1_000;

export interface RateWindow {
  /** True (and the call counted) when a call at `now` fits under `maxPerSecond`. */
  admit(now: number, maxPerSecond: number): boolean;
}

export function createRateWindow(): RateWindow {
  let recent: number[] = [];
  return {
    admit(now, maxPerSecond) {
      recent = recent.filter((t) => now - t < RATE_WINDOW_MS);
      if (recent.length >= maxPerSecond) return false;
      recent.push(now);
      return true;
    },
  };
}
