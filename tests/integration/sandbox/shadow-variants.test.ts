import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  type ProductionVariant,
  SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAGEMAKER_NAMESPACE } from '../../../sandbox/traffic';
import { parseScenario, type Scenario } from '../../../shared/simulation/scenario-schema';
import { startTestSandbox, type TestSandbox } from './sandbox-fixture';

const REGION = 'ap-southeast-2';
const MINUTE = 60_000;
/** Simulated ms a create or an UpdateEndpoint takes in this suite. */
const DELAY_MS = 1_000;

const variant = (name: string, model: string, weight: number): ProductionVariant => ({
  VariantName: name,
  ModelName: model,
  InitialVariantWeight: weight,
  InitialInstanceCount: 1,
  InstanceType: 'ml.m5.large',
});

/** The baseline answers everything; the new model (the canary) fails 30% with 5XX. */
function failingNewModel(): Scenario {
  const parsed = parseScenario({
    name: 'shadow-suite',
    seed: 11,
    durationMinutes: 120,
    endpoint: { name: 'any', baselineVariant: 'primary', canaryVariant: 'candidate' },
    traffic: [{ fromMinute: 0, requestsPerMinute: 2000 }],
    variants: {
      primary: [{ fromMinute: 0, errorRate5xx: 0, errorRate4xx: 0, latencyMs: { p50: 40, p99: 120 } }],
      candidate: [{ fromMinute: 0, errorRate5xx: 0.3, errorRate4xx: 0, latencyMs: { p50: 40, p99: 120 } }],
    },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.scenario;
}

describe('shadow variants in the sandbox SageMaker, through the real SDK client', () => {
  let t: TestSandbox;
  let sm: SageMakerClient;
  let cw: CloudWatchClient;
  let counter = 0;

  beforeAll(async () => {
    t = await startTestSandbox({ endpointDelayMs: DELAY_MS });
    sm = new SageMakerClient(t.client(REGION));
    cw = new CloudWatchClient(t.client(REGION));
  });

  afterAll(async () => {
    sm.destroy();
    cw.destroy();
    await t.stop();
  });

  /** Registers `<name>-m1` (production model) and `<name>-m2` (the new model). */
  const models = async (name: string) => {
    for (const model of [`${name}-m1`, `${name}-m2`]) {
      await sm.send(
        new CreateModelCommand({
          ModelName: model,
          ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sandbox',
          PrimaryContainer: { Image: `123.dkr.ecr.${REGION}.amazonaws.com/${model}:1` },
        }),
      );
    }
  };

  const nextName = async () => {
    counter += 1;
    const name = `shadow-suite-${counter}`;
    await models(name);
    return name;
  };

  /** `<name>-shadow`: `primary` on m1 and the shadow `candidate` on m2 with `shadowWeight`. */
  const shadowConfig = (name: string, shadowWeight: number) =>
    sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-shadow`,
        ProductionVariants: [variant('primary', `${name}-m1`, 1)],
        ShadowProductionVariants: [variant('candidate', `${name}-m2`, shadowWeight)],
      }),
    );

  const sum = async (endpoint: string, variantName: string, metric: string, stat: string) => {
    const result = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(t.clock.now() - 60 * MINUTE),
        EndTime: new Date(t.clock.now()),
        MetricDataQueries: [
          {
            Id: 'm',
            MetricStat: {
              Metric: {
                Namespace: SAGEMAKER_NAMESPACE,
                MetricName: metric,
                Dimensions: [
                  { Name: 'EndpointName', Value: endpoint },
                  { Name: 'VariantName', Value: variantName },
                ],
              },
              Period: 3600,
              Stat: stat,
            },
          },
        ],
      }),
    );
    return result.MetricDataResults?.[0]?.Values?.[0];
  };

  it('keeps a shadow variant in the config and shows it on the endpoint beside the production variant', async () => {
    const name = await nextName();
    await shadowConfig(name, 0.5);

    const config = await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: `${name}-shadow` }));
    expect(config.ProductionVariants?.map((v) => v.VariantName)).toEqual(['primary']);
    expect(config.ShadowProductionVariants).toEqual([
      expect.objectContaining({
        VariantName: 'candidate',
        ModelName: `${name}-m2`,
        InitialVariantWeight: 0.5,
      }),
    ]);

    await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-shadow` }));
    const creating = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
    expect(creating.EndpointStatus).toBe('Creating');
    expect(creating.ShadowProductionVariants?.[0]).toMatchObject({
      VariantName: 'candidate',
      CurrentWeight: 0,
    });

    await t.clock.advance(DELAY_MS);
    const endpoint = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
    expect(endpoint.EndpointStatus).toBe('InService');
    expect(endpoint.ProductionVariants).toEqual([
      expect.objectContaining({ VariantName: 'primary', CurrentWeight: 1, DesiredWeight: 1 }),
    ]);
    expect(endpoint.ShadowProductionVariants).toEqual([
      {
        VariantName: 'candidate',
        DeployedImages: [],
        CurrentWeight: 0.5,
        DesiredWeight: 0.5,
        CurrentInstanceCount: 1,
        DesiredInstanceCount: 1,
      },
    ]);
  });

  it.each([
    {
      problem: 'a shadow with the name of a production variant',
      production: ['primary'],
      shadows: ['primary'],
      message: /Duplicate VariantName "primary"/,
    },
    {
      problem: 'more than one shadow',
      production: ['primary'],
      shadows: ['candidate', 'other'],
      message: /shadowProductionVariants.*length less than or equal to 1/,
    },
    {
      problem: 'a shadow beside two production variants',
      production: ['primary', 'canary'],
      shadows: ['candidate'],
      message: /exactly one variant in ProductionVariants/,
    },
    {
      problem: 'a shadow without a production variant',
      production: [],
      shadows: ['candidate'],
      message: /productionVariants.*length greater than or equal to 1/,
    },
  ])('refuses an endpoint config with $problem', async ({ production, shadows, message }) => {
    const name = await nextName();
    const refused = sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-bad`,
        ProductionVariants: production.map((v) => variant(v, `${name}-m1`, 1)),
        ShadowProductionVariants: shadows.map((v) => variant(v, `${name}-m2`, 1)),
      }),
    );
    await expect(refused).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(message),
    });
    await expect(
      sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: `${name}-bad` })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('moves an endpoint onto a config with a shadow and off it again with UpdateEndpoint', async () => {
    const name = await nextName();
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-plain`,
        ProductionVariants: [variant('primary', `${name}-m1`, 1)],
      }),
    );
    await shadowConfig(name, 0.2);
    await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-plain` }));
    await t.clock.advance(DELAY_MS);

    await sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-shadow` }));
    const updating = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
    expect(updating).toMatchObject({ EndpointStatus: 'Updating', EndpointConfigName: `${name}-plain` });
    expect(updating.ShadowProductionVariants).toBeUndefined();
    expect(updating.PendingDeploymentSummary?.ShadowProductionVariants).toEqual([
      expect.objectContaining({ VariantName: 'candidate', DesiredWeight: 0.2 }),
    ]);

    await t.clock.advance(DELAY_MS);
    const shadowing = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
    expect(shadowing).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: `${name}-shadow` });
    expect(shadowing.ShadowProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight])).toEqual([
      ['candidate', 0.2],
    ]);

    await sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-plain` }));
    await t.clock.advance(DELAY_MS);
    const back = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
    expect(back).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: `${name}-plain` });
    expect(back.ShadowProductionVariants).toBeUndefined();
  });

  it('copies a share of the requests to the shadow, publishes them under its name with the new model behaviour, and serves no user with it', async () => {
    const name = await nextName();
    await shadowConfig(name, 0.5);
    await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-shadow` }));
    await t.clock.advance(DELAY_MS);
    const traffic = t.sandbox.playScenario({
      scenario: failingNewModel(),
      region: REGION,
      endpointName: name,
    });
    await t.clock.advance(20 * MINUTE);
    traffic.stop();

    const served = (await sum(name, 'primary', 'Invocations', 'Sum')) ?? 0;
    const copied = (await sum(name, 'candidate', 'Invocations', 'Sum')) ?? 0;
    expect(served).toBeGreaterThan(20 * 1900);
    // weight 0.5 beside a production weight of 1: half of the requests are copied.
    expect(copied / served).toBeGreaterThan(0.45);
    expect(copied / served).toBeLessThan(0.55);
    expect(await sum(name, 'candidate', 'Invocation5XXErrors', 'Average')).toBeCloseTo(0.3, 1);
    expect(await sum(name, 'primary', 'Invocation5XXErrors', 'Sum')).toBe(0);
    expect(await sum(name, 'candidate', 'ModelLatency', 'SampleCount')).toBe(copied);

    const records = traffic.records();
    expect(records.every((r) => r.canary.invocations === 0 && r.canaryBadRequests === 0)).toBe(true);
    expect(records.reduce((total, r) => total + (r.shadow?.invocations ?? 0), 0)).toBe(copied);
  });

  it('copies every request when the shadow weight is at least the production weight', async () => {
    const name = await nextName();
    await shadowConfig(name, 3);
    await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-shadow` }));
    await t.clock.advance(DELAY_MS);
    const traffic = t.sandbox.playScenario({
      scenario: failingNewModel(),
      region: REGION,
      endpointName: name,
    });
    await t.clock.advance(5 * MINUTE);
    traffic.stop();

    const served = await sum(name, 'primary', 'Invocations', 'Sum');
    expect(served).toBeGreaterThan(0);
    expect(await sum(name, 'candidate', 'Invocations', 'Sum')).toBe(served);
  });
});
