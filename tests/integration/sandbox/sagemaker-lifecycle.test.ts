import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  type ProductionVariant,
  type ProductionVariantInstanceType,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSUFFICIENT_CAPACITY_REASON } from '../../../sandbox/services/sagemaker/instance-capacity';
import { startTestSandbox, type TestSandbox } from './sandbox-fixture';

const REGION = 'eu-central-1';
const ARN_PREFIX = `arn:aws:sagemaker:${REGION}:000000000000`;
/** Simulated ms a weights change or a create takes in these suites. */
const ENDPOINT_DELAY_MS = 1_000;
/** Simulated ms an UpdateEndpoint to a new config takes in these suites. */
const UPDATE_DELAY_MS = 5_000;

const variant = (
  name: string,
  model: string,
  weight: number,
  instanceType: ProductionVariantInstanceType = 'ml.m5.large',
): ProductionVariant => ({
  VariantName: name,
  ModelName: model,
  InitialVariantWeight: weight,
  InitialInstanceCount: 1,
  InstanceType: instanceType,
});

describe('SageMaker model lifecycle through the real SDK client', () => {
  let t: TestSandbox;
  let sm: SageMakerClient;
  let counter = 0;

  const model = async (name: string) => {
    await sm.send(
      new CreateModelCommand({
        ModelName: name,
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sandbox',
        PrimaryContainer: { Image: `123.dkr.ecr.${REGION}.amazonaws.com/${name}:1` },
      }),
    );
  };

  /** An endpoint InService on `<name>-v1`: baseline `primary` at 100 % running `<name>-m1`. */
  const endpointInService = async (): Promise<string> => {
    counter += 1;
    const name = `sm-life-ep-${counter}`;
    await model(`${name}-m1`);
    await model(`${name}-m2`);
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-v1`,
        ProductionVariants: [variant('primary', `${name}-m1`, 1)],
      }),
    );
    await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-v1` }));
    await t.clock.advance(ENDPOINT_DELAY_MS);
    return name;
  };

  /** `<name>-v2`: the baseline unchanged plus a `canary` on `<name>-m2` at weight 0. */
  const canaryConfig = async (
    name: string,
    canaryInstanceType: ProductionVariantInstanceType = 'ml.m5.large',
  ): Promise<string> => {
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-v2`,
        ProductionVariants: [
          variant('primary', `${name}-m1`, 1),
          variant('canary', `${name}-m2`, 0, canaryInstanceType),
        ],
      }),
    );
    return `${name}-v2`;
  };

  const describeEndpoint = (name: string) => sm.send(new DescribeEndpointCommand({ EndpointName: name }));

  beforeAll(async () => {
    t = await startTestSandbox({
      endpointDelayMs: ENDPOINT_DELAY_MS,
      endpointUpdateDelayMs: UPDATE_DELAY_MS,
    });
    sm = new SageMakerClient(t.client(REGION));
  });
  afterAll(async () => {
    sm.destroy();
    await t.stop();
  });

  it('deploys a new config with UpdateEndpoint: the old variants serve and the new config shows as PendingDeploymentSummary until the update delay has passed', async () => {
    const name = await endpointInService();
    const v2 = await canaryConfig(name);
    const started = t.clock.now();
    await sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: v2 }));

    await t.clock.advance(UPDATE_DELAY_MS - 1);
    const updating = await describeEndpoint(name);
    expect(updating).toMatchObject({ EndpointStatus: 'Updating', EndpointConfigName: `${name}-v1` });
    expect(updating.ProductionVariants).toEqual([
      expect.objectContaining({
        VariantName: 'primary',
        CurrentWeight: 1,
        DesiredWeight: 1,
        CurrentInstanceCount: 1,
      }),
    ]);
    expect(updating.PendingDeploymentSummary).toEqual({
      EndpointConfigName: v2,
      StartTime: new Date(started),
      ProductionVariants: [
        expect.objectContaining({
          VariantName: 'primary',
          DesiredWeight: 1,
          DesiredInstanceCount: 1,
          InstanceType: 'ml.m5.large',
          VariantStatus: [{ Status: 'Creating', StartTime: new Date(started) }],
        }),
        expect.objectContaining({
          VariantName: 'canary',
          DesiredWeight: 0,
          DesiredInstanceCount: 1,
          InstanceType: 'ml.m5.large',
          VariantStatus: [{ Status: 'Creating', StartTime: new Date(started) }],
        }),
      ],
    });
    expect(t.sandbox.sagemaker.getEndpointWeights(REGION, name)).toEqual({ primary: 100 });

    await t.clock.advance(1);
    const done = await describeEndpoint(name);
    expect(done).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: v2 });
    expect(done.PendingDeploymentSummary).toBeUndefined();
    expect(done.FailureReason).toBeUndefined();
    expect(
      done.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight, v.CurrentInstanceCount]),
    ).toEqual([
      ['primary', 1, 1],
      ['canary', 0, 1],
    ]);
  });

  it('keeps weights-only updates on the endpoint delay, with no PendingDeploymentSummary', async () => {
    const name = await endpointInService();
    const v2 = await canaryConfig(name);
    await sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: v2 }));
    await t.clock.advance(UPDATE_DELAY_MS);

    await sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: name,
        DesiredWeightsAndCapacities: [
          { VariantName: 'primary', DesiredWeight: 95 },
          { VariantName: 'canary', DesiredWeight: 5 },
        ],
      }),
    );
    const updating = await describeEndpoint(name);
    expect(updating.EndpointStatus).toBe('Updating');
    expect(updating.PendingDeploymentSummary).toBeUndefined();
    expect(updating.ProductionVariants?.find((v) => v.VariantName === 'canary')).toMatchObject({
      CurrentWeight: 0,
      DesiredWeight: 5,
    });

    await t.clock.advance(ENDPOINT_DELAY_MS);
    const done = await describeEndpoint(name);
    expect(done).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: v2 });
    expect(t.sandbox.sagemaker.getEndpointWeights(REGION, name)).toEqual({ primary: 95, canary: 5 });
  });

  it('refuses a weights change while an UpdateEndpoint is in flight, as SageMaker refuses any update to an in-progress endpoint', async () => {
    const name = await endpointInService();
    const v2 = await canaryConfig(name);
    await sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: v2 }));
    const refusal = `Cannot update in-progress endpoint "${ARN_PREFIX}:endpoint/${name}".`;
    await expect(
      sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: name,
          DesiredWeightsAndCapacities: [{ VariantName: 'primary', DesiredWeight: 2 }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException', message: refusal });
    await expect(
      sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-v1` })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: refusal });
  });

  it('carries the serving weights over to the new config with RetainAllVariantProperties, except a property ExcludeRetainedVariantProperties names', async () => {
    const name = await endpointInService();
    const v2 = await canaryConfig(name);
    await sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: v2 }));
    await t.clock.advance(UPDATE_DELAY_MS);
    await sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: name,
        DesiredWeightsAndCapacities: [
          { VariantName: 'primary', DesiredWeight: 80, DesiredInstanceCount: 2 },
          { VariantName: 'canary', DesiredWeight: 20 },
        ],
      }),
    );
    await t.clock.advance(ENDPOINT_DELAY_MS);

    // v3: the same two variants at the config's initial 1 and 0, one instance each.
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-v3`,
        ProductionVariants: [variant('primary', `${name}-m1`, 1), variant('canary', `${name}-m2`, 0)],
      }),
    );
    await sm.send(
      new UpdateEndpointCommand({
        EndpointName: name,
        EndpointConfigName: `${name}-v3`,
        RetainAllVariantProperties: true,
        ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DesiredInstanceCount' }],
      }),
    );
    const pending = (await describeEndpoint(name)).PendingDeploymentSummary?.ProductionVariants;
    expect(pending?.map((v) => [v.VariantName, v.DesiredWeight, v.DesiredInstanceCount])).toEqual([
      ['primary', 80, 1],
      ['canary', 20, 1],
    ]);
    await t.clock.advance(UPDATE_DELAY_MS);
    expect(t.sandbox.sagemaker.getEndpointWeights(REGION, name)).toEqual({ primary: 80, canary: 20 });

    await sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: v2 }));
    await t.clock.advance(UPDATE_DELAY_MS);
    expect(t.sandbox.sagemaker.getEndpointWeights(REGION, name)).toEqual({ primary: 100, canary: 0 });
  });

  it('shows the config being created as PendingDeploymentSummary while the endpoint is Creating', async () => {
    counter += 1;
    const name = `sm-life-ep-${counter}`;
    await model(`${name}-m1`);
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-v1`,
        ProductionVariants: [variant('primary', `${name}-m1`, 1, 'ml.c5.xlarge')],
      }),
    );
    await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-v1` }));

    const creating = await describeEndpoint(name);
    expect(creating.EndpointStatus).toBe('Creating');
    expect(creating.PendingDeploymentSummary).toMatchObject({
      EndpointConfigName: `${name}-v1`,
      ProductionVariants: [{ VariantName: 'primary', DesiredWeight: 1, InstanceType: 'ml.c5.xlarge' }],
    });
    await t.clock.advance(ENDPOINT_DELAY_MS);
    expect((await describeEndpoint(name)).PendingDeploymentSummary).toBeUndefined();
  });

  it('refuses to delete the config an endpoint runs, and the one an update in flight deploys, then deletes the old one once the update is done', async () => {
    const name = await endpointInService();
    const v2 = await canaryConfig(name);
    const inUse = (config: string) =>
      `Cannot delete endpoint configuration "${ARN_PREFIX}:endpoint-config/${config}" while it is in use by endpoint "${ARN_PREFIX}:endpoint/${name}".`;

    await expect(
      sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: `${name}-v1` })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: inUse(`${name}-v1`),
    });
    await sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: v2 }));
    await expect(sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: v2 }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: inUse(v2),
    });
    await expect(
      sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: `${name}-v1` })),
    ).rejects.toMatchObject({
      message: inUse(`${name}-v1`),
    });

    await t.clock.advance(UPDATE_DELAY_MS);
    await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: `${name}-v1` }));
    await expect(
      sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: `${name}-v1` })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: v2 }))).rejects.toMatchObject({
      message: inUse(v2),
    });
  });

  it('refuses an endpoint config naming a model that does not exist, and creates nothing', async () => {
    const name = await endpointInService();
    await expect(
      sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: `${name}-v2`,
          ProductionVariants: [variant('primary', `${name}-m1`, 1), variant('canary', `${name}-missing`, 0)],
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      $fault: 'client',
      message: `Could not find model "${ARN_PREFIX}:model/${name}-missing".`,
    });
    await expect(
      sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: `${name}-v2` })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('ends an UpdateEndpoint to an instance type without capacity back InService on the old config with FailureReason, and succeeds once capacity returns', async () => {
    const name = await endpointInService();
    const v2 = await canaryConfig(name, 'ml.g5.xlarge');
    t.sandbox.faults.exhaustCapacity(REGION, 'ml.g5.xlarge');
    try {
      await sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: v2 }));
      const updating = await describeEndpoint(name);
      expect(updating).toMatchObject({
        EndpointStatus: 'Updating',
        PendingDeploymentSummary: { EndpointConfigName: v2 },
      });

      await t.clock.advance(UPDATE_DELAY_MS);
      const failed = await describeEndpoint(name);
      expect(failed).toMatchObject({
        EndpointStatus: 'InService',
        EndpointConfigName: `${name}-v1`,
        FailureReason: INSUFFICIENT_CAPACITY_REASON,
      });
      expect(failed.PendingDeploymentSummary).toBeUndefined();
      expect(failed.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight])).toEqual([
        ['primary', 1],
      ]);
      expect(t.sandbox.sagemaker.getEndpointWeights(REGION, name)).toEqual({ primary: 100 });
    } finally {
      t.sandbox.faults.restoreCapacity(REGION, 'ml.g5.xlarge');
    }

    await sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: v2 }));
    expect((await describeEndpoint(name)).FailureReason).toBeUndefined();
    await t.clock.advance(UPDATE_DELAY_MS);
    expect(await describeEndpoint(name)).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: v2,
    });
  });

  it('lets the config of a failed update be deleted once the update has ended', async () => {
    const name = await endpointInService();
    const v2 = await canaryConfig(name, 'ml.p4d.24xlarge');
    t.sandbox.faults.exhaustCapacity(REGION, 'ml.p4d.24xlarge');
    try {
      await sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: v2 }));
      await t.clock.advance(UPDATE_DELAY_MS);
    } finally {
      t.sandbox.faults.restoreCapacity(REGION, 'ml.p4d.24xlarge');
    }
    await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: v2 }));
    await expect(
      sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: v2 })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});

describe('SageMaker with an instance type unavailable in a region (sandbox option)', () => {
  let t: TestSandbox;
  let sm: SageMakerClient;

  const createEndpoint = async (client: SageMakerClient, name: string) => {
    await client.send(
      new CreateModelCommand({
        ModelName: `${name}-m1`,
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sandbox',
        PrimaryContainer: { Image: 'img:1' },
      }),
    );
    await client.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-v1`,
        ProductionVariants: [variant('primary', `${name}-m1`, 1, 'ml.g5.xlarge')],
      }),
    );
    await client.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-v1` }));
    await t.clock.advance(ENDPOINT_DELAY_MS);
  };

  beforeAll(async () => {
    t = await startTestSandbox({
      endpointDelayMs: ENDPOINT_DELAY_MS,
      unavailableInstanceTypes: { [REGION]: ['ml.g5.xlarge'] },
    });
    sm = new SageMakerClient(t.client(REGION));
  });
  afterAll(async () => {
    sm.destroy();
    await t.stop();
  });

  it('ends a CreateEndpoint on that type Failed with FailureReason; only DeleteEndpoint is then accepted, and its config can go', async () => {
    const name = 'sm-life-nocap';
    await createEndpoint(sm, name);
    expect(await describeOf(sm, name)).toMatchObject({
      EndpointStatus: 'Failed',
      FailureReason: INSUFFICIENT_CAPACITY_REASON,
    });
    await expect(
      sm.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-v1` })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Cannot update endpoint "${ARN_PREFIX}:endpoint/${name}" in status Failed: only DeleteEndpoint can be performed on a failed endpoint.`,
    });
    await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: `${name}-v1` }));
    await sm.send(new DeleteEndpointCommand({ EndpointName: name }));
    await expect(describeOf(sm, name)).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('leaves the same type available in other regions, and survives faults.clear()', async () => {
    t.sandbox.faults.clear();
    const other = new SageMakerClient(t.client('us-west-2'));
    try {
      await createEndpoint(other, 'sm-life-othercap');
      expect(await describeOf(other, 'sm-life-othercap')).toMatchObject({ EndpointStatus: 'InService' });
      await createEndpoint(sm, 'sm-life-stillnocap');
      expect(await describeOf(sm, 'sm-life-stillnocap')).toMatchObject({ EndpointStatus: 'Failed' });
    } finally {
      other.destroy();
    }
  });
});

function describeOf(client: SageMakerClient, name: string) {
  return client.send(new DescribeEndpointCommand({ EndpointName: name }));
}
