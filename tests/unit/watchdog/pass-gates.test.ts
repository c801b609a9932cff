import { describe, expect, it } from 'vitest';
import { startRollout } from '../../../shared/domain/index';
import type { HookPolicy, RolloutPolicy, Transition } from '../../../shared/domain/types';
import type { HookCaller, HookCallResult, HookRequest } from '../../../shared/ports/hook-caller';
import type { HistoryEntry, RolloutRecord } from '../../../shared/ports/rollout-repository';
import { type HookDeps, passGates, tellHooks, tellHooksIfWritten } from '../../../shared/watchdog/pass-gates';
import { at, standardPolicy } from '../../fixtures/policies/policy-fixtures';

function hook(name: string, over: Partial<HookPolicy> = {}): HookPolicy {
  return {
    name,
    at: ['beforeStep'],
    kind: 'gate',
    target: { type: 'https', url: `https://hooks.example.com/${name}` },
    timeoutSeconds: 10,
    retries: 2,
    failureLimit: 3,
    onFailure: 'rollback',
    ...over,
  };
}

/** A caller answering from `answers` (hook name → allow), recording each request; `fail` names throw. */
function fakeCaller(answers: Record<string, boolean>, fail: string[] = []) {
  const requests: HookRequest[] = [];
  const caller: HookCaller = {
    async call(h, request) {
      requests.push(request);
      if (fail.includes(h.name)) throw new Error('boom');
      const allow = answers[h.name] ?? true;
      const result: HookCallResult = {
        hook: h.name,
        point: request.point,
        allow,
        failed: false,
        status: allow ? 200 : 409,
        reason: allow ? 'ok' : 'not yet',
        attempts: 1,
        ms: 3,
      };
      return result;
    },
  };
  return { caller, requests };
}

function fakeStore(stored?: RolloutRecord) {
  const history: HistoryEntry[] = [];
  return {
    history,
    store: {
      get: async () => stored,
      appendHistory: async (_name: string, entries: ReadonlyArray<HistoryEntry>) => {
        history.push(...entries);
      },
    } as unknown as HookDeps['store'],
  };
}

function recordOf(policy: RolloutPolicy, over: Partial<RolloutRecord> = {}): RolloutRecord {
  const state = { ...startRollout(policy, at(0)).state };
  return {
    endpointName: policy.endpoint.name,
    region: 'us-east-1',
    rolloutId: 'r1',
    policyText: '',
    policy,
    state,
    appliedCanaryWeight: state.canaryWeight,
    version: 4,
    createdAt: '',
    updatedAt: '',
    ...over,
  };
}

const advanceTo20 = (record: RolloutRecord): Transition => ({
  state: { ...record.state, canaryWeight: 20, stepIndex: 3 },
  decision: {
    action: 'advance',
    reason: 'canary 5% -> 20%',
    evidence: startRollout(record.policy, at(0)).decision.evidence,
    cause: {
      kind: 'advanced',
      notes: [],
      completed: { kind: 'pause', durationSeconds: 600 },
      judgement: 'pass',
      fromWeight: 5,
      toWeight: 20,
      next: { kind: 'step', at: { index: 3, count: 6, step: null } },
    },
  },
});

describe('passGates', () => {
  it("asks all of a point's gates, records each call, and holds when one says no", async () => {
    const policy = { ...standardPolicy(), hooks: [hook('a'), hook('b'), hook('told', { kind: 'notify' })] };
    const record = recordOf(policy);
    const { caller, requests } = fakeCaller({ a: true, b: false });
    const { store, history } = fakeStore();
    const out = await passGates({ hooks: caller, store }, record, advanceTo20(record), {
      now: at(11),
      correlationId: 'c',
    });
    expect(requests.map((r) => [r.hook, r.point, r.canaryWeight, r.nextWeight])).toEqual([
      ['a', 'beforeStep', 5, 20],
      ['b', 'beforeStep', 5, 20],
    ]);
    expect(out.state.canaryWeight).toBe(5);
    expect(out.state.gate).toMatchObject({ hooks: ['b'], failures: 1 });
    expect(history.map((e) => [e.kind, e.hook?.hook, e.version])).toEqual([
      ['hook', 'a', 4],
      ['hook', 'b', 4],
    ]);
  });

  it('counts a caller that throws as a failed call, never as an allow', async () => {
    const policy = { ...standardPolicy(), hooks: [hook('a')] };
    const record = recordOf(policy);
    const { caller } = fakeCaller({}, ['a']);
    const { store } = fakeStore();
    const out = await passGates({ hooks: caller, store }, record, advanceTo20(record), {
      now: at(11),
      correlationId: 'c',
    });
    expect(out.state.gate).toMatchObject({ failures: 1, reason: 'Error: boom' });
  });

  it('leaves the transition alone without a hook caller (hooks do not apply)', async () => {
    const policy = { ...standardPolicy(), hooks: [hook('a')] };
    const record = recordOf(policy);
    const engine = advanceTo20(record);
    expect(
      await passGates({ store: fakeStore().store }, record, engine, { now: at(11), correlationId: 'c' }),
    ).toBe(engine);
  });
});

describe('tellHooks', () => {
  const policy = {
    ...standardPolicy(),
    hooks: [
      hook('audit', { kind: 'notify', at: ['afterEnd', 'onRollback'] }),
      hook('broken', { kind: 'notify', at: ['afterEnd'] }),
    ],
  };
  const record = recordOf(policy);
  const rolledBack: Transition = {
    state: { ...record.state, phase: 'RolledBack', canaryWeight: 0 },
    decision: { ...advanceTo20(record).decision, action: 'rollback' },
  };

  it('tells afterEnd and onRollback of a rollback, never throws on a failing hook, and records every call', async () => {
    const { caller, requests } = fakeCaller({}, ['broken']);
    const { store, history } = fakeStore();
    await tellHooks({ hooks: caller, store }, record, rolledBack, { now: at(20), correlationId: 'c' });
    expect(requests.map((r) => [r.hook, r.point, r.phase])).toEqual([
      ['audit', 'afterEnd', 'RolledBack'],
      ['broken', 'afterEnd', 'RolledBack'],
      ['audit', 'onRollback', 'RolledBack'],
    ]);
    expect(history.map((e) => [e.hook?.hook, e.hook?.failed, e.version])).toEqual([
      ['audit', false, 5],
      ['broken', true, 5],
      ['audit', false, 5],
    ]);
  });

  it('after a commit that threw, tells only when the decision was written', async () => {
    const written = fakeCaller({});
    await tellHooksIfWritten(
      { hooks: written.caller, store: fakeStore({ ...record, version: 5, state: rolledBack.state }).store },
      record,
      rolledBack,
      { now: at(20), correlationId: 'c' },
    );
    expect(written.requests).toHaveLength(3);
    const unwritten = fakeCaller({});
    await tellHooksIfWritten(
      { hooks: unwritten.caller, store: fakeStore(record).store },
      record,
      rolledBack,
      {
        now: at(20),
        correlationId: 'c',
      },
    );
    expect(unwritten.requests).toHaveLength(0);
  });
});
