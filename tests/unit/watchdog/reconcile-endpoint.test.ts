import { describe, expect, it } from 'vitest';
import { startRollout } from '../../../shared/domain/index';
import type { RolloutNotification } from '../../../shared/notify/notification';
import { EndpointNotFoundError, type EndpointSnapshot } from '../../../shared/ports/endpoint-weights';
import { type RolloutRecord, VersionConflictError } from '../../../shared/ports/rollout-repository';
import { reconcileEndpoint } from '../../../shared/watchdog/reconcile-endpoint';
import type { WatchdogDeps } from '../../../shared/watchdog/watchdog-deps';
import { parseOrThrow, standardPolicyText } from '../../integration/handlers/tick/watchdog-harness';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const policyText = standardPolicyText('rec-ep');
const policy = parseOrThrow(policyText);

function setup(endpoint: { status?: string; weights?: Record<string, number> } | 'missing') {
  let stored: RolloutRecord = {
    endpointName: 'rec-ep',
    region: 'us-east-1',
    rolloutId: 'r1',
    policyText,
    policy,
    state: startRollout(policy, NOW).state,
    appliedCanaryWeight: 5,
    version: 1,
    createdAt: new Date(NOW).toISOString(),
    updatedAt: new Date(NOW).toISOString(),
  };
  const sent: Array<Record<string, number>> = [];
  const notifications: RolloutNotification[] = [];
  const snapshot = (): EndpointSnapshot => {
    if (endpoint === 'missing') throw new EndpointNotFoundError('rec-ep');
    const weights = endpoint.weights ?? { primary: 95, canary: 5 };
    return {
      name: 'rec-ep',
      status: endpoint.status ?? 'InService',
      variants: Object.entries(weights).map(([name, w]) => ({
        name,
        currentWeight: w,
        desiredWeight: w,
        currentPct: null,
        desiredPct: null,
      })),
    };
  };
  const deps = {
    store: {
      get: async () => stored,
      save: async (record: RolloutRecord, expected: number) => {
        if (stored.version !== expected) throw new VersionConflictError('rec-ep', expected);
        stored = { ...record, version: expected + 1 };
        return stored;
      },
      appendHistory: async () => undefined,
    },
    endpoints: () => ({
      describe: async () => snapshot(),
      setWeights: async (_n: string, w: Record<string, number>) => {
        sent.push(w);
      },
    }),
    notifier: {
      publish: async (n: RolloutNotification) => {
        notifications.push(n);
        return { ok: true };
      },
    },
  } as unknown as WatchdogDeps;
  return { deps, record: stored, sent, notifications, stored: () => stored };
}

const run = (s: ReturnType<typeof setup>) =>
  reconcileEndpoint(s.deps, s.record, { now: NOW + 60_000, correlationId: 'c' });

describe('reconcileEndpoint', () => {
  it('proceeds when the endpoint agrees, ignoring the weight of a third variant', async () => {
    const s = setup({ weights: { primary: 95, canary: 5, shadow: 50 } });
    expect((await run(s)).kind).toBe('proceed');
    expect(s.notifications).toEqual([]);
  });

  it.each(['Updating', 'SystemUpdating', 'RollingBack', 'Creating'])(
    'holds without a weights call while %s',
    async (status) => {
      const s = setup({ status });
      expect((await run(s)).kind).toBe('hold');
      expect(s.sent).toEqual([]);
    },
  );

  it.each<[string, Parameters<typeof setup>[0], string, string]>([
    ['a person changed the weights', { weights: { primary: 50, canary: 50 } }, 'drift', 'Paused'],
    ['the endpoint is gone', 'missing', 'endpoint-missing', 'Paused'],
    ['the endpoint failed', { status: 'Failed' }, 'endpoint-failed', 'Paused'],
    ['the canary variant is gone', { weights: { primary: 100, other: 0 } }, 'missing-variant', 'Aborted'],
  ])('stops automation and alerts once when %s', async (_label, endpoint, kind, phase) => {
    const s = setup(endpoint);
    const result = await run(s);
    expect(result.kind).toBe('stopped');
    expect(s.stored().state.phase).toBe(phase);
    expect(s.sent).toEqual([]);
    expect(s.notifications.map((n) => n.alertKind)).toEqual([kind]);
  });

  it('adopts the weights a person set, so resuming does not fight them', async () => {
    const s = setup({ weights: { primary: 50, canary: 50 } });
    await run(s);
    expect(s.stored().state.canaryWeight).toBe(50);
    expect(s.stored().appliedCanaryWeight).toBe(50);
  });
});
