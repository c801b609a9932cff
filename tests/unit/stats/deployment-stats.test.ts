import { describe, expect, it } from 'vitest';
import { deploymentStats, median, nearestRank } from '../../../shared/stats/deployment-stats';
import { endsRollout, rolloutOutcome } from '../../../shared/stats/rollout-outcome';
import { statsSince } from '../../../shared/stats/stats-period';
import type { HistoryEntry } from '../../../shared/ports/rollout-repository';
import {
  EXPECTED_FRAUD_A,
  EXPECTED_FRAUD_B,
  EXPECTED_OVERALL,
  knownRollouts,
  STATS_NOW,
} from './known-rollouts';

describe('deploymentStats over a history of known rollouts', () => {
  const since = statsSince('30d', STATS_NOW) as number;
  const outcomes = knownRollouts()
    .map(({ endpointName, entries }) =>
      rolloutOutcome(endpointName, entries.find(endsRollout) as HistoryEntry, entries),
    )
    .filter((o) => Date.parse(o.endedAt) >= since);
  const period = { since: new Date(since).toISOString(), until: new Date(STATS_NOW).toISOString() };

  it('counts the rollouts, their outcomes, durations, time to detect and top rollback reasons', () => {
    expect(deploymentStats(outcomes, period).overall).toEqual(EXPECTED_OVERALL);
  });

  it('gives the same figures per endpoint', () => {
    expect(deploymentStats(outcomes, period).endpoints).toEqual([EXPECTED_FRAUD_A, EXPECTED_FRAUD_B]);
  });

  it('answers an empty period with zeros and no durations', () => {
    expect(deploymentStats([], period).overall).toEqual({
      rollouts: 0,
      promoted: 0,
      rolledBack: 0,
      aborted: 0,
      durationMs: null,
      timeToDetectMs: null,
      topRollbackReasons: [],
    });
  });
});

describe('the statistics', () => {
  it.each([
    [[5], 5, 5],
    [[4, 1], 2.5, 4],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5, 9],
    [[10, 1, 7], 7, 10],
  ])('median and nearest-rank p90 of %j are %d and %d', (values, med, p90) => {
    expect(median(values)).toBe(med);
    expect(nearestRank(values, 0.9)).toBe(p90);
  });
});

describe('statsSince', () => {
  const now = Date.parse('2026-03-02T00:00:00Z');
  it.each([
    ['30d', '2026-01-31T00:00:00.000Z'],
    ['12h', '2026-03-01T12:00:00.000Z'],
    ['90m', '2026-03-01T22:30:00.000Z'],
    ['2026-02-01', '2026-02-01T00:00:00.000Z'],
    ['2026-02-01T06:00:00Z', '2026-02-01T06:00:00.000Z'],
  ])('reads %s as a period from %s', (text, iso) => {
    expect(new Date(statsSince(text, now) as number).toISOString()).toBe(iso);
  });

  it.each(['', '30', '1w', '-3d', '401d', '2026-13-45', 'yesterday'])('refuses %j', (text) => {
    expect(statsSince(text, now)).toBeNull();
  });
});
