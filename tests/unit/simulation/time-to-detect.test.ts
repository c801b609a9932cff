import { describe, expect, it } from 'vitest';
import { timeToDetectMinutes } from '../../../shared/simulation/time-to-detect';

describe('timeToDetectMinutes', () => {
  it.each([
    // regression, rollback minute, period seconds, expected minutes
    { regression: 25, rollback: 25, periodSeconds: 60, expected: 1 }, // decided at the end of the first bad minute
    { regression: 25, rollback: 26, periodSeconds: 60, expected: 2 }, // at the end of the second bad minute
    { regression: 0, rollback: 4, periodSeconds: 60, expected: 5 }, // a canary bad from the start
    { regression: 30, rollback: 29, periodSeconds: 60, expected: 0 }, // decided as the regression began
    { regression: 30, rollback: 20, periodSeconds: 60, expected: -9 }, // before it: luck, not detection
    { regression: 10, rollback: 12, periodSeconds: 300, expected: 15 }, // 5-minute periods: 3 periods
    { regression: 10, rollback: 11, periodSeconds: 30, expected: 1 }, // 30-second periods: 2 periods
  ])(
    'regression from minute $regression, rollback decided on minute $rollback ($periodSeconds s periods): $expected min',
    ({ regression, rollback, periodSeconds, expected }) => {
      expect(
        timeToDetectMinutes({ regressionFromMinute: regression, rollbackMinute: rollback, periodSeconds }),
      ).toBe(expected);
    },
  );

  it.each([
    { regression: null, rollback: 26 },
    { regression: undefined, rollback: 26 },
    { regression: 25, rollback: null },
    { regression: 25, rollback: undefined },
    { regression: null, rollback: null },
  ])(
    'is null without both a regression and a rollback ($regression, $rollback)',
    ({ regression, rollback }) => {
      expect(timeToDetectMinutes({ regressionFromMinute: regression, rollbackMinute: rollback })).toBeNull();
    },
  );

  it('counts one-minute periods when the period is not given', () => {
    expect(timeToDetectMinutes({ regressionFromMinute: 25, rollbackMinute: 26 })).toBe(2);
  });
});
