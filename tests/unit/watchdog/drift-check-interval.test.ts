import { describe, expect, it } from 'vitest';
import { DRIFT_CHECKS_PER_TICK, driftCheckInterval } from '../../../shared/watchdog/run-tick';

describe('driftCheckInterval', () => {
  it.each([
    [1, 60_000],
    [DRIFT_CHECKS_PER_TICK, 60_000],
    [DRIFT_CHECKS_PER_TICK + 1, 120_000],
    [1_000, 300_000],
    [5_000, 1_500_000],
  ])('checks each of %i rollouts every %i ms', (rollouts, interval) => {
    expect(driftCheckInterval(rollouts)).toBe(interval);
  });

  it('never asks more drift checks of one tick than the budget, on average', () => {
    for (const rollouts of [1, 50, 199, 200, 201, 999, 1_000, 4_321]) {
      const ticks = driftCheckInterval(rollouts) / 60_000;
      expect(rollouts / ticks).toBeLessThanOrEqual(DRIFT_CHECKS_PER_TICK);
    }
  });
});
