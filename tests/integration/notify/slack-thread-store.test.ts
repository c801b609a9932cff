import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxClock } from '../../../sandbox/clock';
import { createSandbox, type Sandbox } from '../../../sandbox/create-sandbox';
import { RolloutStore } from '../../../shared/aws/rollout-store';
import { rolloutTableDefinition } from '../../../shared/aws/rollout-table';
import { DynamoSlackThreadStore, SLACK_THREAD_TTL_SECONDS } from '../../../shared/aws/slack-thread-store';
import { startRollout } from '../../../shared/domain/index';
import type { SlackThread } from '../../../shared/notify/slack-thread';
import { parseOrThrow, standardPolicyText } from '../handlers/tick/watchdog-harness';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const TABLE = 'slack-thread-suite';

function thread(endpointName: string, rolloutId: string, rev = 1): SlackThread {
  return {
    endpointName,
    rolloutId,
    channel: 'C0THREADSTORE',
    ts: '1767225600.000100',
    rev,
    card: { version: 1, text: 'card', attachments: [{ color: '#2eb886', blocks: [] }] },
    cardPhase: 'Progressing',
    cardCanaryWeight: 5,
    shownVersion: 1,
    replied: [`${rolloutId}#1#0`],
    lastReply: 1,
  };
}

describe('DynamoSlackThreadStore against DynamoDB (dynalite in the sandbox)', () => {
  let sandbox: Sandbox;
  let ddb: DynamoDBClient;
  let threads: DynamoSlackThreadStore;
  let rollouts: RolloutStore;

  beforeAll(async () => {
    sandbox = await createSandbox({ port: 0, clock: createSandboxClock({ mode: 'manual', startTime: NOW }) });
    ddb = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: sandbox.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await ddb.send(new CreateTableCommand(rolloutTableDefinition(TABLE)));
    threads = new DynamoSlackThreadStore(ddb, TABLE);
    rollouts = new RolloutStore(DynamoDBDocumentClient.from(ddb), TABLE);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('keeps the thread beside the rollout, under SLACK#<rolloutId>, with a TTL, and reads it back whole', async () => {
    const t = thread('store-a', 'r-a');
    expect(await threads.put(t, null, NOW)).toBe(true);
    expect(await threads.get('store-a', 'r-a')).toEqual(t);
    const raw = await ddb.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'ROLLOUT#store-a' }, sk: { S: 'SLACK#r-a' } } }),
    );
    expect(raw.Item).toMatchObject({ rev: { N: '1' }, ts: { S: t.ts }, channel: { S: t.channel } });
    expect(Number(raw.Item!.expiresAt!.N)).toBe(NOW / 1000 + SLACK_THREAD_TTL_SECONDS);
    expect(raw.Item!.activePk).toBeUndefined();
  });

  it('refuses a second first write and a write from a stale revision', async () => {
    const t = thread('store-b', 'r-b');
    expect(await threads.put(t, null, NOW)).toBe(true);
    expect(await threads.put({ ...t, ts: 'other' }, null, NOW)).toBe(false);
    expect(await threads.put({ ...t, rev: 2 }, 1, NOW)).toBe(true);
    expect(await threads.put({ ...t, rev: 3, ts: 'stale' }, 1, NOW)).toBe(false);
    expect(await threads.get('store-b', 'r-b')).toMatchObject({ rev: 2, ts: t.ts });
  });

  it('gives a new rollout of the endpoint a thread of its own', async () => {
    await threads.put(thread('store-c', 'r-1'), null, NOW);
    expect(await threads.get('store-c', 'r-2')).toBeUndefined();
  });

  it("never touches the rollout's state: versioned saves, history and the active list go on as before", async () => {
    const policyText = standardPolicyText('store-d');
    const policy = parseOrThrow(policyText);
    const created = await rollouts.create(
      {
        endpointName: 'store-d',
        region: 'us-east-1',
        policyText,
        policy,
        state: startRollout(policy, NOW).state,
        appliedCanaryWeight: 0,
      },
      NOW,
    );
    await threads.put(thread('store-d', created.rolloutId), null, NOW);
    const saved = await rollouts.save({ ...created, appliedCanaryWeight: 5 }, created.version);
    expect(saved.version).toBe(created.version + 1);
    expect((await rollouts.get('store-d'))?.appliedCanaryWeight).toBe(5);
    expect((await rollouts.listActive()).map((r) => r.endpointName)).toContain('store-d');
    expect((await rollouts.listActive()).filter((r) => r.endpointName === 'store-d')).toHaveLength(1);
    expect(await rollouts.history('store-d')).toEqual([]);
  });
});
