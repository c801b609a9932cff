import { describe, expect, it } from 'vitest';
import { retryWithBackoff } from '../../../shared/watchdog/retry';

/** A fake clock that the fake sleep moves, so no test waits or depends on wall time. */
function fakeTime() {
  let now = 0;
  const waits: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    waits,
  };
}

describe('retryWithBackoff', () => {
  it('stops as soon as an attempt is done', async () => {
    const time = fakeTime();
    const result = await retryWithBackoff(async (n) => ({ done: n === 2, value: n }), {
      maxElapsedMs: 10_000,
      ...time,
    });
    expect(result).toEqual({ done: true, value: 2, attempts: 3 });
  });

  it('gives up within the time budget, returning the last value', async () => {
    const time = fakeTime();
    const result = await retryWithBackoff(async () => ({ done: false, value: 'busy' }), {
      maxElapsedMs: 5_000,
      baseMs: 100,
      maxDelayMs: 1_000,
      ...time,
    });
    expect(result.done).toBe(false);
    expect(result.value).toBe('busy');
    expect(time.clock()).toBeLessThanOrEqual(5_000);
  });

  it('keeps every wait within the exponential cap (full jitter)', async () => {
    const time = fakeTime();
    await retryWithBackoff(async (n) => ({ done: n === 6, value: n }), {
      maxElapsedMs: 60_000,
      baseMs: 100,
      maxDelayMs: 800,
      ...time,
    });
    time.waits.forEach((w, n) => {
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThanOrEqual(Math.min(800, 100 * 2 ** n));
    });
  });
});
