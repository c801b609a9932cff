import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointConfigCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointsCommand,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUITE_START, startTestSandbox, type TestSandbox } from './sandbox-fixture';

const REGION = 'eu-west-1';
const ARN_PREFIX = `arn:aws:sagemaker:${REGION}:000000000000`;

describe('SageMaker through the real SDK client', () => {
  let t: TestSandbox;
  let sm: SageMakerClient;
  let counter = 0;

  /** Creates model, two-variant config and endpoint, and waits (on the clock) until InService. */
  const endpointInService = async (baselineWeight = 1, canaryWeight = 0): Promise<string> => {
    counter += 1;
    const name = `sm-suite-ep-${counter}`;
    await sm.send(
      new CreateModelCommand({
        ModelName: `${name}-model`,
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sandbox',
        PrimaryContainer: { Image: '123.dkr.ecr.eu-west-1.amazonaws.com/model:1' },
      }),
    );
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-config`,
        ProductionVariants: [
          {
            VariantName: 'primary',
            ModelName: `${name}-model`,
            InitialVariantWeight: baselineWeight,
            InitialInstanceCount: 1,
            InstanceType: 'ml.m5.large',
          },
          {
            VariantName: 'canary',
            ModelName: `${name}-model`,
            InitialVariantWeight: canaryWeight,
            InitialInstanceCount: 1,
            InstanceType: 'ml.m5.large',
          },
        ],
      }),
    );
    await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config` }));
    await t.clock.advance(1_000);
    return name;
  };

  beforeAll(async () => {
    t = await startTestSandbox({ endpointDelayMs: 1_000 });
    sm = new SageMakerClient(t.client(REGION));
  });
  afterAll(async () => {
    sm.destroy();
    await t.stop();
  });

  it('creates and describes a model, an endpoint config and an endpoint that goes Creating then InService', async () => {
    const model = await sm.send(
      new CreateModelCommand({
        ModelName: 'sm-suite-Model',
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sandbox',
        PrimaryContainer: { Image: 'img:1' },
      }),
    );
    expect(model.ModelArn).toBe(`${ARN_PREFIX}:model/sm-suite-model`);
    const described = await sm.send(new DescribeModelCommand({ ModelName: 'sm-suite-Model' }));
    expect(described).toMatchObject({ ModelName: 'sm-suite-Model', PrimaryContainer: { Image: 'img:1' } });
    expect(described.CreationTime).toEqual(new Date(t.clock.now()));

    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'sm-suite-config',
        ProductionVariants: [
          {
            VariantName: 'primary',
            ModelName: 'sm-suite-Model',
            InitialVariantWeight: 9,
            InitialInstanceCount: 2,
          },
          {
            VariantName: 'canary',
            ModelName: 'sm-suite-Model',
            InitialVariantWeight: 1,
            InitialInstanceCount: 1,
          },
        ],
      }),
    );
    const config = await sm.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: 'sm-suite-config' }),
    );
    expect(config.ProductionVariants?.map((v) => [v.VariantName, v.InitialVariantWeight])).toEqual([
      ['primary', 9],
      ['canary', 1],
    ]);

    const created = await sm.send(
      new CreateEndpointCommand({ EndpointName: 'sm-suite-main', EndpointConfigName: 'sm-suite-config' }),
    );
    expect(created.EndpointArn).toBe(`${ARN_PREFIX}:endpoint/sm-suite-main`);
    const creating = await sm.send(new DescribeEndpointCommand({ EndpointName: 'sm-suite-main' }));
    expect(creating.EndpointStatus).toBe('Creating');

    await t.clock.advance(1_000);
    const ready = await sm.send(new DescribeEndpointCommand({ EndpointName: 'sm-suite-main' }));
    expect(ready.EndpointStatus).toBe('InService');
    expect(ready.EndpointConfigName).toBe('sm-suite-config');
    expect(ready.ProductionVariants).toEqual([
      expect.objectContaining({
        VariantName: 'primary',
        CurrentWeight: 9,
        DesiredWeight: 9,
        CurrentInstanceCount: 2,
      }),
      expect.objectContaining({
        VariantName: 'canary',
        CurrentWeight: 1,
        DesiredWeight: 1,
        CurrentInstanceCount: 1,
      }),
    ]);
    expect(t.sandbox.sagemaker.getEndpointWeights(REGION, 'sm-suite-main')).toEqual({
      primary: 90,
      canary: 10,
    });
  });

  it('changes weights through Updating: current and desired differ until the delay has passed on the clock', async () => {
    const name = await endpointInService();
    const started = t.clock.now();
    await sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: name,
        DesiredWeightsAndCapacities: [
          { VariantName: 'primary', DesiredWeight: 0.8 },
          { VariantName: 'canary', DesiredWeight: 0.2 },
        ],
      }),
    );
    const updating = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
    expect(updating.EndpointStatus).toBe('Updating');
    expect(updating.LastModifiedTime).toEqual(new Date(started));
    expect(updating.ProductionVariants?.find((v) => v.VariantName === 'canary')).toMatchObject({
      CurrentWeight: 0,
      DesiredWeight: 0.2,
    });
    expect(t.sandbox.sagemaker.getEndpointWeights(REGION, name)).toEqual({ primary: 100, canary: 0 });

    await t.clock.advance(999);
    expect((await sm.send(new DescribeEndpointCommand({ EndpointName: name }))).EndpointStatus).toBe(
      'Updating',
    );
    await t.clock.advance(1);
    const done = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
    expect(done.EndpointStatus).toBe('InService');
    expect(done.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight, v.DesiredWeight])).toEqual([
      ['primary', 0.8, 0.8],
      ['canary', 0.2, 0.2],
    ]);
    const weights = t.sandbox.sagemaker.getEndpointWeights(REGION, name);
    expect(weights?.canary).toBeCloseTo(20);
  });

  it('refuses a second update while the endpoint is Updating', async () => {
    const name = await endpointInService();
    await sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: name,
        DesiredWeightsAndCapacities: [{ VariantName: 'canary', DesiredWeight: 1 }],
      }),
    );
    await expect(
      sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: name,
          DesiredWeightsAndCapacities: [{ VariantName: 'canary', DesiredWeight: 2 }],
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      $fault: 'client',
      message: `Cannot update in-progress endpoint "${ARN_PREFIX}:endpoint/${name}".`,
    });
  });

  it.each([
    [
      'an unknown variant',
      [{ VariantName: 'shadow', DesiredWeight: 1 }],
      /variant name\(s\) "shadow" is\/are not present/,
    ],
    [
      'a negative weight',
      [{ VariantName: 'canary', DesiredWeight: -1 }],
      /desiredWeight' failed to satisfy constraint: Member must have value greater than or equal to 0/,
    ],
    [
      'all-zero weights',
      [
        { VariantName: 'primary', DesiredWeight: 0 },
        { VariantName: 'canary', DesiredWeight: 0 },
      ],
      /sum of the weights of all variants must be greater than zero/,
    ],
  ])(
    'refuses %s with ValidationException and leaves the endpoint InService',
    async (_case, desired, message) => {
      const name = await endpointInService();
      const error = await sm
        .send(
          new UpdateEndpointWeightsAndCapacitiesCommand({
            EndpointName: name,
            DesiredWeightsAndCapacities: desired,
          }),
        )
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ValidationException' });
      expect((error as Error).message).toMatch(message);
      expect((await sm.send(new DescribeEndpointCommand({ EndpointName: name }))).EndpointStatus).toBe(
        'InService',
      );
    },
  );

  it.each([
    [
      'DescribeEndpoint',
      () => sm.send(new DescribeEndpointCommand({ EndpointName: 'sm-suite-missing' })),
      `Could not find endpoint "${ARN_PREFIX}:endpoint/sm-suite-missing".`,
    ],
    [
      'DescribeModel',
      () => sm.send(new DescribeModelCommand({ ModelName: 'sm-suite-missing' })),
      `Could not find model "${ARN_PREFIX}:model/sm-suite-missing".`,
    ],
    [
      'DescribeEndpointConfig',
      () => sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'sm-suite-missing' })),
      `Could not find endpoint configuration "${ARN_PREFIX}:endpoint-config/sm-suite-missing".`,
    ],
    [
      'UpdateEndpointWeightsAndCapacities',
      () =>
        sm.send(
          new UpdateEndpointWeightsAndCapacitiesCommand({
            EndpointName: 'sm-suite-missing',
            DesiredWeightsAndCapacities: [{ VariantName: 'canary', DesiredWeight: 1 }],
          }),
        ),
      `Could not find endpoint "${ARN_PREFIX}:endpoint/sm-suite-missing".`,
    ],
  ])('answers %s on an unknown resource with ValidationException', async (_op, call, message) => {
    await expect(call()).rejects.toMatchObject({ name: 'ValidationException', message });
  });

  it('refuses to create an endpoint twice', async () => {
    const name = await endpointInService();
    await expect(
      sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config` })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Cannot create already existing endpoint "${ARN_PREFIX}:endpoint/${name}".`,
    });
  });

  it('moves an endpoint to a new config with UpdateEndpoint and refuses to delete a config in use', async () => {
    const name = await endpointInService();
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-config-2`,
        ProductionVariants: [
          { VariantName: 'promoted', ModelName: `${name}-model`, InitialVariantWeight: 1 },
        ],
      }),
    );
    await sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config-2` }));
    await expect(
      sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: `${name}-config-2` })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const updating = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
    expect(updating).toMatchObject({ EndpointStatus: 'Updating', EndpointConfigName: `${name}-config` });

    await t.clock.advance(1_000);
    const done = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
    expect(done).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: `${name}-config-2` });
    expect(done.ProductionVariants?.map((v) => v.VariantName)).toEqual(['promoted']);

    await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: `${name}-config` }));
    await expect(
      sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: `${name}-config` })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('lists endpoints with their status, filtered by name and paged', async () => {
    const a = await endpointInService();
    const b = await endpointInService();
    const page1 = await sm.send(
      new ListEndpointsCommand({
        NameContains: 'sm-suite-ep-',
        SortBy: 'Name',
        SortOrder: 'Ascending',
        MaxResults: 1,
      }),
    );
    expect(page1.Endpoints).toHaveLength(1);
    expect(page1.NextToken).toBeDefined();
    const all = await sm.send(new ListEndpointsCommand({ NameContains: 'sm-suite-ep-', MaxResults: 100 }));
    const names = all.Endpoints?.map((e) => e.EndpointName) ?? [];
    expect(names).toEqual(expect.arrayContaining([a, b]));
    expect(
      all.Endpoints?.every((e) => e.EndpointStatus === 'InService' && e.CreationTime instanceof Date),
    ).toBe(true);
    expect(all.Endpoints?.[0]?.CreationTime?.getTime()).toBeGreaterThanOrEqual(SUITE_START);
  });

  it('keeps each region apart', async () => {
    const name = await endpointInService();
    const other = new SageMakerClient(t.client('ap-southeast-2'));
    await expect(other.send(new DescribeEndpointCommand({ EndpointName: name }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    other.destroy();
  });
});
