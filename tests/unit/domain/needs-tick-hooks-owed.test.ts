import { describe, expect, it } from 'vitest';
import { needsTick } from '../../../shared/domain/needs-tick';

describe('needsTick with notify hooks owed', () => {
  const finished = { state: { phase: 'RolledBack' as const, canaryWeight: 0 }, appliedCanaryWeight: 0 };

  it('keeps a finished rollout on the work list while hooks are owed', () => {
    expect(needsTick({ ...finished, hooksOwed: [{ point: 'afterEnd' }] })).toBe(true);
  });

  it('lets it go once nothing is owed', () => {
    expect(needsTick(finished)).toBe(false);
    expect(needsTick({ ...finished, hooksOwed: [] })).toBe(false);
  });
});
