import { DescribeEndpointCommand, DescribeEndpointConfigCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrafficHandle } from '../../../../sandbox/traffic';
import { createBaselineEndpoint } from '../../../../sandbox/local-stack/scenario-endpoint';
import type { RolloutNotification } from '../../../../shared/notify/notification';
import { parseScenario, type Scenario } from '../../../../shared/simulation/scenario-schema';
import { httpEvent } from '../control-api/control-api-fixture';
import {
  ENDPOINT_DELAY_MS,
  type Harness,
  lambdaContext,
  MINUTE,
  REGION,
  scheduledEvent,
  startHarness,
} from '../tick/watchdog-harness';

/**
 * A shadow phase through the real handlers against the sandbox's SageMaker (real SDK clients):
 * `start --model` deploys the new model as a shadow variant copying half of the requests; a
 * healthy shadow becomes the canary variant at 0% and then gets the first step's 10%; a failing
 * one is removed at once and the rollout ends RolledBack without a weight ever sent to it.
 */

const SUITE = 'shadowlife';
const ALICE = 'arn:aws:iam::123456789012:user/alice';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
let h: Harness;
let tickHandler: Handler;
let controlHandler: Handler;

/** A 3-minute shadow on 50% of the requests, then 10% and a manual gate. */
function policy(endpointName: string): string {
  return `apiVersion: rollout-watchdog/v1
endpoint: { name: ${endpointName}, region: ${REGION}, baselineVariant: primary, canaryVariant: canary }
strategy:
  canary:
    shadow: { samplingPercent: 50, duration: 3m }
    steps:
      - setWeight: 10
      - pause: {}
analysis:
  minCanaryInvocations: 100
  metrics:
    - { name: error-rate, type: errorRate, threshold: 0.05, maxIncrease: 0.01, failureLimit: 2 }
lifecycle:
  canary: { instanceType: ml.m5.large, instanceCount: 1 }
`;
}

/** The baseline healthy; the new model healthy too, or failing 30% of its requests with 5XX. */
function scenario(newModelErrorRate: number): Scenario {
  const parsed = parseScenario({
    name: `shadow-${newModelErrorRate}`,
    seed: 5,
    durationMinutes: 60,
    endpoint: { name: 'any', baselineVariant: 'primary', canaryVariant: 'canary' },
    traffic: [{ fromMinute: 0, requestsPerMinute: 2000 }],
    variants: {
      primary: [{ fromMinute: 0, errorRate5xx: 0.002, errorRate4xx: 0, latencyMs: { p50: 40, p99: 150 } }],
      canary: [
        { fromMinute: 0, errorRate5xx: newModelErrorRate, errorRate4xx: 0, latencyMs: { p50: 40, p99: 150 } },
      ],
    },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.scenario;
}

async function call(method: string, path: string, body?: unknown) {
  const response = (await controlHandler(
    httpEvent(method, path, { now: h.clock.now(), userArn: ALICE, ...(body ? { body } : {}) }),
    lambdaContext('controlApi'),
  )) as { statusCode: number; body: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are read field by field below
  return { status: response.statusCode, body: JSON.parse(response.body) as any };
}

/** Production weights seen after each tick, per endpoint: a shadow must never appear among them. */
const weightsSeen = new Map<string, Array<Record<string, number> | undefined>>();

async function tick(): Promise<void> {
  await h.clock.advance(MINUTE);
  await tickHandler(scheduledEvent(h), lambdaContext('canaryTick'));
  for (const [endpointName, seen] of weightsSeen)
    seen.push(h.sandbox.sagemaker.getEndpointWeights(REGION, endpointName));
}

async function tickUntil(done: () => Promise<boolean>, max = 12): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await done()) return;
    await tick();
  }
  if (!(await done())) throw new Error(`not reached after ${max} ticks`);
}

/** The config the endpoint runs: production and shadow variants with their model and weight. */
async function runs(endpointName: string) {
  const endpoint = await h.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  const config = await h.sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
  );
  const list = (variants: typeof config.ProductionVariants) =>
    Object.fromEntries(
      (variants ?? []).map((v) => [v.VariantName, { model: v.ModelName, weight: v.InitialVariantWeight }]),
    );
  return {
    status: endpoint.EndpointStatus,
    configName: endpoint.EndpointConfigName,
    production: list(config.ProductionVariants),
    shadow: list(config.ShadowProductionVariants),
  };
}

async function baselineOnlyEndpoint(endpointName: string): Promise<void> {
  await createBaselineEndpoint({
    sandboxUrl: h.sandbox.url,
    region: REGION,
    endpointName,
    baselineVariant: 'primary',
    models: [`${endpointName}-v1`, `${endpointName}-v2`],
  });
  await h.clock.advance(ENDPOINT_DELAY_MS);
  weightsSeen.set(endpointName, []);
}

const statusOf = async (endpointName: string) => (await call('GET', `/rollouts/${endpointName}`)).body;
const messages = (endpointName: string): RolloutNotification[] =>
  h.notifications.filter((n) => n.endpointName === endpointName);

beforeAll(async () => {
  h = await startHarness(SUITE);
  h.applyEnv({ CONTROL_API_CLOCK_HEADER: 'true' });
  tickHandler = (await import('../../../../handlers/canary-tick')).handler as Handler;
  controlHandler = (await import('../../../../handlers/control-api')).handler as Handler;
});

afterAll(async () => {
  await h?.close();
});

describe('a shadow phase needs a model to deploy', () => {
  it('refuses a start without --model, saying a shadow phase needs it, and changes nothing', async () => {
    const endpoint = `${SUITE}-nomodel`;
    await baselineOnlyEndpoint(endpoint);
    const response = await call('POST', '/rollouts', { endpointName: endpoint, policy: policy(endpoint) });
    expect(response.status).toBe(400);
    expect(response.body.problems.join('\n')).toMatch(
      /a shadow phase \(strategy\.canary\.shadow\) needs --model/,
    );
    expect((await runs(endpoint)).configName).toBe(`${endpoint}-initial`);
    expect((await call('GET', `/rollouts/${endpoint}`)).status).toBe(404);
  });
});

describe('a healthy shadow passes into the canary', () => {
  const endpoint = `${SUITE}-pass`;
  let traffic: TrafficHandle;

  beforeAll(async () => {
    await baselineOnlyEndpoint(endpoint);
    traffic = h.sandbox.playScenario({ scenario: scenario(0.002), region: REGION, endpointName: endpoint });
  });
  afterAll(() => traffic.stop());

  it('deploys the model as a shadow copying half of the requests, the baseline unchanged at all the traffic', async () => {
    const started = await call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: policy(endpoint),
      model: `${endpoint}-v2`,
      reason: 'shadow v2',
    });
    expect(started.status).toBe(201);
    expect(started.body.rollout).toMatchObject({
      phase: 'Progressing',
      weights: { primary: 100, canary: 0 },
      endpointChange: { kind: 'add-shadow', status: 'updating', model: `${endpoint}-v2` },
    });
    expect(started.body.rollout.message).toMatch(
      /model shadowlife-pass-v2 is deployed first as shadow variant canary \(50% of requests copied, answering nobody\); once it is InService the shadow is judged for 3m, then the steps begin at canary 10% if it passes/,
    );
    await tickUntil(async () => (await statusOf(endpoint)).endpointChange.status === 'done');
    const during = await runs(endpoint);
    expect(during.configName).toMatch(/-rw[0-9a-f]{8}-shadow$/);
    expect(during.production).toEqual({ primary: { model: `${endpoint}-v1`, weight: 1 } });
    expect(during.shadow).toEqual({ canary: { model: `${endpoint}-v2`, weight: 0.5 } });
    const status = await statusOf(endpoint);
    expect(status.shadow).toMatchObject({ samplingPercent: 50, status: 'judging' });
    expect(status.shadow.description).toMatch(
      /^shadow on 50% of requests \(copies, answering nobody\) until /,
    );
  });

  it('judges the shadow on its copies, then deploys it as the canary at 0%, then gives it 10%', async () => {
    await tickUntil(async () => (await statusOf(endpoint)).endpointChange.kind === 'shadow-to-canary', 8);
    const passed = messages(endpoint).find((n) => /^shadow passed/.test(n.reason));
    expect(passed?.reason).toMatch(
      /its model is deployed as the canary variant first \(at 0%\), then canary 0% -> 10%/,
    );
    expect(passed?.next).toMatch(
      /being deployed as the canary variant canary at 0%; once it is InService the canary gets 10%/,
    );
    const begun = messages(endpoint).find((n) => /^Shadow deployed on shadowlife-pass/.test(n.reason));
    expect(begun?.eventType).toBe('rollout.started');
    expect(begun?.reason).toMatch(
      /rollout started as a shadow: 50% of production requests copied to the new model, which answers nobody, for 3m/,
    );
    expect(begun?.next).toMatch(
      /The new model stays a shadow on 50% of the requests \(copies; it answers nobody\) for 3m more .*then becomes the canary at 10%/,
    );

    await tickUntil(async () => (await statusOf(endpoint)).endpointChange.status === 'done', 4);
    const configName = (await statusOf(endpoint)).endpointChange.targetConfig as string;
    expect(configName).toMatch(/-rw[0-9a-f]{8}-canary$/);
    const deployed = await h.sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: configName }),
    );
    // The canary variant was made at 0%, on the shadow's model and instances, with no shadow left.
    expect(
      deployed.ProductionVariants?.map((v) => [v.VariantName, v.ModelName, v.InitialVariantWeight]),
    ).toEqual([
      ['primary', `${endpoint}-v1`, 1],
      ['canary', `${endpoint}-v2`, 0],
    ]);
    expect(deployed.ShadowProductionVariants ?? []).toEqual([]);

    await tickUntil(async () => (await statusOf(endpoint)).pendingWeights === false, 4);
    expect(h.sandbox.sagemaker.getEndpointWeights(REGION, endpoint)).toEqual({ primary: 90, canary: 10 });
    const status = await statusOf(endpoint);
    expect(status).toMatchObject({
      phase: 'Paused',
      pauseCause: 'step',
      weights: { primary: 90, canary: 10 },
    });
    expect(status.shadow).toBeUndefined();
    // Before the shadow passed, no user request reached the new model.
    const beforeCanary = weightsSeen.get(endpoint)!.filter((w) => w !== undefined && !('canary' in w));
    expect(beforeCanary.length).toBeGreaterThanOrEqual(4);
    const copied = traffic.records().filter((r) => (r.shadow?.invocations ?? 0) > 0);
    expect(copied.length).toBeGreaterThanOrEqual(3);
  });
});

describe('a failing shadow is removed with no user traffic moved', () => {
  const endpoint = `${SUITE}-fail`;
  let traffic: TrafficHandle;

  beforeAll(async () => {
    await baselineOnlyEndpoint(endpoint);
    traffic = h.sandbox.playScenario({ scenario: scenario(0.3), region: REGION, endpointName: endpoint });
  });
  afterAll(() => traffic.stop());

  it('rolls back on the shadow’s error rate, removes the shadow at once and never sends a weight to it', async () => {
    const started = await call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: policy(endpoint),
      model: `${endpoint}-v2`,
    });
    expect(started.status).toBe(201);
    await tickUntil(async () => (await statusOf(endpoint)).phase === 'RolledBack', 8);
    const status = await statusOf(endpoint);
    expect(status).toMatchObject({
      weights: { primary: 100, canary: 0 },
      appliedWeights: { primary: 100, canary: 0 },
    });
    expect(status.message).toMatch(
      /^shadow failed, rolled back: error-rate .*; the shadow is removed and no user request was answered by the new model/,
    );
    await tickUntil(
      async () =>
        (await statusOf(endpoint)).endpointChange?.kind === 'remove-shadow' &&
        (await statusOf(endpoint)).endpointChange.status === 'done',
      4,
    );
    const after = await runs(endpoint);
    expect(after.production).toEqual({ primary: { model: `${endpoint}-v1`, weight: 1 } });
    expect(after.shadow).toEqual({});
    expect(after.configName).toMatch(/-rw[0-9a-f]{8}-baseline$/);

    const rolledBack = messages(endpoint).find((n) => /^shadow failed/.test(n.reason));
    expect(rolledBack?.next).toMatch(/The shadow failed: it is removed now, and no user traffic moved/);
    const removed = messages(endpoint).find(
      (n) => n.endpointChange?.kind === 'remove-shadow' && n.endpointChange.status === 'done',
    );
    expect(removed?.reason).toMatch(
      /Shadow removed from shadowlife-fail: .*releases 1 × ml\.m5\.large \(canary, model shadowlife-fail-v2\)/,
    );

    // The canary was never a production variant: no weight could reach it, and no user request did.
    expect(weightsSeen.get(endpoint)!.every((w) => w === undefined || !('canary' in w))).toBe(true);
    expect(traffic.records().every((r) => r.canary.invocations === 0)).toBe(true);
    expect(traffic.records().some((r) => (r.shadow?.invocations ?? 0) > 0)).toBe(true);
  });
});
