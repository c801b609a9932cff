import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSandboxClock } from '../../../sandbox/clock';
import { createEventBus } from '../../../sandbox/event-bus';
import { createEventRouter } from '../../../sandbox/event-router';
import { freePort } from '../../../sandbox/local-stack/free-port';
import {
  createHttpLambdaInvoker,
  type InvokeResult,
  LambdaUnreachableError,
} from '../../../sandbox/lambda-invoker';
import { catalogueScenarioFile } from '../../../shared/simulation/scenario-catalogue';
import { loadScenarioFile } from '../../../shared/simulation/scenario-schema';
import { startTestSandbox, SUITE_START, type TestSandbox } from './sandbox-fixture';

/**
 * What `npm run sandbox` and `npm run dev` rely on: the event router says once (in one line, no
 * stack) that no functions answer and once that they answer again; asynchronous invocations can
 * be made as RequestResponse calls nobody waits for (serverless-offline survives a handler that
 * throws); a missing table's error says how to provision the stage.
 */

const PROJECT = fileURLToPath(new URL('../../../', import.meta.url));
const MINUTE = 60_000;

/** A stand-in for serverless-offline's invoke API: answers each invocation as `answer` says. */
async function startFakeFunctions(
  port: number,
  answer: (invocationType: string | undefined) => {
    status: number;
    body: string;
    headers?: Record<string, string>;
  },
): Promise<{ close(): Promise<void>; invocations: string[] }> {
  const invocations: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const type = req.headers['x-amz-invocation-type'] as string | undefined;
      invocations.push(`${type} ${req.url}`);
      const reply = answer(type);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    invocations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('the event router without functions to invoke', () => {
  const stops: Array<() => unknown> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    vi.restoreAllMocks();
  });

  it('says once, in one line, that nothing answers, retries quietly, and says once when the functions answer', async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const clock = createSandboxClock({ startTime: SUITE_START });
    const lines: string[] = [];
    const consoleError = vi.spyOn(console, 'error');
    const router = createEventRouter({
      projectDir: PROJECT,
      stage: 'local',
      clock,
      bus: createEventBus(),
      invoker: createHttpLambdaInvoker(endpoint, { asyncInvocations: 'background' }),
      log: (line) => lines.push(line),
    });
    stops.push(() => router.dispose());

    await clock.advance(5 * MINUTE);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`no functions answer at ${endpoint} (ECONNREFUSED)`);
    expect(lines[0]).toContain('--without-events');
    expect(lines[0]).not.toContain('\n');
    // The tick's five schedules (one a minute) all failed; region sync's 5-minute schedule may add one more.
    expect(router.deliveries().filter((d) => d.error && /canaryTick/i.test(d.functionName))).toHaveLength(5);

    const functions = await startFakeFunctions(port, () => ({ status: 200, body: '{}' }));
    stops.push(() => functions.close());
    await clock.advance(3 * MINUTE);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`the functions at ${endpoint} answer now`);
    await vi.waitFor(() => expect(functions.invocations.length).toBeGreaterThanOrEqual(3));

    await functions.close();
    await clock.advance(2 * MINUTE);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('no functions answer');
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('names a refused invocation in one line per failure, without a stack', async () => {
    const port = await freePort();
    const functions = await startFakeFunctions(port, () => ({
      status: 404,
      body: '{"Message":"Function not found"}',
    }));
    stops.push(() => functions.close());
    const clock = createSandboxClock({ startTime: SUITE_START });
    const lines: string[] = [];
    const router = createEventRouter({
      projectDir: PROJECT,
      clock,
      bus: createEventBus(),
      invoker: createHttpLambdaInvoker(`http://127.0.0.1:${port}`),
      log: (line) => lines.push(line),
    });
    stops.push(() => router.dispose());
    await clock.advance(MINUTE);
    expect(lines).toEqual([
      expect.stringMatching(
        /^sandbox event router: delivery to rollout-watchdog-local-canaryTick failed: invoke .* answered 404/,
      ),
    ]);
  });
});

describe('background invocations (RequestResponse nobody waits for)', () => {
  const stops: Array<() => unknown> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('answers 202 at once and hands the function error to onBackgroundResult', async () => {
    const port = await freePort();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = http.createServer((req, res) => {
      req.resume();
      // The "function" answers only once the test lets it: the caller must not be waiting.
      void held.then(() =>
        res
          .writeHead(200, { 'x-amz-function-error': 'Unhandled' })
          .end('{"errorType":"RolloutStoreError","errorMessage":"listActive failed"}'),
      );
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const results: InvokeResult[] = [];
    const invoker = createHttpLambdaInvoker(`http://127.0.0.1:${port}`, {
      asyncInvocations: 'background',
      onBackgroundResult: (_name, _event, result) => results.push(result),
    });
    expect(await invoker.invoke('fn', { a: 1 }, { async: true })).toEqual({ statusCode: 202 });
    expect(results).toEqual([]);
    release();
    await vi.waitFor(() =>
      expect(results).toEqual([
        {
          statusCode: 200,
          functionError: 'Unhandled',
          payload: { errorType: 'RolloutStoreError', errorMessage: 'listActive failed' },
        },
      ]),
    );
  });

  it('rejects with LambdaUnreachableError naming the endpoint when nothing listens', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    for (const asyncInvocations of ['background', 'Event'] as const) {
      const invoker = createHttpLambdaInvoker(endpoint, { asyncInvocations });
      const error = await invoker.invoke('fn', {}, { async: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LambdaUnreachableError);
      expect(error).toMatchObject({ endpoint, code: 'ECONNREFUSED', functionName: 'fn' });
    }
  });
});

describe('a DynamoDB table the stage has not provisioned', () => {
  let t: TestSandbox | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('answers ResourceNotFoundException with what to do, as onMissingTable says', async () => {
    const asked: string[] = [];
    t = await startTestSandbox({
      dynamodb: true,
      onMissingTable: (table) => {
        asked.push(table);
        return table.startsWith('rollout-watchdog-') ? 'run `npm run sandbox -- --provision`' : undefined;
      },
    });
    const ddb = new DynamoDBClient(t.client());
    try {
      const query = (TableName: string) =>
        ddb.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: 'x' } },
          }),
        );
      const error = await query('rollout-watchdog-local').catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'Requested resource not found: run `npm run sandbox -- --provision`',
      });
      const other = await query('someone-else').catch((e: unknown) => e);
      expect(other).toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'Requested resource not found',
      });
      expect(asked).toEqual(['rollout-watchdog-local', 'someone-else']);
    } finally {
      ddb.destroy();
    }
  });
});

describe('traffic joined midway', () => {
  let t: TestSandbox | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('plays the scenario from startMinute on', async () => {
    t = await startTestSandbox();
    const handle = t.sandbox.playScenario({
      scenario: loadScenarioFile(catalogueScenarioFile('canary-5xx-spike')),
      region: 'us-east-1',
      endpointName: 'midway-ep',
      startMinute: 25,
    });
    await t.clock.advance(2 * MINUTE);
    expect(handle.records().map((r) => r.minute)).toEqual([25, 26]);
    expect(handle.minutesPlayed()).toBe(27);
    expect(() =>
      t?.sandbox.playScenario({
        scenario: loadScenarioFile(catalogueScenarioFile('canary-5xx-spike')),
        region: 'us-east-1',
        endpointName: 'midway-ep',
        startMinute: -1,
      }),
    ).toThrow(RangeError);
  });
});
