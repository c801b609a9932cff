import { describe, expect, it } from 'vitest';
import { applyCommand, judgeTick, startRollout } from '../../../shared/domain/index';
import { describeDecision } from '../../../shared/wording/describe-decision';
import { at, standardPolicy } from '../../fixtures/policies/policy-fixtures';

const policy = standardPolicy();

describe('decisions as data, worded in one place', () => {
  it('names the operator of a command as a field of its cause, and words it in the reason', () => {
    const started = startRollout(policy, at(0), { operator: 'arn:aws:iam::1:user/ana', reason: 'v2' });
    expect(started.decision.cause).toMatchObject({ kind: 'started', operator: 'arn:aws:iam::1:user/ana' });
    expect(started.decision.reason).toMatch(/ \(by arn:aws:iam::1:user\/ana: v2\)$/);

    const paused = applyCommand(policy, started.state, { type: 'pause', reason: 'checking' }, at(1), 'ana');
    if (!paused.ok) throw new Error(paused.error);
    expect(paused.transition.decision.cause).toMatchObject({
      kind: 'command',
      command: 'pause',
      operator: 'ana',
      reason: 'checking',
      fromWeight: 5,
      toWeight: 5,
    });
    expect(paused.transition.decision.reason).toBe('paused by ana (checking) at canary 5%');
    expect(paused.transition.state.message).toBe(paused.transition.decision.reason);
  });

  it('gives every engine decision a reason that is the wording of its cause', () => {
    const started = startRollout(policy, at(0));
    const held = judgeTick(policy, started.state, { periods: [] }, at(1));
    for (const decision of [started.decision, held.decision]) {
      expect(decision.cause).toBeDefined();
      expect(describeDecision(decision.cause!, decision.evidence)).toBe(decision.reason);
    }
  });
});
