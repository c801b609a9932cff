import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListEndpointsCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutNotification } from '../../../../shared/notify/notification';
import { httpEvent } from '../control-api/control-api-fixture';
import {
  ENDPOINT_DELAY_MS,
  type Harness,
  lambdaContext,
  MINUTE,
  scheduledEvent,
  startHarness,
} from '../tick/watchdog-harness';

/**
 * The endpoint lifecycle through the real handlers against the sandbox: a start from a model
 * name deploys the canary, a promotion retires the baseline after its hold-back, a rollback
 * removes the canary after its inspection time, and every endpoint change survives throttling,
 * a lost reply and a capacity failure.
 */

const SUITE = 'lifecycle';
const ALICE = 'arn:aws:iam::123456789012:user/alice';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
let h: Harness;
let tickHandler: Handler;
let controlHandler: Handler;

/** A policy of one 20% step then a manual gate; baseline retired 2 minutes after promotion, canary removed 1 minute after a rollback. */
function policy(
  endpointName: string,
  lifecycle = 'retireBaseline: { after: 2m }\n  cleanUpAfterRollback: { after: 1m }',
) {
  return `apiVersion: rollout-watchdog/v1
endpoint: { name: ${endpointName}, region: us-east-1, baselineVariant: primary, canaryVariant: canary }
strategy:
  canary:
    steps:
      - setWeight: 20
      - pause: {}
analysis:
  metrics:
    - { name: error-rate, type: errorRate, threshold: 0.05 }
lifecycle:
  canary: { instanceType: ml.m5.large, instanceCount: 1 }
  ${lifecycle}
`;
}

async function call(method: string, path: string, body?: unknown) {
  const response = (await controlHandler(
    httpEvent(method, path, { now: h.clock.now(), userArn: ALICE, ...(body ? { body } : {}) }),
    lambdaContext('controlApi'),
  )) as { statusCode: number; body: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are read field by field below
  return { status: response.statusCode, body: JSON.parse(response.body) as any };
}

/** One tick a minute later on the simulated clock. */
async function tick(): Promise<void> {
  await h.clock.advance(MINUTE);
  await tickHandler(scheduledEvent(h), lambdaContext('canaryTick'));
}

/** Ticks until `done` holds (at most `max` ticks). */
async function tickUntil(done: () => Promise<boolean>, max = 10): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await done()) return;
    await tick();
  }
  if (!(await done())) throw new Error(`not reached after ${max} ticks`);
}

/** What the endpoint runs: its config and, per variant, the model, instances and weight. */
async function runs(endpointName: string) {
  const endpoint = await h.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  const config = await h.sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
  );
  return {
    status: endpoint.EndpointStatus,
    configName: endpoint.EndpointConfigName,
    variants: Object.fromEntries(
      (config.ProductionVariants ?? []).map((v) => [
        v.VariantName,
        {
          model: v.ModelName,
          instances: `${v.InitialInstanceCount} × ${v.InstanceType}`,
          weight: endpoint.ProductionVariants?.find((p) => p.VariantName === v.VariantName)?.CurrentWeight,
        },
      ]),
    ),
  };
}

async function configExists(name: string): Promise<boolean> {
  try {
    await h.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
    return true;
  } catch {
    return false;
  }
}

/** A model for `name`, and an endpoint serving `baselineModel` alone as `primary` on 2 × ml.m5.xlarge. */
async function baselineOnlyEndpoint(endpointName: string, models: string[]): Promise<void> {
  for (const model of models) {
    await h.sagemaker.send(
      new CreateModelCommand({
        ModelName: model,
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sagemaker',
        PrimaryContainer: { Image: `000000000000.dkr.ecr.us-east-1.amazonaws.com/${model}:1` },
      }),
    );
  }
  await h.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${endpointName}-initial`,
      ProductionVariants: [
        {
          VariantName: 'primary',
          ModelName: models[0],
          InstanceType: 'ml.m5.xlarge',
          InitialInstanceCount: 2,
          InitialVariantWeight: 1,
        },
      ],
    }),
  );
  await h.sagemaker.send(
    new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: `${endpointName}-initial` }),
  );
  await h.clock.advance(ENDPOINT_DELAY_MS);
}

const statusOf = async (endpointName: string) => (await call('GET', `/rollouts/${endpointName}`)).body;
const changeOf = async (endpointName: string) => (await statusOf(endpointName)).endpointChange;
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

describe('a model version from its name to a retired baseline, and the next one rolled back and cleaned up', () => {
  const endpoint = `${SUITE}-full`;

  beforeAll(async () => {
    await baselineOnlyEndpoint(endpoint, ['fraud-v1', 'fraud-v2', 'fraud-v3']);
  });

  it('refuses a start without a model on an endpoint that has no canary variant, saying how', async () => {
    const response = await call('POST', '/rollouts', { endpointName: endpoint, policy: policy(endpoint) });
    expect(response.status).toBe(409);
    expect(response.body.problems.join('\n')).toMatch(/--model MODEL_NAME/);
  });

  it('refuses a model that does not exist, changing nothing', async () => {
    const response = await call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: policy(endpoint),
      model: 'fraud-v9',
    });
    expect(response.status).toBe(404);
    expect(response.body.error).toMatch(/model fraud-v9 does not exist in us-east-1/);
    expect((await runs(endpoint)).configName).toBe(`${endpoint}-initial`);
  });

  it('deploys the model as the canary at 0% beside the unchanged baseline, then begins the steps', async () => {
    const started = await call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: policy(endpoint),
      model: 'fraud-v2',
      reason: 'ship v2',
    });
    expect(started.status).toBe(201);
    expect(started.body.rollout).toMatchObject({
      phase: 'Progressing',
      weights: { primary: 100, canary: 0 },
      endpointChange: { kind: 'add-canary', status: 'updating', model: 'fraud-v2' },
    });
    // The start's announcement opens with the deployment: the canary serves nothing yet.
    expect(started.body.rollout.message).toMatch(
      /^rollout started \(by .*alice: ship v2\): model fraud-v2 is deployed first as variant canary at 0%; once it is InService the steps begin at canary 20%/,
    );
    const during = await runs(endpoint);
    expect(during.status).toBe('Updating');

    await tickUntil(async () => (await changeOf(endpoint)).status === 'done');
    const after = await runs(endpoint);
    expect(after.variants).toEqual({
      primary: { model: 'fraud-v1', instances: '2 × ml.m5.xlarge', weight: expect.any(Number) },
      canary: { model: 'fraud-v2', instances: '1 × ml.m5.large', weight: expect.any(Number) },
    });
    expect(after.configName).toMatch(new RegExp(`^${endpoint}-rw[0-9a-f]{8}-canary$`));
    await tickUntil(async () => (await statusOf(endpoint)).pendingWeights === false);
    expect(h.sandbox.sagemaker.getEndpointWeights('us-east-1', endpoint)).toEqual({
      primary: 80,
      canary: 20,
    });
    expect(await statusOf(endpoint)).toMatchObject({ phase: 'Paused', stepIndex: 1 });
  });

  it('announces the deployment with the instances it adds', async () => {
    const deployed = messages(endpoint).find((n) => n.endpointChange?.kind === 'add-canary');
    expect(deployed?.reason).toMatch(/adds 1 × ml\.m5\.large \(canary, model fraud-v2\)/);
    const begun = messages(endpoint).find((n) => /Canary deployed/.test(n.reason));
    expect(begun?.reason).toMatch(/canary at 20%|20%/);
  });

  it('shows in status what the endpoint runs now', async () => {
    const status = await statusOf(endpoint);
    expect(status.endpoint.runs.variants).toEqual(
      expect.arrayContaining([
        { variantName: 'primary', modelName: 'fraud-v1', instanceType: 'ml.m5.xlarge', instanceCount: 2 },
        { variantName: 'canary', modelName: 'fraud-v2', instanceType: 'ml.m5.large', instanceCount: 1 },
      ]),
    );
  });

  it('after the promotion holds the baseline back, then retires it and releases its instances', async () => {
    expect((await call('POST', `/rollouts/${endpoint}/promote`, { reason: 'looks good' })).status).toBe(200);
    await tickUntil(async () => (await statusOf(endpoint)).pendingWeights === false);
    const waiting = await changeOf(endpoint);
    expect(waiting).toMatchObject({ kind: 'retire-baseline', status: 'waiting' });
    // Within the hold-back nothing changes.
    await tick();
    expect((await runs(endpoint)).variants.primary?.model).toBe('fraud-v1');

    await tickUntil(async () => (await changeOf(endpoint)).status === 'done', 8);
    const after = await runs(endpoint);
    expect(after.variants).toEqual({
      primary: { model: 'fraud-v2', instances: '1 × ml.m5.large', weight: 1 },
    });
    expect(after.configName).toMatch(/-promoted$/);
    const retired = messages(endpoint).find(
      (n) => n.endpointChange?.kind === 'retire-baseline' && n.endpointChange.status === 'done',
    );
    expect(retired?.reason).toMatch(/releases 2 × ml\.m5\.xlarge \(primary, model fraud-v1\)/);
    expect(retired?.reason).toMatch(/Deleted the superseded config .*-canary/);
    // The team's own config is never deleted; the watchdog's superseded one is.
    expect(await configExists(`${endpoint}-initial`)).toBe(true);
    const recent = (await call('GET', '/rollouts')).body.recent as Array<{ endpointName: string }>;
    // The rollout's split stays its decision (canary 100%); what the endpoint runs now is in
    // `endpoint.runs` and the change's description.
    const finished = recent.find((r) => r.endpointName === endpoint) as unknown as {
      endpointChange: { description: string };
    };
    expect(finished).toMatchObject({ phase: 'Promoted', endpointChange: { status: 'done' } });
    expect(finished.endpointChange.description).toMatch(
      /^baseline retirement done: config .*-promoted in service/,
    );
  });

  it('refuses a rollback once the baseline is retired, saying why', async () => {
    const response = await call('POST', `/rollouts/${endpoint}/rollback`, { reason: 'too late' });
    expect(response.status).toBe(409);
    expect(response.body.error).toMatch(/its baseline was retired; start a rollout of the previous model/);
  });

  it('records each lifecycle step in history, naming the configs', async () => {
    const history = (await call('GET', `/rollouts/${endpoint}/history`)).body.entries as Array<{
      kind: string;
      reason: string;
    }>;
    const steps = history.filter((e) => e.kind === 'endpoint').map((e) => e.reason);
    expect(
      steps.some((r) => /Retiring the baseline .* Config .*-canary stays in service until/.test(r)),
    ).toBe(true);
    expect(steps.some((r) => /^Baseline retired/.test(r))).toBe(true);
  });

  it('starts the next model on the retired endpoint, then rolls it back and removes its canary', async () => {
    const started = await call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: policy(endpoint),
      model: 'fraud-v3',
    });
    expect(started.status).toBe(201);
    await tickUntil(async () => (await statusOf(endpoint)).phase === 'Paused');
    expect((await runs(endpoint)).variants.canary?.model).toBe('fraud-v3');

    expect((await call('POST', `/rollouts/${endpoint}/rollback`, { reason: 'p99 regressed' })).status).toBe(
      200,
    );
    await tickUntil(async () => (await changeOf(endpoint))?.kind === 'remove-canary');
    await tickUntil(async () => (await changeOf(endpoint)).status === 'done', 8);
    expect((await runs(endpoint)).variants).toEqual({
      primary: { model: 'fraud-v2', instances: '1 × ml.m5.large', weight: 1 },
    });
    const removed = messages(endpoint).find(
      (n) => n.endpointChange?.kind === 'remove-canary' && n.endpointChange.status === 'done',
    );
    expect(removed?.reason).toMatch(/releases 1 × ml\.m5\.large \(canary, model fraud-v3\)/);
  });
});

describe('a rollback during the hold-back', () => {
  const endpoint = `${SUITE}-holdback`;

  it('restores the baseline at once and removes the promoted canary instead of retiring the baseline', async () => {
    await baselineOnlyEndpoint(endpoint, ['hb-v1', 'hb-v2']);
    await call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: policy(endpoint, 'retireBaseline: { after: 30m }\n  cleanUpAfterRollback: { after: 0s }'),
      model: 'hb-v2',
    });
    await tickUntil(async () => (await statusOf(endpoint)).phase === 'Paused');
    await call('POST', `/rollouts/${endpoint}/promote`);
    await tickUntil(async () => (await statusOf(endpoint)).pendingWeights === false);
    const rolledBack = await call('POST', `/rollouts/${endpoint}/rollback`, {
      reason: 'errors after promotion',
    });
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body.rollout).toMatchObject({
      phase: 'RolledBack',
      weights: { primary: 100, canary: 0 },
    });
    await tickUntil(async () => (await changeOf(endpoint)).status === 'done', 8);
    expect((await runs(endpoint)).variants).toEqual({
      primary: { model: 'hb-v1', instances: '2 × ml.m5.xlarge', weight: 1 },
    });
  });
});

describe('a new start while a rolled-back canary waits for its clean-up', () => {
  const endpoint = `${SUITE}-reuse`;

  it('keeps the clean-up when the start is refused, and cancels it for a start that reuses the canary', async () => {
    await baselineOnlyEndpoint(endpoint, ['ru-v1', 'ru-v2']);
    const lifecycle = 'cleanUpAfterRollback: { after: 30m }';
    await call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: policy(endpoint, lifecycle),
      model: 'ru-v2',
    });
    await tickUntil(async () => (await statusOf(endpoint)).phase === 'Paused');
    await call('POST', `/rollouts/${endpoint}/rollback`, { reason: 'look at it first' });
    await tickUntil(async () => (await statusOf(endpoint)).pendingWeights === false);
    await h.clock.advance(ENDPOINT_DELAY_MS);
    expect(await changeOf(endpoint)).toMatchObject({ kind: 'remove-canary', status: 'waiting' });

    // Another model cannot take the canary variant while ru-v2 is on it: refused, nothing lost.
    const refused = await call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: policy(endpoint, lifecycle),
      model: 'ru-v1',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/variant canary of .* already runs model ru-v2, not ru-v1/);
    expect(await changeOf(endpoint)).toMatchObject({ kind: 'remove-canary', status: 'waiting' });

    // The same canary again (fixed config, say): the start takes it, and says the clean-up is off.
    const again = await call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: policy(endpoint, lifecycle),
    });
    expect(again.status).toBe(201);
    expect(again.body.rollout.message).toMatch(/canary clean-up, due at .*, is cancelled/);
    expect(again.body.rollout.endpointChange).toBeUndefined();
    expect((await runs(endpoint)).variants.canary?.model).toBe('ru-v2');
  });
});

describe('endpoint changes resume after faults', () => {
  it('a retirement whose UpdateEndpoint is throttled, then whose reply is lost, resumes and finishes once', async () => {
    const endpoint = `${SUITE}-throttled`;
    await baselineOnlyEndpoint(endpoint, ['th-v1', 'th-v2']);
    await call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: policy(endpoint, 'retireBaseline: { after: 0s }'),
      model: 'th-v2',
    });
    await tickUntil(async () => (await statusOf(endpoint)).phase === 'Paused');
    await call('POST', `/rollouts/${endpoint}/promote`);
    await tickUntil(async () => (await statusOf(endpoint)).pendingWeights === false);

    const throttle = h.sandbox.faults.throttle({ service: 'sagemaker', operation: 'UpdateEndpoint' });
    await tick();
    await tick();
    // Its intent is written, the update not sent: the next run sends it.
    const throttled = await changeOf(endpoint);
    expect(throttled).toMatchObject({ kind: 'retire-baseline', status: 'updating' });
    expect(throttled.sent).toBeUndefined();
    expect(throttled.description).toMatch(/not accepted by SageMaker yet, sent again next tick/);
    expect((await runs(endpoint)).variants.canary).toBeDefined();
    h.sandbox.faults.removeRule(throttle);

    // The update runs but its answer is lost: the next run finds it under way and waits for it.
    h.sandbox.faults.loseReply({ service: 'sagemaker', operation: 'UpdateEndpoint', times: 1 });
    await tick();
    await tickUntil(async () => (await changeOf(endpoint)).status === 'done', 8);
    expect((await runs(endpoint)).variants).toEqual({
      primary: { model: 'th-v2', instances: '1 × ml.m5.large', weight: 1 },
    });
    const done = messages(endpoint).filter(
      (n) => n.endpointChange?.kind === 'retire-baseline' && n.endpointChange.status === 'done',
    );
    expect(done).toHaveLength(1);
  });

  it('a canary deployment that fails for capacity pauses the rollout with an alert; resume deploys it', async () => {
    const endpoint = `${SUITE}-capacity`;
    await baselineOnlyEndpoint(endpoint, ['cap-v1', 'cap-v2']);
    h.sandbox.faults.exhaustCapacity('us-east-1', 'ml.m5.large');
    const started = await call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: policy(endpoint),
      model: 'cap-v2',
    });
    expect(started.status).toBe(201);
    await tickUntil(async () => (await changeOf(endpoint)).status === 'failed', 6).catch(
      async (error: unknown) => {
        throw new Error(`${String(error)}: ${JSON.stringify(await statusOf(endpoint))}`);
      },
    );
    const status = await statusOf(endpoint);
    expect(status).toMatchObject({
      phase: 'Paused',
      pauseCause: 'endpoint',
      weights: { primary: 100, canary: 0 },
    });
    expect(status.endpointChange.failure).toMatch(/capacity/i);
    const alert = messages(endpoint).find((n) => n.endpointChange?.status === 'failed');
    expect(alert).toMatchObject({ severity: 'critical', eventType: 'rollout.endpoint-changed' });
    expect(alert?.next).toMatch(/resume/);
    // The endpoint went back to its own config: nothing half-done.
    expect((await runs(endpoint)).configName).toBe(`${endpoint}-initial`);
    // Nothing is retried without a person.
    await tick();
    expect((await changeOf(endpoint)).status).toBe('failed');

    h.sandbox.faults.restoreCapacity('us-east-1', 'ml.m5.large');
    const resumed = await call('POST', `/rollouts/${endpoint}/resume`, { reason: 'capacity is back' });
    expect(resumed.status).toBe(200);
    expect(resumed.body.rollout.endpointChange).toMatchObject({ status: 'updating', attempt: 2 });
    await tickUntil(
      async () =>
        (await statusOf(endpoint)).phase === 'Paused' && (await changeOf(endpoint)).status === 'done',
    );
    expect((await runs(endpoint)).configName).toMatch(/-canary-2$/);
    // The failed attempt's config is deleted once the second one is in service.
    const firstAttempt = (await runs(endpoint)).configName?.replace(/-2$/, '') ?? '';
    expect(await configExists(firstAttempt)).toBe(false);
  });

  it('never leaves an endpoint without a config the watchdog deleted while in use', async () => {
    const listed = await h.sagemaker.send(new ListEndpointsCommand({ MaxResults: 100 }));
    for (const e of listed.Endpoints ?? []) {
      const described = await h.sagemaker.send(new DescribeEndpointCommand({ EndpointName: e.EndpointName }));
      expect(await configExists(described.EndpointConfigName ?? '')).toBe(true);
    }
  });
});
