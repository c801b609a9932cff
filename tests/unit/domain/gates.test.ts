import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type GateAnswer,
  decideAtGate,
  gateProposal,
  passGateProposal,
} from '../../../shared/domain/gate-decision';
import { gatePointsCrossed, hooksAt } from '../../../shared/domain/gate-points';
import { withResumeGate, withStartGate } from '../../../shared/domain/gate-start';
import { applyCommand, judgeTick, startRollout, weightsOf } from '../../../shared/domain/index';
import type { HookPolicy, RolloutPolicy, RolloutState, Transition } from '../../../shared/domain/types';
import { describeNext } from '../../../shared/wording/describe-next';
import { at, period, standardPolicy } from '../../fixtures/policies/policy-fixtures';

function hook(name: string, over: Partial<HookPolicy> = {}): HookPolicy {
  return {
    name,
    at: ['beforeStep'],
    kind: 'gate',
    target: { type: 'lambda', functionName: `${name}-gate` },
    timeoutSeconds: 10,
    retries: 2,
    failureLimit: 6,
    onFailure: 'rollback',
    ...over,
  };
}

function gated(...hooks: HookPolicy[]): RolloutPolicy {
  return { ...standardPolicy(), hooks };
}

const yes = (name: string): GateAnswer => ({ hook: name, allow: true, reason: 'ok', failed: false });
const no = (name: string, reason = 'load test running'): GateAnswer => ({
  hook: name,
  allow: false,
  reason,
  failed: false,
});

/**
 * Plays the engine minute by minute as the tick does where hooks apply: the engine decides, the
 * gates of the points its move crosses answer (`answer(minute, hook)`), and the gate decision is
 * what the rollout becomes. Healthy traffic that follows the weight in force.
 */
function playGated(
  policy: RolloutPolicy,
  minutes: number,
  answer: (minute: number, hook: string) => boolean,
): { states: RolloutState[]; transitions: Transition[]; asked: Array<{ minute: number; point: string }> } {
  let state = withStartGate(policy, startRollout(policy, at(0)), at(0)).state;
  const states: RolloutState[] = [];
  const transitions: Transition[] = [];
  const asked: Array<{ minute: number; point: string }> = [];
  for (let minute = 0; minute < minutes; minute++) {
    const weight = weightsOf(policy, state)[policy.endpoint.canaryVariant]!;
    const canary = Math.round(3000 * (weight / 100));
    const engine = judgeTick(
      policy,
      state,
      { periods: [period(minute, { invocations: canary }, { invocations: 3000 - canary })] },
      at(minute),
    );
    const proposal = gateProposal(policy, state, engine, at(minute));
    let next: Transition | null = null;
    const passed: string[] = [];
    for (const point of proposal.points) {
      const gates = hooksAt(policy, point, 'gate');
      if (gates.length === 0) continue;
      asked.push({ minute, point });
      const answers = gates.map((g) => (answer(minute, g.name) ? yes(g.name) : no(g.name)));
      next = decideAtGate(policy, state, proposal.transition, point, answers, at(minute));
      if (next) break;
      passed.push(...gates.map((g) => g.name));
    }
    next ??= passGateProposal(state, proposal.transition, proposal.points, passed);
    transitions.push(next);
    state = next.state;
    states.push(state);
  }
  return { states, transitions, asked };
}

describe('which gate points a move crosses', () => {
  const policy = standardPolicy();
  const start = startRollout(policy, at(0));
  const base = start.state;
  const advanced = (from: number, to: number): Transition => ({
    state: { ...base, canaryWeight: to, stepIndex: 3 },
    decision: {
      action: 'advance',
      reason: '',
      evidence: start.decision.evidence,
      cause: {
        kind: 'advanced',
        notes: [],
        completed: { kind: 'pause', durationSeconds: 600 },
        judgement: 'pass',
        fromWeight: from,
        toWeight: to,
        next: { kind: 'step', at: { index: 3, count: 6, step: null } },
      },
    },
  });

  it.each([
    ['a later setWeight raising the canary', { ...base, canaryWeight: 5 }, advanced(5, 20), ['beforeStep']],
    ['the first weight reaching the canary', { ...base, canaryWeight: 0 }, advanced(0, 5), ['beforeStart']],
    [
      'an engine promotion',
      { ...base, canaryWeight: 50 },
      {
        state: { ...base, phase: 'Promoted', canaryWeight: 100 },
        decision: {
          ...start.decision,
          action: 'promote',
          cause: { kind: 'promoted', notes: [], completed: { kind: 'all-steps' }, judgement: 'pass' },
        },
      } as Transition,
      ['beforePromotion'],
    ],
    [
      "an operator's promote (a person's decision)",
      { ...base, canaryWeight: 20 },
      applyCommand(
        policy,
        { ...base, canaryWeight: 20 },
        { type: 'promote' },
        at(3),
        'ops',
      ) as unknown as Transition,
      [],
    ],
  ] as Array<[string, RolloutState, Transition, string[]]>)('%s', (_what, before, transition, points) => {
    const t =
      'transition' in transition
        ? (transition as unknown as { transition: Transition }).transition
        : transition;
    expect(gatePointsCrossed(before, t)).toEqual(points);
  });

  it('crosses nothing on a hold or a rollback', () => {
    const held = judgeTick(
      policy,
      base,
      { periods: [period(0, { invocations: 150 }, { invocations: 2850 })] },
      at(1),
    );
    expect(gatePointsCrossed(base, held)).toEqual([]);
    const rolledBack: Transition = {
      ...held,
      state: { ...held.state, phase: 'RolledBack', canaryWeight: 0 },
    };
    expect(gatePointsCrossed(base, rolledBack)).toEqual([]);
  });
});

describe('the decision at a gate', () => {
  const policy = gated(hook('load-test', { failureLimit: 3 }));
  const before: RolloutState = { ...startRollout(policy, at(0)).state, stepIndex: 1, canaryWeight: 5 };
  const proposal: Transition = {
    state: { ...before, stepIndex: 3, canaryWeight: 20, stepStartedAt: at(10) },
    decision: { ...startRollout(policy, at(0)).decision, action: 'advance' },
  };

  it('lets the move through when every gate allows', () => {
    expect(decideAtGate(policy, before, proposal, 'beforeStep', [yes('load-test')], at(10))).toBeNull();
  });

  it('holds at the point with the gate reason and counts the failure', () => {
    const held = decideAtGate(policy, before, proposal, 'beforeStep', [no('load-test')], at(10))!;
    expect(held.decision.action).toBe('hold');
    expect(held.state).toMatchObject({ canaryWeight: 5, stepIndex: 1, phase: 'Progressing' });
    expect(held.state.gate).toMatchObject({
      point: 'beforeStep',
      hooks: ['load-test'],
      failures: 1,
      failureLimit: 3,
      nextWeight: 20,
      reason: 'load test running',
    });
    expect(held.decision.cause?.kind).toBe('gate-held');
    expect(held.decision.reason).toBe(
      'held at gate load-test before canary 5% -> 20% (1 of 3 failures in a row): load test running; asked again next minute',
    );
  });

  it.each([
    ['rollback', 'RolledBack', 0, 'rollback'],
    ['pause', 'Paused', 5, 'pause'],
  ] as const)(
    'after failureLimit refusals in a row, onFailure %s ends as %s',
    (onFailure, phase, weight, action) => {
      const p = gated(hook('load-test', { failureLimit: 3, onFailure }));
      let state = before;
      let last: Transition | null = null;
      for (let i = 0; i < 3; i++) {
        last = decideAtGate(
          p,
          state,
          { ...proposal, state: { ...proposal.state } },
          'beforeStep',
          [no('load-test')],
          at(10 + i),
        );
        state = last!.state;
      }
      expect(last!.decision.action).toBe(action);
      expect(last!.state.phase).toBe(phase);
      expect(last!.state.canaryWeight).toBe(weight);
      expect(last!.decision.cause).toMatchObject({ kind: 'gate-failed', failures: 3, onFailure });
    },
  );

  it('asks afresh after a person resumes a rollout the gate paused', () => {
    const p = gated(hook('load-test', { failureLimit: 2, onFailure: 'pause' }));
    let state = before;
    for (let i = 0; i < 2; i++)
      state = decideAtGate(p, state, proposal, 'beforeStep', [no('load-test')], at(10 + i))!.state;
    expect(state).toMatchObject({ phase: 'Paused', pauseCause: 'gate', gate: { failures: 2 } });
    expect(describeNext(p, state)).toMatch(
      /^Paused at 5% because gate load-test said no 2 times in a row: load test running\. Resume asks the gate again/,
    );
    const resumed = applyCommand(p, state, { type: 'resume' }, at(13), 'ops');
    if (!resumed.ok) throw new Error(resumed.error);
    const again = decideAtGate(
      p,
      resumed.transition.state,
      proposal,
      'beforeStep',
      [no('load-test')],
      at(14),
    )!;
    expect(again.state).toMatchObject({ phase: 'Progressing', gate: { failures: 1 } });
  });

  it('counts a failed call as a failure, and the smallest failureLimit and rollback win between gates', () => {
    const p = gated(hook('a', { failureLimit: 4, onFailure: 'pause' }), hook('b', { failureLimit: 1 }));
    const failed: GateAnswer = { hook: 'b', allow: false, failed: true, reason: 'no answer within 10s' };
    const out = decideAtGate(p, before, proposal, 'beforeStep', [no('a'), failed], at(10))!;
    expect(out.state.phase).toBe('RolledBack');
    expect(out.decision.reason).toContain('a: load test running; b: no answer within 10s');
  });

  it('says the gate let go when a held move goes through', () => {
    const held = decideAtGate(policy, before, proposal, 'beforeStep', [no('load-test')], at(10))!;
    const passed = passGateProposal(held.state, proposal, ['beforeStep'], ['load-test']);
    expect(passed.state.gate).toBeNull();
    expect(passed.decision.cause).toMatchObject({ kind: 'gate-passed', failures: 1 });
    expect(passed.decision.reason).toMatch(/^gate load-test let go after 1 refusal; /);
  });

  it('describes what happens next while held', () => {
    const held = decideAtGate(policy, before, proposal, 'beforeStep', [no('load-test')], at(10))!;
    expect(describeNext(policy, held.state)).toMatch(
      /^Waits at gate load-test \(1 of 3 failures\) before 20%; asked again next minute\. Reason: load test running\./,
    );
  });
});

describe('a rollout with gates, minute by minute', () => {
  it('holds before 20% while the gate says no, then lets go and is promoted', () => {
    const policy = gated(hook('load-test'));
    const run = playGated(policy, 60, (minute) => minute >= 14);
    const weights = run.states.map((s) => s.canaryWeight);
    // The 10m pause ends at minute 10; the gate says no until minute 14.
    expect(weights.slice(9, 15)).toEqual([5, 5, 5, 5, 5, 20]);
    expect(run.states[12]!.gate).toMatchObject({ failures: 3 });
    expect(run.states.at(-1)!.phase).toBe('Promoted');
    expect(run.transitions[14]!.decision.cause?.kind).toBe('gate-passed');
  });

  it('rolls back after failureLimit refusals in a row when the gate always says no', () => {
    const policy = gated(hook('load-test'));
    const run = playGated(policy, 30, () => false);
    const end = run.states.findIndex((s) => s.phase === 'RolledBack');
    expect(end).toBe(15); // asked at minutes 10..15: the sixth "no" rolls back
    expect(run.transitions[end]!.decision.reason).toContain('said no 6 times in a row (limit 6)');
  });

  it('starts at 0% with a beforeStart gate and applies the first weight once it allows', () => {
    const policy = gated(hook('change-ticket', { at: ['beforeStart'] }));
    const started = withStartGate(policy, startRollout(policy, at(0)), at(0));
    expect(started.state).toMatchObject({
      canaryWeight: 0,
      stepIndex: 0,
      gate: { point: 'beforeStart', failures: 0 },
    });
    expect(started.decision.reason).toBe(
      'rollout started: canary 0%, waiting at gate change-ticket before 5% (asked at the next tick)',
    );
    const run = playGated(policy, 5, (minute) => minute >= 2);
    expect(run.states.map((s) => s.canaryWeight)).toEqual([0, 0, 5, 5, 5]);
    expect(run.asked.map((a) => a.point)).toEqual(['beforeStart', 'beforeStart', 'beforeStart']);
  });

  it('asks beforePromotion gates before the engine promotes', () => {
    const policy = gated(hook('sign-off', { at: ['beforePromotion'] }));
    const run = playGated(policy, 60, (minute) => minute >= 45);
    const promotedAt = run.states.findIndex((s) => s.phase === 'Promoted');
    expect(promotedAt).toBe(45);
    expect(run.states[44]!.gate).toMatchObject({ point: 'beforePromotion', nextWeight: null });
  });

  it('leaves a policy without gates exactly as the engine decided', () => {
    const policy = standardPolicy();
    const start = startRollout(policy, at(0));
    expect(withStartGate(policy, start, at(0))).toBe(start);
    const engine = judgeTick(
      policy,
      start.state,
      { periods: [period(0, { invocations: 150 }, { invocations: 2850 })] },
      at(0),
    );
    expect(gateProposal(policy, start.state, engine, at(0))).toEqual({ transition: engine, points: [] });
  });
});

describe("an operator's resume into a gated weight", () => {
  const policy = gated(hook('load-test', { failureLimit: 3 }));
  const manual: RolloutPolicy = {
    ...policy,
    steps: [
      { kind: 'setWeight', weight: 5 },
      { kind: 'pause', durationSeconds: null },
      { kind: 'setWeight', weight: 20 },
      { kind: 'pause', durationSeconds: 600 },
    ],
  };
  const paused = startRollout(manual, at(0)).state;

  it('waits at the gate at its weight, and the tick makes the move once the gate allows', () => {
    const resumed = applyCommand(manual, paused, { type: 'resume', reason: 'looks fine' }, at(5), 'alice');
    if (!resumed.ok) throw new Error(resumed.error);
    const waiting = withResumeGate(manual, paused, resumed.transition, at(5));
    expect(waiting.state).toMatchObject({
      phase: 'Progressing',
      canaryWeight: 5,
      stepIndex: 1,
      gate: { point: 'beforeStep', resume: true, nextWeight: 20 },
    });
    expect(waiting.decision.reason).toBe(
      'resumed by alice (looks fine): waiting at gate load-test before 20% (asked at the next tick)',
    );

    const tick = (state: RolloutState, minute: number, allow: boolean): Transition => {
      const engine = judgeTick(
        manual,
        state,
        { periods: [period(minute, { invocations: 150 }, { invocations: 2850 })] },
        at(minute),
      );
      const proposal = gateProposal(manual, state, engine, at(minute));
      expect(proposal.points).toEqual(['beforeStep']);
      return (
        decideAtGate(
          manual,
          state,
          proposal.transition,
          'beforeStep',
          [allow ? yes('load-test') : no('load-test')],
          at(minute),
        ) ?? passGateProposal(state, proposal.transition, proposal.points, ['load-test'])
      );
    };
    const held = tick(waiting.state, 6, false);
    expect(held.state).toMatchObject({
      phase: 'Progressing',
      canaryWeight: 5,
      gate: { failures: 1, resume: true },
    });
    const moved = tick(held.state, 7, true);
    expect(moved.state).toMatchObject({ phase: 'Progressing', canaryWeight: 20, stepIndex: 3, gate: null });
    expect(moved.decision.reason).toMatch(
      /^gate load-test let go after 1 refusal; resumed by an operator: canary 5% -> 20%/,
    );
  });

  it('is a plain resume when no gate holds the weight it goes to', () => {
    const plain = startRollout({ ...manual, hooks: [] }, at(0)).state;
    const resumed = applyCommand({ ...manual, hooks: [] }, plain, { type: 'resume' }, at(5));
    if (!resumed.ok) throw new Error(resumed.error);
    expect(withResumeGate({ ...manual, hooks: [] }, plain, resumed.transition, at(5))).toBe(
      resumed.transition,
    );
  });
});

describe('invariant', () => {
  it('a gate never lets the weight rise while it says no', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 20, maxLength: 70 }),
        fc.constantFrom<HookPolicy['at'][number]>('beforeStart', 'beforeStep', 'beforePromotion'),
        fc.integer({ min: 1, max: 8 }),
        (answers, point, failureLimit) => {
          const policy = gated(hook('g', { at: [point], failureLimit }));
          const run = playGated(policy, answers.length, (minute) => answers[minute]!);
          let before = withStartGate(policy, startRollout(policy, at(0)), at(0)).state;
          run.transitions.forEach((transition, minute) => {
            const rose = gatePointsCrossed(before, transition).includes(point as never);
            if (rose) expect({ minute, said: answers[minute] }).toEqual({ minute, said: true });
            before = transition.state;
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});
