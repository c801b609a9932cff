import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxClock } from '../../../sandbox/clock';
import { createSandbox, type Sandbox } from '../../../sandbox/create-sandbox';
import { HISTORY_TTL_SECONDS, OUTCOME_TTL_SECONDS, RolloutStore } from '../../../shared/aws/rollout-store';
import { rolloutTableDefinition } from '../../../shared/aws/rollout-table';
import type { ControlDeps } from '../../../shared/control/control-deps';
import { handleControlRequest } from '../../../shared/http/control-api-router';
import {
  EXPECTED_FRAUD_A,
  EXPECTED_FRAUD_B,
  EXPECTED_OVERALL,
  knownRollouts,
  STATS_NOW,
} from '../../unit/stats/known-rollouts';

const TABLE = 'stats-suite';

/** GET /stats through the control API's router, at STATS_NOW. */
function statsRequest(query: Record<string, string> = {}) {
  return {
    version: '2.0',
    rawPath: '/stats',
    queryStringParameters: query,
    requestContext: {
      http: { method: 'GET', path: '/stats' },
      requestId: 'stats-test',
      timeEpoch: STATS_NOW,
    },
  };
}

describe('GET /stats over outcome items written with the history of known rollouts', () => {
  let sandbox: Sandbox;
  let store: RolloutStore;
  let doc: DynamoDBDocumentClient;
  let deps: ControlDeps;

  beforeAll(async () => {
    sandbox = await createSandbox({
      port: 0,
      clock: createSandboxClock({ mode: 'manual', startTime: STATS_NOW }),
    });
    const ddb = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: sandbox.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await ddb.send(new CreateTableCommand(rolloutTableDefinition(TABLE)));
    doc = DynamoDBDocumentClient.from(ddb);
    store = new RolloutStore(doc, TABLE);
    // Entry by entry, as the outbox drains them; the final decisions' entries are written twice,
    // as after a crash between the history write and the outbox removal.
    for (const { endpointName, entries } of knownRollouts()) {
      for (const entry of entries) await store.appendHistory(endpointName, [entry]);
      const final = entries.find((e) => e.kind !== 'start' && e.phase !== 'Progressing');
      if (final) await store.appendHistory(endpointName, [final]);
    }
    deps = {
      store,
      outcomes: (range: Parameters<RolloutStore['listOutcomes']>[0]) => store.listOutcomes(range),
    } as unknown as ControlDeps;
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('gives the figures of the last 30 days, overall and per endpoint, each rollout counted once', async () => {
    const response = await handleControlRequest(deps, statsRequest({ since: '30d' }));
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({ since: '2026-01-31T00:00:00.000Z', until: '2026-03-02T00:00:00.000Z' });
    expect(body.overall).toEqual(EXPECTED_OVERALL);
    expect(body.endpoints).toEqual([EXPECTED_FRAUD_A, EXPECTED_FRAUD_B]);
  });

  it('defaults to 30 days and includes older rollouts when asked for a longer period', async () => {
    const recent = JSON.parse((await handleControlRequest(deps, statsRequest())).body);
    expect(recent.overall.rollouts).toBe(7);
    const longer = JSON.parse((await handleControlRequest(deps, statsRequest({ since: '60d' }))).body);
    expect(longer.overall).toMatchObject({ rollouts: 8, promoted: 2 });
  });

  it("gives one endpoint's figures with ?endpoint=", async () => {
    const body = JSON.parse((await handleControlRequest(deps, statsRequest({ endpoint: 'fraud-b' }))).body);
    expect(body.endpoint).toBe('fraud-b');
    expect(body.overall).toMatchObject({ rollouts: 4, rolledBack: 3, aborted: 1 });
    expect(body.endpoints.map((e: { endpointName: string }) => e.endpointName)).toEqual(['fraud-b']);
  });

  it('refuses a period it cannot read, listing the problem', async () => {
    const response = await handleControlRequest(deps, statsRequest({ since: '2y' }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).problems[0]).toMatch(/^query\.since: must be an age such as 30d/);
  });

  it('keeps outcome items longer than history, so the figures outlive the history they came from', async () => {
    const [, promoted] = knownRollouts();
    const final = promoted!.entries.find((e) => e.phase === 'Promoted')!;
    const item = await doc.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'ROLLOUT#fraud-a', sk: `OUTCOME#${final.rolloutId}` } }),
    );
    const endedAt = Date.parse(final.time) / 1000;
    expect(item.Item?.expiresAt).toBe(endedAt + OUTCOME_TTL_SECONDS);
    expect(OUTCOME_TTL_SECONDS).toBeGreaterThan(Math.max(HISTORY_TTL_SECONDS, 365 * 24 * 3600));
  });
});
