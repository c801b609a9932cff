import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  ListEndpointsCommand,
  SageMakerClient,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from './sandbox-fixture';

const REGION = 'us-west-2';

describe('faults on demand, seen through the real SDK clients', () => {
  let t: TestSandbox;
  let sm: SageMakerClient;
  let ssm: SSMClient;

  beforeAll(async () => {
    t = await startTestSandbox({ endpointDelayMs: 1_000 });
    sm = new SageMakerClient(t.client(REGION));
    ssm = new SSMClient(t.client(REGION));
    await ssm.send(new PutParameterCommand({ Name: '/faults-suite/p', Value: 'v', Type: 'String' }));
  });
  afterEach(() => t.sandbox.faults.clear());
  afterAll(async () => {
    sm.destroy();
    ssm.destroy();
    await t.stop();
  });

  it('throttles every call of one operation with ThrottlingException "Rate exceeded" and leaves others alone', async () => {
    t.sandbox.faults.throttle({ service: 'ssm', operation: 'GetParameter' });
    const error = await ssm
      .send(new GetParameterCommand({ Name: '/faults-suite/p' }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded', $fault: 'client' });
    // The SDK retried throttling before giving up.
    expect((error as { $metadata: { attempts: number } }).$metadata.attempts).toBe(3);
    await expect(sm.send(new ListEndpointsCommand({}))).resolves.toMatchObject({ Endpoints: [] });
  });

  it('throttles only the next N calls, which the SDK retries through', async () => {
    t.sandbox.faults.throttle({ service: 'ssm', times: 1 });
    const result = await ssm.send(new GetParameterCommand({ Name: '/faults-suite/p' }));
    expect(result.Parameter?.Value).toBe('v');
    expect(result.$metadata.attempts).toBe(2);
    expect(t.sandbox.faults.snapshot().rules).toEqual([]);
  });

  it.each([
    ['InternalFailure', 500],
    ['ServiceUnavailable', 503],
  ] as const)('fails calls with %s (%i) as a server fault', async (code, status) => {
    t.sandbox.faults.fail(code, { service: 'sagemaker', operation: 'ListEndpoints', times: 3 });
    const error = await sm.send(new ListEndpointsCommand({})).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: code, $fault: 'server', $metadata: { httpStatusCode: status } });
  });

  it('adds latency and still answers', async () => {
    t.sandbox.faults.delay(20, { service: 'ssm', times: 1 });
    await expect(ssm.send(new GetParameterCommand({ Name: '/faults-suite/p' }))).resolves.toMatchObject({
      Parameter: { Value: 'v' },
    });
    expect(t.sandbox.faults.snapshot().rules).toEqual([]);
  });

  it('keeps an endpoint Updating until released', async () => {
    await sm.send(
      new CreateModelCommand({
        ModelName: 'faults-suite-model',
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/x',
      }),
    );
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'faults-suite-config',
        ProductionVariants: [
          { VariantName: 'primary', ModelName: 'faults-suite-model', InitialVariantWeight: 1 },
          { VariantName: 'canary', ModelName: 'faults-suite-model', InitialVariantWeight: 0 },
        ],
      }),
    );
    await sm.send(
      new CreateEndpointCommand({
        EndpointName: 'faults-suite-ep',
        EndpointConfigName: 'faults-suite-config',
      }),
    );
    await t.clock.advance(1_000);
    t.sandbox.faults.holdEndpoint(REGION, 'faults-suite-ep');
    await sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'faults-suite-ep',
        DesiredWeightsAndCapacities: [{ VariantName: 'canary', DesiredWeight: 0.1 }],
      }),
    );
    await t.clock.advance(60_000);
    const held = await sm.send(new DescribeEndpointCommand({ EndpointName: 'faults-suite-ep' }));
    expect(held.EndpointStatus).toBe('Updating');
    t.sandbox.faults.releaseEndpoint(REGION, 'faults-suite-ep');
    const released = await sm.send(new DescribeEndpointCommand({ EndpointName: 'faults-suite-ep' }));
    expect(released.EndpointStatus).toBe('InService');
    expect(released.ProductionVariants?.find((v) => v.VariantName === 'canary')?.CurrentWeight).toBe(0.1);
  });

  it('takes a region away: its calls fail with a reset connection while other regions answer', async () => {
    t.sandbox.faults.takeRegionDown(REGION);
    const error = await sm.send(new ListEndpointsCommand({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toHaveProperty('$metadata.httpStatusCode');
    const elsewhere = new SageMakerClient(t.client('eu-central-1'));
    await expect(elsewhere.send(new ListEndpointsCommand({}))).resolves.toMatchObject({ Endpoints: [] });
    elsewhere.destroy();
    t.sandbox.faults.restoreRegion(REGION);
    await expect(sm.send(new ListEndpointsCommand({}))).resolves.toMatchObject({
      Endpoints: expect.any(Array),
    });
  });

  it('takes a region away as 503 ServiceUnavailable when asked to', async () => {
    t.sandbox.faults.takeRegionDown(REGION, 'unavailable');
    await expect(ssm.send(new GetParameterCommand({ Name: '/faults-suite/p' }))).rejects.toMatchObject({
      name: 'ServiceUnavailable',
      $fault: 'server',
    });
  });

  it('takes fault rules over the control route', async () => {
    const add = await fetch(`${t.sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'throttle', service: 'ssm', operation: 'GetParameter' }),
    });
    expect(add.status).toBe(201);
    const { id } = (await add.json()) as { id: string };
    await expect(ssm.send(new GetParameterCommand({ Name: '/faults-suite/p' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    const listed = (await (await fetch(`${t.sandbox.url}/_sandbox/faults`)).json()) as {
      rules: { id: string }[];
    };
    expect(listed.rules.map((r) => r.id)).toEqual([id]);
    expect((await fetch(`${t.sandbox.url}/_sandbox/faults/${id}`, { method: 'DELETE' })).status).toBe(200);
    await expect(ssm.send(new GetParameterCommand({ Name: '/faults-suite/p' }))).resolves.toBeDefined();
  });

  it('takes an instance type out of capacity and back over the control route', async () => {
    const post = (body: Record<string, string>) =>
      fetch(`${t.sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const exhausted = await post({
      kind: 'exhaust-capacity',
      region: 'us-east-1',
      instanceType: 'ml.g5.xlarge',
    });
    expect(exhausted.status).toBe(201);
    expect(t.sandbox.faults.isCapacityExhausted('us-east-1', 'ml.g5.xlarge')).toBe(true);
    const restored = await post({
      kind: 'restore-capacity',
      region: 'us-east-1',
      instanceType: 'ml.g5.xlarge',
    });
    expect(restored.status).toBe(201);
    expect(t.sandbox.faults.isCapacityExhausted('us-east-1', 'ml.g5.xlarge')).toBe(false);
  });

  it('refuses a fault request it does not understand with 400', async () => {
    const response = await fetch(`${t.sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'meteor-strike' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'unknown fault kind meteor-strike' });
  });
});
