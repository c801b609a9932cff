/**
 * When the tick looks at an endpoint that no decision of its own is moving: the periodic drift
 * check (someone changed the weights by hand, an update failed). Checking every endpoint every
 * tick costs one DescribeEndpoint per rollout per minute, which at SageMaker's rate quota does
 * not fit 1,000 rollouts into a minute; checking each once per interval, staggered by a stable
 * hash of its name, spreads them evenly over the interval's ticks. Pure: `now` is passed in.
 */

/** How often each endpoint's weights are checked for drift when nothing else describes it. Milliseconds. */
export const DEFAULT_DRIFT_CHECK_INTERVAL_MS = 5 * 60_000;

/** The tick's schedule, `rate(1 minute)`: the width of one drift-check slot. Milliseconds. */
export const DRIFT_CHECK_TICK_MS = 60_000;

/** FNV-1a's 32-bit offset basis and prime. */
const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** A stable 32-bit hash of `text` (FNV-1a over its UTF-16 code units): the same on every run and machine. */
export function stableHash(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash;
}

/**
 * True when the tick at `now` is the one that checks `endpointName` for drift. The interval is cut
 * into slots of one tick (`tickMs`); an endpoint's slot is its name's hash modulo their number, so
 * each endpoint is due on exactly one tick of every `intervalMs` and 1,000 endpoints fall about
 * evenly on the interval's ticks. A tick at any instant of a slot counts for it, so a late
 * schedule does not shift the pattern; a tick that never ran leaves that slot's endpoints to the
 * next interval. An interval of one tick or less makes every tick due.
 *
 * Inputs that drive it: the endpoint's name, `now`, `intervalMs`, `tickMs`.
 */
export function driftCheckDue(
  endpointName: string,
  now: number,
  intervalMs: number,
  tickMs: number = DRIFT_CHECK_TICK_MS,
): boolean {
  const slots = Math.max(1, Math.round(intervalMs / tickMs));
  if (slots === 1) return true;
  const slotNow = Math.floor(now / tickMs) % slots;
  return stableHash(endpointName) % slots === slotNow;
}
