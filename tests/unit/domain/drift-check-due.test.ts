import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DRIFT_CHECK_INTERVAL_MS,
  DRIFT_CHECK_TICK_MS,
  driftCheckDue,
  stableHash,
} from '../../../shared/domain/drift-check-due';

const START = Date.parse('2026-01-01T00:00:00Z');
const MINUTE = 60_000;
const names = Array.from({ length: 1_000 }, (_, i) => `fraud-detector-${i}`);
/** The ticks of one default interval, one a minute. */
const ticks = Array.from({ length: DEFAULT_DRIFT_CHECK_INTERVAL_MS / MINUTE }, (_, i) => START + i * MINUTE);

describe('driftCheckDue', () => {
  it('checks each endpoint every 5 minutes by default, on one-minute ticks', () => {
    expect(DEFAULT_DRIFT_CHECK_INTERVAL_MS).toBe(5 * MINUTE);
    expect(DRIFT_CHECK_TICK_MS).toBe(MINUTE);
  });

  it('makes each endpoint due on exactly one tick of every interval', () => {
    for (const name of names.slice(0, 50)) {
      for (const from of [0, 5, 10, 37]) {
        const due = Array.from({ length: 5 }, (_, i) =>
          driftCheckDue(name, START + (from + i) * MINUTE, DEFAULT_DRIFT_CHECK_INTERVAL_MS),
        );
        expect(due.filter(Boolean)).toHaveLength(1);
      }
    }
  });

  it('spreads 1,000 rollouts evenly over the ticks of the interval', () => {
    const perTick = ticks.map(
      (now) => names.filter((name) => driftCheckDue(name, now, DEFAULT_DRIFT_CHECK_INTERVAL_MS)).length,
    );
    expect(perTick.reduce((a, b) => a + b, 0)).toBe(1_000);
    for (const count of perTick) {
      expect(count).toBeGreaterThanOrEqual(160);
      expect(count).toBeLessThanOrEqual(240);
    }
  });

  it('gives the same answer at any instant of a tick’s minute, so a late schedule does not shift it', () => {
    for (const name of names.slice(0, 100)) {
      const due = driftCheckDue(name, START + 2 * MINUTE, DEFAULT_DRIFT_CHECK_INTERVAL_MS);
      expect(driftCheckDue(name, START + 2 * MINUTE + 59_999, DEFAULT_DRIFT_CHECK_INTERVAL_MS)).toBe(due);
      expect(driftCheckDue(name, START + 2 * MINUTE + 1_234, DEFAULT_DRIFT_CHECK_INTERVAL_MS)).toBe(due);
    }
  });

  it.each([0, 30_000, MINUTE])(
    'checks every tick when the interval is %i ms, no longer than a tick',
    (interval) => {
      expect(names.slice(0, 20).every((name) => driftCheckDue(name, START + 7 * MINUTE, interval))).toBe(
        true,
      );
    },
  );

  it('hashes a name the same way on every run', () => {
    expect(stableHash('fraud-detector-prod')).toBe(stableHash('fraud-detector-prod'));
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(stableHash('a')).toBe(0xe40c292c);
  });
});
