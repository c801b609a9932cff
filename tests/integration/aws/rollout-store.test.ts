import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxClock } from '../../../sandbox/clock';
import { createSandbox, type Sandbox } from '../../../sandbox/create-sandbox';
import { RolloutStore } from '../../../shared/aws/rollout-store';
import { rolloutTableDefinition } from '../../../shared/aws/rollout-table';
import { startRollout } from '../../../shared/domain/index';
import {
  type HistoryEntry,
  type NewRolloutRecord,
  RolloutExistsError,
  VersionConflictError,
} from '../../../shared/ports/rollout-repository';
import { parseOrThrow, standardPolicyText } from '../handlers/tick/watchdog-harness';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('RolloutStore against DynamoDB (dynalite in the sandbox)', () => {
  let sandbox: Sandbox;
  let store: RolloutStore;

  beforeAll(async () => {
    sandbox = await createSandbox({ port: 0, clock: createSandboxClock({ mode: 'manual', startTime: NOW }) });
    const ddb = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: sandbox.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await ddb.send(new CreateTableCommand(rolloutTableDefinition('store-suite')));
    store = new RolloutStore(DynamoDBDocumentClient.from(ddb), 'store-suite');
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  function newRollout(endpointName: string): NewRolloutRecord {
    const policyText = standardPolicyText(endpointName);
    const policy = parseOrThrow(policyText);
    return {
      endpointName,
      region: 'us-east-1',
      policyText,
      policy,
      state: startRollout(policy, NOW).state,
      appliedCanaryWeight: 0,
    };
  }

  it('creates a rollout at version 1 and reads it back intact', async () => {
    const created = await store.create(newRollout('roundtrip'), NOW);
    expect(created.version).toBe(1);
    expect(await store.get('roundtrip')).toEqual(created);
  });

  it('refuses a second rollout while one is in progress, and allows it once the first is final and applied', async () => {
    const first = await store.create(newRollout('one-at-a-time'), NOW);
    await expect(store.create(newRollout('one-at-a-time'), NOW)).rejects.toBeInstanceOf(RolloutExistsError);
    await store.save(
      { ...first, state: { ...first.state, phase: 'RolledBack', canaryWeight: 0 }, appliedCanaryWeight: 0 },
      first.version,
    );
    const second = await store.create(newRollout('one-at-a-time'), NOW + 1);
    expect(second.rolloutId).not.toBe(first.rolloutId);
  });

  it('writes only on the expected version and reports a conflict otherwise', async () => {
    const created = await store.create(newRollout('versions'), NOW);
    const saved = await store.save({ ...created, state: { ...created.state, message: 'a' } }, 1);
    expect(saved.version).toBe(2);
    await expect(
      store.save({ ...created, state: { ...created.state, message: 'b' } }, 1),
    ).rejects.toBeInstanceOf(VersionConflictError);
    expect((await store.get('versions'))?.state.message).toBe('a');
  });

  it('lists active rollouts, including a final one whose weights have not landed, and drops it once they have', async () => {
    const created = await store.create(newRollout('sparse'), NOW);
    const pending = await store.save(
      {
        ...created,
        state: { ...created.state, phase: 'RolledBack', canaryWeight: 0 },
        appliedCanaryWeight: 5,
      },
      created.version,
    );
    expect((await store.listActive()).map((r) => r.endpointName)).toContain('sparse');
    await store.save({ ...pending, appliedCanaryWeight: 0 }, pending.version);
    expect((await store.listActive()).map((r) => r.endpointName)).not.toContain('sparse');
  });

  it('lists finished rollouts newest first, from the index, without the ones the tick still visits', async () => {
    const finish = async (endpointName: string, at: number) => {
      const created = await store.create(newRollout(endpointName), at);
      const final = { ...created.state, phase: 'Promoted' as const, canaryWeight: 100 };
      return store.save(
        { ...created, state: final, appliedCanaryWeight: 100, updatedAt: new Date(at + 1000).toISOString() },
        created.version,
      );
    };
    await finish('finished-old', NOW + 10_000);
    await finish('finished-new', NOW + 20_000);
    await store.create(newRollout('still-running'), NOW + 30_000);
    const finished = (await store.listFinished(100)).map((r) => r.endpointName);
    expect(finished.indexOf('finished-new')).toBeLessThan(finished.indexOf('finished-old'));
    expect(finished).not.toContain('still-running');
    expect(await store.listFinished(1)).toHaveLength(1);
    // A finished rollout is replaced by a new one of the same endpoint, which leaves the finished list.
    await store.create(newRollout('finished-old'), NOW + 40_000);
    expect((await store.listFinished(100)).map((r) => r.endpointName)).not.toContain('finished-old');
  });

  it('finds the active rollouts whose policy names an alarm, by name', async () => {
    await store.create(newRollout('alarm-a'), NOW);
    await store.create(newRollout('alarm-b'), NOW);
    const found = await store.listActiveForAlarm('alarm-a-canary-5xx');
    expect(found).toEqual([{ endpointName: 'alarm-a', region: 'us-east-1' }]);
    expect(await store.listActiveForAlarm('no such alarm')).toEqual([]);
  });

  const entry = (minute: number, version: number): HistoryEntry => ({
    time: new Date(NOW + minute * 60_000).toISOString(),
    rolloutId: 'r',
    version,
    source: 'tick',
    kind: 'decision',
    action: 'hold',
    phase: 'Progressing',
    stepIndex: 0,
    canaryWeight: 5,
    reason: `minute ${minute}`,
  });

  it('returns history newest first, limited, with every entry kept apart', async () => {
    await store.appendHistory('history', [entry(1, 2), entry(2, 3), entry(2, 4)]);
    await store.appendHistory(
      'history',
      Array.from({ length: 30 }, (_, i) => entry(10 + i, 10 + i)),
    );
    const newest = await store.history('history', { limit: 3 });
    expect(newest.map((e) => e.reason)).toEqual(['minute 39', 'minute 38', 'minute 37']);
    expect(await store.history('history', { limit: 100 })).toHaveLength(33);
  });

  it('keeps the outbox, event receipts, last announcement and drain lease with the state, and lists a finished rollout with pending entries as active', async () => {
    const created = await store.create(newRollout('pending'), NOW);
    const finished = await store.save(
      {
        ...created,
        state: { ...created.state, phase: 'RolledBack', canaryWeight: 0 },
        appliedCanaryWeight: 0,
        outbox: [
          {
            id: '00000002#0',
            history: { ...entry(1, 1), version: 2, kind: 'decision', action: 'rollback' },
          },
        ],
        receipts: { 'arn:alarm#2026-01-01T00:01:00.000+0000#ALARM': '2026-01-01T00:01:00.000+0000' },
        lastAnnounced: { version: 2, phase: 'RolledBack', canaryWeight: 0 },
        drainLease: { owner: 'alarm:e1:x', until: NOW + 45_000 },
      },
      created.version,
    );
    expect(await store.get('pending')).toEqual(finished);
    expect((await store.listActive()).map((r) => r.endpointName)).toContain('pending');

    const drained = await store.save({ ...finished, outbox: [] }, finished.version);
    expect((await store.get('pending'))?.outbox).toBeUndefined();
    expect((await store.listActive()).map((r) => r.endpointName)).not.toContain('pending');
    expect(drained.version).toBe(3);
  });
});
