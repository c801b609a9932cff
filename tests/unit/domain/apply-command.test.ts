import { describe, expect, it } from 'vitest';
import { applyCommand, startRollout } from '../../../shared/domain/index';
import type { OperatorCommand, Phase, RolloutState } from '../../../shared/domain/types';
import { at, standardPolicy } from '../../fixtures/policies/policy-fixtures';

const policy = standardPolicy((raw) => {
  raw.strategy.canary.steps = [
    { setWeight: 5 },
    { pause: { duration: '10m' } },
    { setWeight: 20 },
    { pause: {} },
    { setWeight: 50 },
    { pause: { duration: '10m' } },
  ];
});
const base = startRollout(policy, at(0)).state;
const inPhase = (phase: Phase): RolloutState => ({
  ...base,
  phase,
  canaryWeight: phase === 'Promoted' ? 100 : phase === 'Progressing' || phase === 'Paused' ? 5 : 0,
  pauseCause: phase === 'Paused' ? 'operator' : null,
});

const commands: Record<OperatorCommand['type'], OperatorCommand> = {
  pause: { type: 'pause' },
  resume: { type: 'resume' },
  promote: { type: 'promote' },
  abort: { type: 'abort' },
  rollback: { type: 'rollback', reason: 'customer complaints' },
};

describe('applyCommand', () => {
  it.each<[OperatorCommand['type'], Phase, Phase | null, number | null]>([
    ['pause', 'Progressing', 'Paused', 5],
    ['pause', 'Paused', null, null],
    ['resume', 'Paused', 'Progressing', 5],
    ['resume', 'Progressing', null, null],
    ['promote', 'Progressing', 'Promoted', 100],
    ['promote', 'Paused', 'Promoted', 100],
    ['abort', 'Progressing', 'Aborted', 0],
    ['abort', 'Paused', 'Aborted', 0],
    ['rollback', 'Progressing', 'RolledBack', 0],
    ['rollback', 'Paused', 'RolledBack', 0],
    ...(['Promoted', 'RolledBack', 'Aborted'] as const).flatMap((final) =>
      (['pause', 'resume', 'promote', 'abort', 'rollback'] as const).map(
        (command) => [command, final, null, null] as [OperatorCommand['type'], Phase, null, null],
      ),
    ),
  ])('%s in %s -> %s (canary %s%%)', (command, phase, expectedPhase, expectedWeight) => {
    const result = applyCommand(policy, inPhase(phase), commands[command], at(3));
    if (expectedPhase === null) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(new RegExp(`^cannot ${command}: `));
      return;
    }
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.transition.state).toMatchObject({ phase: expectedPhase, canaryWeight: expectedWeight });
    expect(result.transition.decision.reason).toBe(result.transition.state.message);
  });

  it('records an operator pause with its cause', () => {
    const result = applyCommand(policy, base, { type: 'pause', reason: 'investigating' }, at(3));
    if (!result.ok) throw new Error(result.error);
    expect(result.transition.state.pauseCause).toBe('operator');
    expect(result.transition.decision).toMatchObject({
      action: 'pause',
      reason: 'paused by an operator (investigating) at canary 5%',
    });
  });

  it('resumes past a pause without duration, applying the next setWeight', () => {
    const atManual: RolloutState = {
      ...base,
      phase: 'Paused',
      pauseCause: 'step',
      stepIndex: 3,
      canaryWeight: 20,
    };
    const result = applyCommand(policy, atManual, { type: 'resume' }, at(30));
    if (!result.ok) throw new Error(result.error);
    expect(result.transition.state).toMatchObject({
      phase: 'Progressing',
      stepIndex: 5,
      canaryWeight: 50,
      stepStartedAt: at(30),
      pauseCause: null,
    });
    expect(result.transition.decision.action).toBe('advance');
  });

  it('clears the inconclusive streak on resume', () => {
    const stuck: RolloutState = {
      ...base,
      phase: 'Paused',
      pauseCause: 'inconclusive',
      consecutiveInconclusive: 30,
    };
    const result = applyCommand(policy, stuck, { type: 'resume' }, at(40));
    if (!result.ok) throw new Error(result.error);
    expect(result.transition.state).toMatchObject({
      phase: 'Progressing',
      consecutiveInconclusive: 0,
      stepIndex: 1,
    });
  });

  it('skips the remaining steps on promote', () => {
    const result = applyCommand(policy, base, { type: 'promote' }, at(3));
    if (!result.ok) throw new Error(result.error);
    expect(result.transition.state).toMatchObject({
      phase: 'Promoted',
      canaryWeight: 100,
      stepIndex: policy.steps.length,
    });
    expect(result.transition.decision.action).toBe('promote');
  });

  it.each([{ type: 'rollback', reason: '' }, { type: 'rollback', reason: '   ' }, { type: 'rollback' }])(
    'refuses a rollback without a reason (%j)',
    (command) => {
      expect(applyCommand(policy, base, command as OperatorCommand, at(3))).toEqual({
        ok: false,
        error: 'cannot rollback: a reason is required',
      });
    },
  );

  it('keeps the operator’s reason in a rollback', () => {
    const result = applyCommand(policy, base, { type: 'rollback', reason: 'bad predictions' }, at(3));
    if (!result.ok) throw new Error(result.error);
    expect(result.transition.decision).toMatchObject({
      action: 'rollback',
      reason: 'rolled back by an operator: bad predictions; canary 5% -> 0%',
    });
  });

  it('refuses an unknown command', () => {
    const result = applyCommand(policy, base, { type: 'restart' } as unknown as OperatorCommand, at(3));
    expect(result).toEqual({
      ok: false,
      error: 'unknown command "restart": expected pause, resume, promote, abort or rollback',
    });
  });
});
