import { describe, expect, it } from 'vitest';
import { firstDatapointTime } from '../../../shared/stats/detection-start';
import { endsRollout, rolloutOutcome } from '../../../shared/stats/rollout-outcome';
import type { HistoryEntry } from '../../../shared/ports/rollout-repository';
import { knownRollouts, MINUTE } from './known-rollouts';

/** The outcome of each known rollout, from its final decision and the entries before it. */
function outcomes() {
  return knownRollouts().map(({ endpointName, entries }) => {
    const final = entries.find(endsRollout) as HistoryEntry;
    return rolloutOutcome(endpointName, final, entries.slice(0, entries.indexOf(final)));
  });
}

describe('rolloutOutcome', () => {
  it('counts a rollout from its start entry to the decision that ended it', () => {
    const promoted = outcomes()[1]!;
    expect(promoted).toMatchObject({
      endpointName: 'fraud-a',
      startedAt: '2026-03-01T10:00:00.000Z',
      endedAt: '2026-03-01T10:40:00.000Z',
      outcome: 'Promoted',
      cause: 'plan',
      durationMs: 40 * MINUTE,
      timeToDetectMs: null,
    });
  });

  it('times a metric rollback from the window of the first failing judgement of the streak that reached the limit', () => {
    const recovered = outcomes()[2]!;
    expect(recovered).toMatchObject({
      cause: 'metric',
      triggers: ['error-rate'],
      detectionStartedAt: '2026-03-01T11:10:00.000Z',
      timeToDetectMs: 6 * MINUTE,
    });
    expect(outcomes()[6]).toMatchObject({ triggers: ['p99-latency'], timeToDetectMs: 7 * MINUTE });
  });

  it("times an alarm rollback from the first breaching datapoint in CloudWatch's reason", () => {
    expect(outcomes()[3]).toMatchObject({
      cause: 'alarm',
      triggers: ['fraud-b-canary-5xx'],
      detectionStartedAt: '2026-03-01T12:17:00.000Z',
      timeToDetectMs: 3 * MINUTE,
    });
  });

  it('gives operator rollbacks and aborts no detection time', () => {
    expect(outcomes()[4]).toMatchObject({
      outcome: 'RolledBack',
      cause: 'operator',
      triggers: ['rollback'],
      timeToDetectMs: null,
    });
    expect(outcomes()[5]).toMatchObject({ outcome: 'Aborted', cause: 'operator', triggers: ['abort'] });
  });

  it('takes the start from the rollout id when the start entry is gone', () => {
    const { endpointName, entries } = knownRollouts()[1]!;
    const final = entries.find(endsRollout) as HistoryEntry;
    expect(rolloutOutcome(endpointName, final, []).startedAt).toBe('2026-03-01T10:00:00.000Z');
  });

  it('ends a rollout only on the decision or command that made it final, not on later entries', () => {
    const [, promoted] = knownRollouts();
    expect(promoted!.entries.filter(endsRollout).map((e) => e.kind)).toEqual(['decision']);
  });

  it('reads the earliest datapoint of an alarm reason, and nothing from a reason without any', () => {
    expect(firstDatapointTime('[1.0 (31/12/25 23:59:00), 2.0 (01/01/26 00:00:00)]')).toBe(
      Date.parse('2025-12-31T23:59:00Z'),
    );
    expect(firstDatapointTime('fixture set the state')).toBeNull();
  });
});
