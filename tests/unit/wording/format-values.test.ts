import { describe, expect, it } from 'vitest';
import {
  formatCount,
  formatDuration,
  formatMetricValue,
  formatMs,
  formatPercent,
  formatWeight,
} from '../../../shared/wording/format-values';

describe('the formatters every reason and message uses', () => {
  it.each([
    [45, '45s'],
    [600, '10m'],
    [3600, '1h'],
    [5400, '90m'],
    [270, '4m30s'],
    [90, '1m30s'],
    [-5, '0s'],
    [Number.NaN, 'unknown time'],
  ])('spells %s seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('spells rates, latencies, counts and weights one way, and n/a for a missing value', () => {
    expect(formatPercent(0.0812)).toBe('8.1%');
    expect(formatPercent(0.0812, 2)).toBe('8.12%');
    expect(formatMs(183.4)).toBe('183 ms');
    expect(formatMs(4.46)).toBe('4.5 ms');
    expect(formatCount(14103)).toBe('14,103');
    expect(formatWeight(20.04)).toBe('20%');
    expect(formatWeight(33.333)).toBe('33.3%');
    for (const missing of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(formatPercent(missing)).toBe('n/a');
      expect(formatMs(missing)).toBe('n/a');
      expect(formatCount(missing)).toBe('n/a');
      expect(formatWeight(missing)).toBe('n/a');
    }
  });

  it('words a value in its metric unit', () => {
    expect(formatMetricValue('errorRate', 0.05)).toBe('5.0%');
    expect(formatMetricValue('latency', 512.2)).toBe('512 ms');
    expect(formatMetricValue('custom', 0.912345)).toBe('0.9123');
  });
});
