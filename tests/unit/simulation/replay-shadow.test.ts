import { describe, expect, it } from 'vitest';
import { createReplaySession } from '../../../shared/simulation/replay-session';
import { standardPolicy } from '../../fixtures/policies/policy-fixtures';

/** The replay protocol's `shadowPercent` (docs/replay-protocol.md): present exactly while a shadow runs. */

const policy = standardPolicy((raw) => {
  raw.strategy.canary.shadow = { samplingPercent: 25, duration: '2m' };
});

const line = (minute: number, copies: number, errorRate = 0.002) =>
  JSON.stringify({
    time: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
    variants: {
      primary: {
        invocations: 3000,
        errors5xx: 6,
        errors4xx: 0,
        latencyAvgMs: 40,
        latencyP50Ms: 38,
        latencyP90Ms: 70,
        latencyP99Ms: 160,
      },
      canary: {
        invocations: copies,
        errors5xx: Math.round(copies * errorRate),
        errors4xx: 0,
        latencyAvgMs: 40,
        latencyP50Ms: 38,
        latencyP90Ms: 70,
        latencyP99Ms: 160,
      },
    },
  });

describe('replay: shadowPercent', () => {
  it('answers every line of the shadow with weights 100/0 and shadowPercent, then drops it once the shadow passed', () => {
    const session = createReplaySession(policy);
    const answers = [1, 2, 3, 4].map((m) => session.handleLine(line(m, 750))!.output);
    expect(answers.slice(0, 2)).toEqual([
      expect.objectContaining({ weights: { primary: 100, canary: 0 }, action: 'hold', shadowPercent: 25 }),
      expect.objectContaining({ weights: { primary: 100, canary: 0 }, action: 'hold', shadowPercent: 25 }),
    ]);
    expect(Object.keys(answers[0]!)).toEqual([
      'time',
      'phase',
      'stepIndex',
      'weights',
      'action',
      'reason',
      'shadowPercent',
    ]);
    expect(answers[2]).toMatchObject({ action: 'advance', weights: { primary: 95, canary: 5 } });
    expect(answers[2]).not.toHaveProperty('shadowPercent');
    expect(answers[3]).not.toHaveProperty('shadowPercent');
  });

  it('gives shadowPercent on a malformed first line too (the shadow is what runs before the start)', () => {
    const answer = createReplaySession(policy).handleLine('{not json')!;
    expect(answer.error?.error).toBe('malformed input');
    expect(answer.output).toMatchObject({ weights: { primary: 100, canary: 0 }, shadowPercent: 25 });
  });

  it('drops shadowPercent once the shadow failed: nothing is copied any more', () => {
    const session = createReplaySession(policy);
    const answers = [1, 2, 3].map((m) => session.handleLine(line(m, 750, 0.3))!.output);
    const rolledBack = answers.find((a) => a.action === 'rollback')!;
    expect(rolledBack).toMatchObject({ phase: 'RolledBack', weights: { primary: 100, canary: 0 } });
    expect(rolledBack).not.toHaveProperty('shadowPercent');
    expect(answers.at(-1)).not.toHaveProperty('shadowPercent');
  });
});
