import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxClock } from '../../../sandbox/clock';
import { createSandbox, type Sandbox } from '../../../sandbox/create-sandbox';
import { startTraffic } from '../../../sandbox/traffic';
import { CloudWatchMetrics } from '../../../shared/aws/cloudwatch-metrics';
import { loadScenario, parseOrThrow, standardPolicyText } from '../handlers/tick/watchdog-harness';

const START = Date.parse('2026-01-01T00:00:00Z');
const MINUTE = 60_000;

/** The CloudWatch adapter against sandbox metrics published by a scenario's traffic. */
describe('CloudWatchMetrics against the sandbox', () => {
  let sandbox: Sandbox;
  let reader: CloudWatchMetrics;
  let calls = 0;

  beforeAll(async () => {
    const clock = createSandboxClock({ mode: 'manual', startTime: START });
    sandbox = await createSandbox({ port: 0, clock, dynamodb: false });
    const client = new CloudWatchClient({
      region: 'us-east-1',
      endpoint: sandbox.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        calls++;
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
    reader = new CloudWatchMetrics(client);
    // Fixed 80/20 split; the traffic reads weights through this function.
    const scenario = loadScenario('canary-5xx-spike');
    for (let i = 0; i < 3; i++) {
      startTraffic({
        scenario,
        region: 'us-east-1',
        endpointName: `cw-${i}`,
        clock,
        store: sandbox.cloudwatch.store,
        getEndpointWeights: () => ({ primary: 80, canary: 20 }),
      });
    }
    await clock.advance(30 * MINUTE);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  const target = (name: string) => ({ key: name, policy: parseOrThrow(standardPolicyText(name)) });

  it('reads the window of every rollout in one call, per variant, latency in ms', async () => {
    calls = 0;
    const read = await reader.read(
      [target('cw-0'), target('cw-1'), target('cw-2')],
      START + 30 * MINUTE + 5_000,
    );
    expect(calls).toBe(1);
    expect(read.calls).toBe(1);
    const periods = read.periods.get('cw-1') ?? [];
    expect(periods.map((p) => p.time)).toEqual([26, 27, 28, 29, 30].map((m) => START + m * MINUTE));
    for (const p of periods) {
      const { primary, canary } = p.variants;
      expect(primary?.invocations).toBeGreaterThan(2000);
      expect(canary?.invocations).toBeGreaterThan(400);
      // From minute 25 the canary fails ~8% of requests.
      expect((canary?.errors5xx ?? 0) / (canary?.invocations ?? 1)).toBeGreaterThan(0.04);
      expect(primary?.latencyP99Ms).toBeGreaterThan(50);
      expect(primary?.latencyP99Ms).toBeLessThan(1000);
    }
  });

  it('follows NextToken across pages and returns the same periods as one page', async () => {
    const client = (reader as unknown as { client: CloudWatchClient }).client;
    const paged = new CloudWatchMetrics(client, 0, 7);
    const targets = [target('cw-0'), target('cw-2')];
    const now = START + 30 * MINUTE;
    const whole = await reader.read(targets, now);
    const pages = await paged.read(targets, now);
    expect(pages.calls).toBeGreaterThan(1);
    expect([...pages.periods]).toEqual([...whole.periods]);
  });

  it('reports no periods for an endpoint without traffic (no data is not zero)', async () => {
    const read = await reader.read([target('silent')], START + 30 * MINUTE);
    expect(read.periods.get('silent')).toEqual([]);
  });

  it('needs one call per 500 queries when many rollouts are read together', async () => {
    const many = Array.from({ length: 130 }, (_, i) => target(`cw-${i % 3}-${i}`));
    const read = await reader.read(many, START + 30 * MINUTE);
    expect(read.calls).toBe(3);
  });
});
