/** First delay of `retryWithBackoff`. Milliseconds. */
export const DEFAULT_RETRY_BASE_MS = 200;

/** Ceiling of one delay of `retryWithBackoff`. Milliseconds. */
export const DEFAULT_RETRY_MAX_DELAY_MS = 2_000;

export interface RetryOptions {
  /** Stop retrying once this much wall time has passed since the first attempt. Milliseconds. */
  maxElapsedMs: number;
  /** Default DEFAULT_RETRY_BASE_MS. */
  baseMs?: number;
  /** Default DEFAULT_RETRY_MAX_DELAY_MS. */
  maxDelayMs?: number;
  /** Sleeps for tests; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Wall clock for the elapsed budget; default Date.now. */
  clock?: () => number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt` until it returns `{ done: true }` or the `maxElapsedMs` budget is spent, waiting
 * with "full jitter" exponential backoff between attempts (random in [0, min(max, base·2^n)]) so
 * concurrent callers do not retry in lockstep. Returns the last attempt's value and whether it
 * finished. Errors thrown by `attempt` propagate: only "not yet" outcomes are retried here.
 */
export async function retryWithBackoff<T>(
  attempt: (n: number) => Promise<{ done: boolean; value: T }>,
  options: RetryOptions,
): Promise<{ done: boolean; value: T; attempts: number }> {
  const base = options.baseMs ?? DEFAULT_RETRY_BASE_MS;
  const cap = options.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
  const wait = options.sleep ?? sleep;
  const clock = options.clock ?? Date.now;
  const started = clock();
  for (let n = 0; ; n++) {
    const result = await attempt(n);
    if (result.done) return { ...result, attempts: n + 1 };
    const delay = Math.random() * Math.min(cap, base * 2 ** n);
    if (clock() - started + delay > options.maxElapsedMs) return { ...result, attempts: n + 1 };
    await wait(delay);
  }
}
