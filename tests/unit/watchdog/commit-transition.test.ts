import { describe, expect, it } from 'vitest';
import { applyCommand, judgeTick, startRollout } from '../../../shared/domain/index';
import type { RolloutNotification } from '../../../shared/notify/notification';
import { type EndpointSnapshot, EndpointNotReadyError } from '../../../shared/ports/endpoint-weights';
import { type RolloutRecord, VersionConflictError } from '../../../shared/ports/rollout-repository';
import { commitTransition } from '../../../shared/watchdog/commit-transition';
import { isRoutineHold } from '../../../shared/watchdog/run-tick';
import type { WatchdogDeps } from '../../../shared/watchdog/watchdog-deps';
import { parseOrThrow, standardPolicyText } from '../../integration/handlers/tick/watchdog-harness';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const policyText = standardPolicyText('unit-ep');
const policy = parseOrThrow(policyText);

/** In-memory store and endpoint that log every call in order, so the protocol's order is visible. */
function fakes(options: { status?: string; variants?: string[]; busyOnUpdate?: boolean } = {}) {
  const log: string[] = [];
  let stored: RolloutRecord | undefined;
  const weights: Record<string, number> = { primary: 95, canary: 5 };
  const notifications: RolloutNotification[] = [];
  const snapshot = (): EndpointSnapshot => ({
    name: 'unit-ep',
    status: options.status ?? 'InService',
    variants: (options.variants ?? ['primary', 'canary']).map((name) => ({
      name,
      currentWeight: weights[name] ?? 0,
      desiredWeight: weights[name] ?? 0,
      currentPct: weights[name] ?? 0,
      desiredPct: weights[name] ?? 0,
    })),
  });
  const deps = {
    store: {
      async get() {
        log.push('get');
        return stored;
      },
      async save(record: RolloutRecord, expected: number) {
        log.push(`save applied=${record.appliedCanaryWeight} canary=${record.state.canaryWeight}`);
        if (!stored || stored.version !== expected)
          throw new VersionConflictError(record.endpointName, expected);
        stored = { ...record, version: expected + 1 };
        return stored;
      },
      async appendHistory() {
        log.push('history');
      },
    },
    endpoints: () => ({
      async describe() {
        log.push('describe');
        return snapshot();
      },
      async setWeights(_name: string, next: Record<string, number>) {
        log.push(`setWeights canary=${next.canary}`);
        if (options.busyOnUpdate) throw new EndpointNotReadyError('unit-ep');
        Object.assign(weights, next);
      },
    }),
    notifier: {
      async publish(n: RolloutNotification) {
        log.push(`notify ${n.eventType}`);
        notifications.push(n);
        return { ok: true };
      },
    },
  } as unknown as WatchdogDeps;
  const record: RolloutRecord = {
    endpointName: 'unit-ep',
    region: 'us-east-1',
    rolloutId: 'r1',
    policyText,
    policy,
    state: startRollout(policy, NOW).state,
    appliedCanaryWeight: 5,
    version: 3,
    createdAt: new Date(NOW).toISOString(),
    updatedAt: new Date(NOW).toISOString(),
  };
  stored = record;
  return { deps, log, record, weights, notifications, stored: () => stored };
}

const rollback = (record: RolloutRecord) => {
  const result = applyCommand(
    record.policy,
    record.state,
    { type: 'rollback', reason: 'bad canary' },
    NOW + 60_000,
  );
  if (!result.ok) throw new Error(result.error);
  return result.transition;
};

describe('commitTransition', () => {
  it('writes the intent with its history and notification pending, then the weights, then confirms them, then drains them once', async () => {
    const f = fakes();
    const result = await commitTransition(f.deps, f.record, rollback(f.record), {
      source: 'operator',
      correlationId: 'c',
    });
    expect(result.outcome).toBe('applied');
    expect(f.log).toEqual([
      'save applied=5 canary=0',
      'describe',
      'get',
      'setWeights canary=0',
      'describe',
      'save applied=0 canary=0',
      'history',
      // where the rollout stands as the message leaves (a decision committed meanwhile marks it earlier)
      'get',
      'notify rollout.rolled-back',
      // the entry removed, then the drain lease given back
      'save applied=0 canary=0',
      'save applied=0 canary=0',
    ]);
    expect(f.stored()?.appliedCanaryWeight).toBe(0);
    expect(f.stored()?.outbox).toEqual([]);
    expect(f.stored()?.drainLease).toBeUndefined();
    expect(f.notifications[0]).toMatchObject({ rolloutVersion: 4, notificationId: 'r1#00000004#0' });
  });

  it('commits the decision with its history and notification in the one intent write', async () => {
    const f = fakes();
    let firstWrite: RolloutRecord | undefined;
    const save = f.deps.store.save.bind(f.deps.store);
    f.deps.store.save = async (record, expected) => {
      firstWrite ??= structuredClone(record);
      return save(record, expected);
    };
    await commitTransition(f.deps, f.record, rollback(f.record), { source: 'alarm', correlationId: 'c' });
    expect(firstWrite?.state.phase).toBe('RolledBack');
    expect(firstWrite?.outbox).toHaveLength(1);
    expect(firstWrite?.outbox?.[0]?.history?.phase).toBe('RolledBack');
    expect(firstWrite?.outbox?.[0]?.notification?.eventType).toBe('rollout.rolled-back');
    expect(firstWrite?.lastAnnounced).toEqual({ version: 4, phase: 'RolledBack', canaryWeight: 0 });
  });

  it('reports a conflict without touching the endpoint when another writer came first', async () => {
    const f = fakes();
    const stale = { ...f.record, version: 2 };
    const result = await commitTransition(f.deps, stale, rollback(stale), {
      source: 'alarm',
      correlationId: 'c',
    });
    expect(result.outcome).toBe('conflict');
    expect(f.log.some((l) => l.startsWith('setWeights'))).toBe(false);
    expect(f.notifications).toEqual([]);
  });

  it.each([
    ['the endpoint is Updating', { status: 'Updating' }],
    ['the weights call finds the endpoint in progress', { busyOnUpdate: true }],
  ])('defers the weights, keeping the intent, when %s', async (_label, options) => {
    const f = fakes(options);
    const result = await commitTransition(f.deps, f.record, rollback(f.record), {
      source: 'alarm',
      correlationId: 'c',
    });
    expect(result.outcome).toBe('deferred');
    expect(f.stored()?.state.canaryWeight).toBe(0);
    expect(f.stored()?.appliedCanaryWeight).toBe(5);
    expect(f.notifications.map((n) => n.eventType)).toEqual(['rollout.rolled-back']);
  });

  it('never sends weights when a variant is missing from the endpoint', async () => {
    const f = fakes({ variants: ['primary', 'shadow'] });
    const result = await commitTransition(f.deps, f.record, rollback(f.record), {
      source: 'alarm',
      correlationId: 'c',
    });
    expect(result.weights).toBe('failed');
    expect(f.log.some((l) => l.startsWith('setWeights'))).toBe(false);
  });

  it('writes nothing for a transition that changes nothing', async () => {
    const f = fakes();
    const result = await commitTransition(
      f.deps,
      f.record,
      { state: f.record.state, decision: rollback(f.record).decision },
      { source: 'tick', correlationId: 'c' },
    );
    expect(result.outcome).toBe('unchanged');
    expect(f.log).toEqual([]);
  });
});

describe('isRoutineHold', () => {
  it('is true for a passing hold that only moved the metrics window', () => {
    const state = startRollout(policy, NOW).state;
    const transition = judgeTick(
      policy,
      { ...state, lastJudgedAt: NOW + 30_000 },
      { periods: [] },
      NOW + 40_000,
    );
    expect(transition.decision.action).toBe('hold');
    expect(isRoutineHold({ ...state, lastJudgedAt: NOW + 30_000 }, transition)).toBe(true);
  });

  it('is false when anything the engine counts or decides changed', () => {
    const state = startRollout(policy, NOW).state;
    const transition = rollback({ ...fakes().record, state });
    expect(isRoutineHold(state, transition)).toBe(false);
    expect(
      isRoutineHold(state, {
        state: { ...state, consecutiveInconclusive: state.consecutiveInconclusive + 1 },
        decision: { ...transition.decision, action: 'hold' },
      }),
    ).toBe(false);
  });
});
