/**
 * The sandbox's rate quotas seen through the real SDK clients, and the project's client
 * configuration (`ClientCache`: retries, pacing, throttle counting) riding them out.
 */
import { GetMetricDataCommand, CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CallPacer } from '../../../shared/aws/call-pacer';
import { ThrottleCounter } from '../../../shared/aws/throttle-counter';
import { ClientCache } from '../../../shared/runtime/client-cache';
import { startTestSandbox, type TestSandbox } from './sandbox-fixture';

const REGION = 'ap-southeast-2';
const ENDPOINT = 'quota-suite-ep';

/** Calls in the burst: three times the sandbox's DescribeEndpoint quota. Calls. */
const BURST = 30;

describe('rate quotas through the real SDK clients', () => {
  let t: TestSandbox;
  /** The quotas' wall clock; by default the real one, a test may hold it still. */
  let wallNow: () => number = Date.now;

  beforeAll(async () => {
    t = await startTestSandbox({ quotas: { wallNow: () => wallNow() } });
    const sm = new SageMakerClient(t.client(REGION));
    await sm.send(
      new CreateModelCommand({
        ModelName: `${ENDPOINT}-model`,
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sandbox',
        PrimaryContainer: { Image: '123.dkr.ecr.ap-southeast-2.amazonaws.com/model:1' },
      }),
    );
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${ENDPOINT}-config`,
        ProductionVariants: [
          { VariantName: 'primary', ModelName: `${ENDPOINT}-model`, InitialVariantWeight: 1 },
        ],
      }),
    );
    await sm.send(
      new CreateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: `${ENDPOINT}-config` }),
    );
    sm.destroy();
  });
  afterEach(() => {
    wallNow = Date.now;
    t.sandbox.quotas.set({ 'sagemaker.DescribeEndpoint': 10, 'monitoring.GetMetricData': 50 });
  });
  afterAll(async () => {
    await t.stop();
  });

  const throttledBySandbox = (key: string) => t.sandbox.quotas.snapshot().throttled[key] ?? 0;

  /** The project's clients (retry budget, pacing, throttle counting), with a pacer and counter of their own. */
  const projectClients = () => {
    const counter = new ThrottleCounter();
    const clients = new ClientCache(
      REGION,
      {
        endpoint: t.sandbox.url,
        credentials: { accessKeyId: 'AKIASANDBOX', secretAccessKey: 'sandbox-secret' },
      },
      { pacer: new CallPacer(), counter },
    );
    return { counter, sagemaker: clients.get(SageMakerClient) };
  };

  it('throttles a plain client above 10 DescribeEndpoint a second with ThrottlingException, HTTP 400', async () => {
    t.sandbox.quotas.set({ 'sagemaker.DescribeEndpoint': 0 });
    const plain = new SageMakerClient({ ...t.client(REGION), maxAttempts: 1 });
    const error = await plain
      .send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }))
      .catch((e: unknown) => e);
    plain.destroy();
    expect(error).toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('throttles GetMetricData with CloudWatch’s own code, Throttling', async () => {
    t.sandbox.quotas.set({ 'monitoring.GetMetricData': 0 });
    const plain = new CloudWatchClient({ ...t.client(REGION), maxAttempts: 1 });
    const error = await plain
      .send(
        new GetMetricDataCommand({
          StartTime: new Date(0),
          EndTime: new Date(60_000),
          MetricDataQueries: [{ Id: 'q', Expression: 'SUM(METRICS())' }],
        }),
      )
      .catch((e: unknown) => e);
    plain.destroy();
    expect(error).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
  });

  it('completes a burst of DescribeEndpoint calls three times the quota without an error, every throttle retried', async () => {
    const { counter, sagemaker } = projectClients();
    const before = throttledBySandbox('sagemaker.DescribeEndpoint');
    const results = await Promise.allSettled(
      Array.from({ length: BURST }, () =>
        sagemaker.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT })),
      ),
    );
    sagemaker.destroy();
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    // The pacer keeps the burst under the quota; whatever a loaded machine still bunches up is retried.
    const throttled = throttledBySandbox('sagemaker.DescribeEndpoint') - before;
    expect(counter.total()).toEqual({ retried: throttled, failed: 0 });
  });

  it('rides out and counts a throttle when the quota is already spent, reporting it on the call that was retried', async () => {
    // The quota's second stands still until the first throttle (the burst lands in one second,
    // as it would beside another caller), then moves on a second.
    const before = throttledBySandbox('sagemaker.DescribeEndpoint');
    const still = Date.now();
    let movedAt: number | undefined;
    wallNow = () => {
      if (movedAt === undefined && throttledBySandbox('sagemaker.DescribeEndpoint') > before)
        movedAt = Date.now();
      return movedAt === undefined ? still : still + 1_000 + (Date.now() - movedAt);
    };
    const { counter, sagemaker } = projectClients();
    const results = await Promise.all(
      Array.from({ length: 15 }, () =>
        sagemaker.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT })),
      ),
    );
    sagemaker.destroy();
    expect(results.every((r) => r.EndpointName === ENDPOINT)).toBe(true);
    expect(throttledBySandbox('sagemaker.DescribeEndpoint') - before).toBe(1);
    expect(counter.snapshot()).toEqual({ 'SageMaker.DescribeEndpoint': { retried: 1, failed: 0 } });
    expect(results.map((r) => r.$metadata.attempts).sort()).toEqual([...Array(14).fill(1), 2]);
  });

  it('keeps its quotas when the faults are cleared, and changes or lifts them over the control route', async () => {
    expect((await fetch(`${t.sandbox.url}/_sandbox/faults`, { method: 'DELETE' })).status).toBe(200);
    expect(t.sandbox.quotas.snapshot().limits['sagemaker.DescribeEndpoint']).toBe(10);

    const put = await fetch(`${t.sandbox.url}/_sandbox/quotas`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 'sagemaker.DescribeEndpoint': 3, 'monitoring.GetMetricData': null }),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { limits: Record<string, number> }).limits).toEqual({
      'sagemaker.DescribeEndpoint': 3,
      'sagemaker.UpdateEndpointWeightsAndCapacities': 10,
    });
    const refused = await fetch(`${t.sandbox.url}/_sandbox/quotas`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 'sagemaker.DescribeEndpoint': 'fast' }),
    });
    expect(refused.status).toBe(400);
    const lifted = await fetch(`${t.sandbox.url}/_sandbox/quotas`, { method: 'DELETE' });
    expect(((await lifted.json()) as { limits: Record<string, number> }).limits).toEqual({});
  });
});

describe('a sandbox created without quotas', () => {
  it('answers a burst far above the default quota without a throttle', async () => {
    const t = await startTestSandbox({ quotas: false });
    try {
      const plain = new SageMakerClient({ ...t.client(REGION), maxAttempts: 1 });
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, () => plain.send(new DescribeEndpointCommand({ EndpointName: 'absent' }))),
      );
      plain.destroy();
      // Every call reached the emulation, which says the endpoint does not exist.
      expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : 'ok'))).toEqual(
        Array(40).fill('ValidationException'),
      );
      expect(t.sandbox.quotas.snapshot()).toEqual({ limits: {}, throttled: {} });
    } finally {
      await t.stop();
    }
  });
});
