import { describe, expect, it } from 'vitest';
import { hooksOwedBy, type HookOwed } from '../../../shared/domain/hooks-owed';
import { startRollout } from '../../../shared/domain/index';
import type { HookPolicy, RolloutPolicy } from '../../../shared/domain/types';
import type { HookCaller, HookRequest } from '../../../shared/ports/hook-caller';
import {
  type HistoryEntry,
  type RolloutRecord,
  VersionConflictError,
} from '../../../shared/ports/rollout-repository';
import type { HookDeps } from '../../../shared/watchdog/pass-gates';
import { tellOwedHooks } from '../../../shared/watchdog/tell-owed-hooks';
import { at, standardPolicy } from '../../fixtures/policies/policy-fixtures';

function notify(name: string, hookAt: HookPolicy['at']): HookPolicy {
  return {
    name,
    at: hookAt,
    kind: 'notify',
    target: { type: 'https', url: `https://hooks.example.com/${name}` },
    timeoutSeconds: 10,
    retries: 0,
    failureLimit: 5,
    onFailure: 'rollback',
  };
}

const policy: RolloutPolicy = {
  ...standardPolicy(),
  hooks: [notify('ended', ['afterEnd']), notify('rolled', ['onRollback'])],
};

const owed: HookOwed[] = [
  {
    point: 'onRollback',
    phase: 'RolledBack',
    canaryWeight: 0,
    stepIndex: 1,
    at: '2026-01-01T00:03:00.000Z',
    source: 'alarm',
  },
  {
    point: 'afterEnd',
    phase: 'RolledBack',
    canaryWeight: 0,
    stepIndex: 1,
    at: '2026-01-01T00:03:00.000Z',
    source: 'alarm',
  },
];

function rolledBack(over: Partial<RolloutRecord> = {}): RolloutRecord {
  const state = { ...startRollout(policy, at(0)).state, phase: 'RolledBack' as const, canaryWeight: 0 };
  return {
    endpointName: 'ep',
    region: 'us-east-1',
    rolloutId: 'r1',
    policyText: '',
    policy,
    state,
    appliedCanaryWeight: 0,
    version: 7,
    createdAt: '',
    updatedAt: '',
    hooksOwed: owed,
    ...over,
  };
}

/** A store whose saves fail with a conflict `conflicts` times (the newer record then read is `newer`). */
function fakeStore(options: { conflicts?: number; newer?: RolloutRecord; failSave?: boolean } = {}) {
  const history: HistoryEntry[] = [];
  const saved: RolloutRecord[] = [];
  let conflicts = options.conflicts ?? 0;
  const store = {
    get: async () => options.newer,
    save: async (record: RolloutRecord, expected: number) => {
      if (options.failSave) throw new Error('DynamoDB down');
      if (conflicts-- > 0) throw new VersionConflictError(record.endpointName, expected);
      const next = { ...record, version: expected + 1 };
      saved.push(next);
      return next;
    },
    appendHistory: async (_name: string, entries: ReadonlyArray<HistoryEntry>) => {
      history.push(...entries);
    },
  } as unknown as HookDeps['store'];
  return { store, history, saved };
}

function fakeCaller(failing: string[] = []) {
  const requests: HookRequest[] = [];
  const caller: HookCaller = {
    async call(hook, request) {
      requests.push(request);
      const failed = failing.includes(hook.name);
      return {
        hook: hook.name,
        point: request.point,
        allow: !failed,
        failed,
        reason: failed ? 'HTTP 500' : 'ok',
        attempts: 1,
        ms: 2,
      };
    },
  };
  return { caller, requests };
}

const ctx = { now: at(4), correlationId: 'tick-4' };

describe('hooksOwedBy', () => {
  it('owes onRollback and afterEnd for a rollback, each only where the policy has a notify hook', () => {
    const before = { phase: 'Progressing' as const };
    const after = { phase: 'RolledBack' as const, canaryWeight: 0, stepIndex: 1 };
    expect(hooksOwedBy(policy, before, after, { source: 'alarm', now: at(3) }).map((o) => o.point)).toEqual([
      'onRollback',
      'afterEnd',
    ]);
    const onlyEnd = { ...policy, hooks: [notify('ended', ['afterEnd'])] };
    expect(hooksOwedBy(onlyEnd, before, after, { source: 'alarm', now: at(3) }).map((o) => o.point)).toEqual([
      'afterEnd',
    ]);
  });

  it('owes afterEnd alone for an abort or a promotion, and nothing for a move that ends nothing', () => {
    const before = { phase: 'Progressing' as const };
    const aborted = { phase: 'Aborted' as const, canaryWeight: 0, stepIndex: 1 };
    expect(hooksOwedBy(policy, before, aborted, { source: 'operator', now: at(3) })).toEqual([
      {
        point: 'afterEnd',
        phase: 'Aborted',
        canaryWeight: 0,
        stepIndex: 1,
        at: new Date(at(3)).toISOString(),
        source: 'operator',
      },
    ]);
    const paused = { phase: 'Paused' as const, canaryWeight: 5, stepIndex: 1 };
    expect(hooksOwedBy(policy, before, paused, { source: 'operator', now: at(3) })).toEqual([]);
    expect(hooksOwedBy(standardPolicy(), before, aborted, { source: 'operator', now: at(3) })).toEqual([]);
  });
});

describe('tellOwedHooks', () => {
  it('tells each owed point once, records every call (a failed one too), then clears what it told', async () => {
    const { store, history, saved } = fakeStore();
    const { caller, requests } = fakeCaller(['rolled']);
    const after = await tellOwedHooks({ store, hooks: caller }, rolledBack(), ctx);
    expect(requests.map((r) => [r.hook, r.point, r.phase, r.rolloutId, r.time])).toEqual([
      ['rolled', 'onRollback', 'RolledBack', 'r1', '2026-01-01T00:03:00.000Z'],
      ['ended', 'afterEnd', 'RolledBack', 'r1', '2026-01-01T00:03:00.000Z'],
    ]);
    expect(history.map((e) => [e.kind, e.hook?.hook, e.hook?.failed, e.version])).toEqual([
      ['hook', 'rolled', true, 8],
      ['hook', 'ended', false, 8],
    ]);
    expect(saved).toHaveLength(1);
    expect(after.hooksOwed).toBeUndefined();
    expect(after.version).toBe(8);
  });

  it('on a version conflict re-reads and clears only what it told, keeping what was owed meanwhile', async () => {
    const later: HookOwed = { ...owed[1]!, at: '2026-01-01T00:03:30.000Z', source: 'operator' };
    const newer = rolledBack({ version: 8, hooksOwed: [...owed, later] });
    const { store, saved } = fakeStore({ conflicts: 1, newer });
    const { caller } = fakeCaller();
    const after = await tellOwedHooks({ store, hooks: caller }, rolledBack(), ctx);
    expect(saved).toHaveLength(1);
    expect(after.version).toBe(9);
    expect(after.hooksOwed).toEqual([later]);
  });

  it('is at least once: when the clearing write fails the hooks were told and stay owed for the next tick', async () => {
    const { store } = fakeStore({ failSave: true });
    const { caller, requests } = fakeCaller();
    await expect(tellOwedHooks({ store, hooks: caller }, rolledBack(), ctx)).rejects.toThrow('DynamoDB down');
    expect(requests).toHaveLength(2);
  });

  it('without a hook caller clears what is owed untold', async () => {
    const { store, history } = fakeStore();
    const after = await tellOwedHooks({ store }, rolledBack(), ctx);
    expect(history).toEqual([]);
    expect(after.hooksOwed).toBeUndefined();
  });
});
