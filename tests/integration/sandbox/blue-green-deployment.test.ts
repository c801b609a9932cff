import { CloudWatchClient, GetMetricDataCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  type DeploymentConfig,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAGEMAKER_NAMESPACE, type TrafficHandle } from '../../../sandbox/traffic';
import { parseScenario, type Scenario } from '../../../shared/simulation/scenario-schema';
import { startTestSandbox, type TestSandbox } from './sandbox-fixture';

const REGION = 'ca-central-1';
const MINUTE = 60_000;
/** Simulated ms a create, a weights change and a rollback take in this suite. */
const DELAY_MS = 1_000;
/** Simulated ms the green fleet takes to be provisioned in this suite. */
const PROVISION_MS = MINUTE;

/** The old model is healthy; the new one (the scenario's canary) fails `newModel5xx` of its requests. */
function scenario(newModel5xx: number): Scenario {
  const parsed = parseScenario({
    name: 'blue-green-suite',
    seed: 5,
    durationMinutes: 600,
    endpoint: { name: 'any', baselineVariant: 'primary', canaryVariant: 'new-model' },
    traffic: [{ fromMinute: 0, requestsPerMinute: 2000 }],
    variants: {
      primary: [{ fromMinute: 0, errorRate5xx: 0, errorRate4xx: 0, latencyMs: { p50: 40, p99: 120 } }],
      'new-model': [
        { fromMinute: 0, errorRate5xx: newModel5xx, errorRate4xx: 0, latencyMs: { p50: 40, p99: 120 } },
      ],
    },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.scenario;
}

const routing = (
  Type: 'ALL_AT_ONCE' | 'CANARY' | 'LINEAR',
  WaitIntervalInSeconds: number,
  size?: { Type: 'INSTANCE_COUNT' | 'CAPACITY_PERCENT'; Value: number },
) => ({
  Type,
  WaitIntervalInSeconds,
  ...(size && Type === 'CANARY' ? { CanarySize: size } : {}),
  ...(size && Type === 'LINEAR' ? { LinearStepSize: size } : {}),
});

const deploymentConfig = (
  trafficRouting: ReturnType<typeof routing>,
  terminationWaitSeconds: number,
  options: { alarms?: string[]; maximumExecutionTimeoutSeconds?: number } = {},
): DeploymentConfig => ({
  BlueGreenUpdatePolicy: {
    TrafficRoutingConfiguration: trafficRouting,
    TerminationWaitInSeconds: terminationWaitSeconds,
    ...(options.maximumExecutionTimeoutSeconds !== undefined
      ? { MaximumExecutionTimeoutInSeconds: options.maximumExecutionTimeoutSeconds }
      : {}),
  },
  AutoRollbackConfiguration: { Alarms: (options.alarms ?? []).map((AlarmName) => ({ AlarmName })) },
});

describe('SageMaker blue/green deployments in the sandbox, through the real SDK clients', () => {
  let t: TestSandbox;
  let sm: SageMakerClient;
  let cw: CloudWatchClient;
  let counter = 0;
  const playing: TrafficHandle[] = [];

  beforeAll(async () => {
    t = await startTestSandbox({ endpointDelayMs: DELAY_MS, endpointUpdateDelayMs: PROVISION_MS });
    sm = new SageMakerClient(t.client(REGION));
    cw = new CloudWatchClient(t.client(REGION));
  });

  afterAll(async () => {
    for (const handle of playing) handle.stop();
    sm.destroy();
    cw.destroy();
    await t.stop();
  });

  const describeEndpoint = (name: string) => sm.send(new DescribeEndpointCommand({ EndpointName: name }));
  const pendingStatus = (endpoint: DescribeEndpointCommandOutput) =>
    endpoint.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0];

  /**
   * An endpoint `bg-suite-N` InService on `<name>-blue` (variant `primary`, 4 instances, the old
   * model) with `<name>-green` ready (the same variant on the new model), its traffic playing
   * `newModel5xx`, and the clock on a minute boundary.
   */
  const endpointWithGreenConfig = async (newModel5xx = 0): Promise<string> => {
    counter += 1;
    const name = `bg-suite-${counter}`;
    for (const model of [`${name}-old`, `${name}-new`]) {
      await sm.send(
        new CreateModelCommand({
          ModelName: model,
          ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sandbox',
          PrimaryContainer: { Image: `123.dkr.ecr.${REGION}.amazonaws.com/${model}:1` },
        }),
      );
    }
    for (const [config, model] of [
      [`${name}-blue`, `${name}-old`],
      [`${name}-green`, `${name}-new`],
    ] as const) {
      await sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: config,
          ProductionVariants: [
            {
              VariantName: 'primary',
              ModelName: model,
              InitialVariantWeight: 1,
              InitialInstanceCount: 4,
              InstanceType: 'ml.m5.large',
            },
          ],
        }),
      );
    }
    await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-blue` }));
    await t.clock.advance(DELAY_MS);
    await t.clock.set(Math.ceil(t.clock.now() / MINUTE) * MINUTE);
    playing.push(
      t.sandbox.playScenario({ scenario: scenario(newModel5xx), region: REGION, endpointName: name }),
    );
    return name;
  };

  const deploy = (name: string, config: DeploymentConfig) =>
    sm.send(
      new UpdateEndpointCommand({
        EndpointName: name,
        EndpointConfigName: `${name}-green`,
        DeploymentConfig: config,
      }),
    );

  /** Invocations per minute start (epoch ms) of one fleet (`config`) or of the whole variant. */
  const invocationsByMinute = async (name: string, from: number, to: number, config?: string) => {
    const result = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(from),
        EndTime: new Date(to),
        MetricDataQueries: [
          {
            Id: 'm',
            MetricStat: {
              Metric: {
                Namespace: SAGEMAKER_NAMESPACE,
                MetricName: 'Invocations',
                Dimensions: [
                  ...(config ? [{ Name: 'EndpointConfigName', Value: config }] : []),
                  { Name: 'EndpointName', Value: name },
                  { Name: 'VariantName', Value: 'primary' },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    const series = result.MetricDataResults?.[0];
    const byMinute = new Map<number, number>();
    (series?.Timestamps ?? []).forEach((ts, i) => byMinute.set(ts.getTime(), series?.Values?.[i] ?? 0));
    return byMinute;
  };

  /** The green fleet's share of each minute in [from, to), from the per-fleet metrics. */
  const greenShares = async (name: string, from: number, to: number) => {
    const blue = await invocationsByMinute(name, from, to, `${name}-blue`);
    const green = await invocationsByMinute(name, from, to, `${name}-green`);
    const shares: number[] = [];
    for (let minute = from; minute < to; minute += MINUTE) {
      const b = blue.get(minute) ?? 0;
      const g = green.get(minute) ?? 0;
      shares.push(b + g === 0 ? Number.NaN : g / (b + g));
    }
    return shares;
  };

  const rate5xx = async (name: string, from: number, to: number) => {
    const result = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(from),
        EndTime: new Date(to),
        MetricDataQueries: [
          {
            Id: 'm',
            MetricStat: {
              Metric: {
                Namespace: SAGEMAKER_NAMESPACE,
                MetricName: 'Invocation5XXErrors',
                Dimensions: [
                  { Name: 'EndpointName', Value: name },
                  { Name: 'VariantName', Value: 'primary' },
                ],
              },
              Period: Math.round((to - from) / 1000),
              Stat: 'Average',
            },
          },
        ],
      }),
    );
    return result.MetricDataResults?.[0]?.Values?.[0];
  };

  /** An alarm on the green fleet's 5XX rate: above 10% in one minute. */
  const greenFleetAlarm = async (name: string) => {
    const alarmName = `${name}-green-5xx`;
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: alarmName,
        Namespace: SAGEMAKER_NAMESPACE,
        MetricName: 'Invocation5XXErrors',
        Dimensions: [
          { Name: 'EndpointConfigName', Value: `${name}-green` },
          { Name: 'EndpointName', Value: name },
          { Name: 'VariantName', Value: 'primary' },
        ],
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0.1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    return alarmName;
  };

  it('provisions the green fleet, shifts all traffic at once, bakes, and ends InService on the new config', async () => {
    const name = await endpointWithGreenConfig(0.05);
    const t0 = t.clock.now();
    const sent = deploymentConfig(routing('ALL_AT_ONCE', 120), 300);
    await deploy(name, sent);

    const creating = await describeEndpoint(name);
    expect(creating).toMatchObject({ EndpointStatus: 'Updating', EndpointConfigName: `${name}-blue` });
    expect(creating.PendingDeploymentSummary).toMatchObject({
      EndpointConfigName: `${name}-green`,
      StartTime: new Date(t0),
    });
    expect(pendingStatus(creating)).toMatchObject({ Status: 'Creating', StartTime: new Date(t0) });
    expect(creating.LastDeploymentConfig).toEqual(sent);

    await t.clock.advance(PROVISION_MS);
    expect(pendingStatus(await describeEndpoint(name))).toMatchObject({
      Status: 'ActivatingTraffic',
      StartTime: new Date(t0 + PROVISION_MS),
    });
    await t.clock.advance(MINUTE);
    const stepBake = await describeEndpoint(name);
    expect(stepBake.EndpointStatus).toBe('Updating');
    expect(pendingStatus(stepBake)).toMatchObject({ Status: 'Baking' });
    expect(pendingStatus(stepBake)?.StatusMessage).toMatch(/WaitIntervalInSeconds/);

    await t.clock.advance(2 * MINUTE);
    const finalBake = await describeEndpoint(name);
    expect(pendingStatus(finalBake)?.StatusMessage).toMatch(/TerminationWaitInSeconds/);
    expect(finalBake.EndpointConfigName).toBe(`${name}-blue`);

    // 60 s provisioning + 120 s wait + 300 s final bake.
    await t.clock.set(t0 + 480_000 - 1);
    expect((await describeEndpoint(name)).EndpointStatus).toBe('Updating');
    await t.clock.advance(1);
    const done = await describeEndpoint(name);
    expect(done).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: `${name}-green` });
    expect(done.PendingDeploymentSummary).toBeUndefined();
    expect(done.FailureReason).toBeUndefined();
    expect(done.LastDeploymentConfig).toEqual(sent);

    const shares = await greenShares(name, t0 + 2 * MINUTE, t0 + 8 * MINUTE);
    expect(shares).toEqual([1, 1, 1, 1, 1, 1]);

    // Afterwards the variant runs the new model: its behaviour, and no fleet of its own any more.
    const after = t.clock.now();
    await t.clock.advance(20 * MINUTE);
    expect(await rate5xx(name, after, after + 20 * MINUTE)).toBeCloseTo(0.05, 1);
    expect((await invocationsByMinute(name, after, after + 20 * MINUTE, `${name}-green`)).size).toBe(0);
    expect((await invocationsByMinute(name, after, after + 20 * MINUTE)).size).toBe(20);
  });

  it('routes the canary size to the green fleet for one wait interval, then all of it', async () => {
    const name = await endpointWithGreenConfig();
    const t0 = t.clock.now();
    await deploy(
      name,
      deploymentConfig(routing('CANARY', 600, { Type: 'CAPACITY_PERCENT', Value: 25 }), 300),
    );
    await t.clock.advance(17 * MINUTE);

    const shares = await greenShares(name, t0, t0 + 17 * MINUTE);
    // Provisioning: the old fleet alone.
    expect(shares[0]).toBe(0);
    // The canary's ten minutes.
    for (const share of shares.slice(1, 11)) {
      expect(share).toBeGreaterThan(0.2);
      expect(share).toBeLessThan(0.3);
    }
    // All traffic on green for the final bake.
    expect(shares.slice(11, 16)).toEqual([1, 1, 1, 1, 1]);
    expect(await describeEndpoint(name)).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: `${name}-green`,
    });
  });

  it('sizes a canary given in instances against the green fleet (1 of 4 instances is a quarter)', async () => {
    const name = await endpointWithGreenConfig();
    const t0 = t.clock.now();
    await deploy(name, deploymentConfig(routing('CANARY', 300, { Type: 'INSTANCE_COUNT', Value: 1 }), 60));
    await t.clock.advance(5 * MINUTE);
    for (const share of (await greenShares(name, t0 + MINUTE, t0 + 5 * MINUTE)).slice(0, 4)) {
      expect(share).toBeGreaterThan(0.2);
      expect(share).toBeLessThan(0.3);
    }
  });

  it('steps linear traffic by the step size each wait interval, then bakes on all of it', async () => {
    const name = await endpointWithGreenConfig();
    const t0 = t.clock.now();
    await deploy(
      name,
      deploymentConfig(routing('LINEAR', 180, { Type: 'CAPACITY_PERCENT', Value: 40 }), 180),
    );
    await t.clock.advance(11 * MINUTE);

    const shares = await greenShares(name, t0, t0 + 11 * MINUTE);
    const near = (expected: number) => (share: number | undefined) =>
      expect(Math.abs((share ?? Number.NaN) - expected)).toBeLessThan(0.05);
    shares.slice(1, 3).forEach(near(0.4));
    shares.slice(4, 6).forEach(near(0.8));
    expect(shares.slice(7, 9)).toEqual([1, 1]);
    expect((await describeEndpoint(name)).EndpointConfigName).toBe(`${name}-green`);
  });

  it('rolls back to the old config when a rollback alarm goes into ALARM, naming the alarm', async () => {
    const name = await endpointWithGreenConfig(0.3);
    const alarmName = await greenFleetAlarm(name);
    const t0 = t.clock.now();
    await deploy(
      name,
      deploymentConfig(routing('CANARY', 1800, { Type: 'CAPACITY_PERCENT', Value: 10 }), 600, {
        alarms: [alarmName],
      }),
    );
    // Provisioning (1 min), then the first minute with green traffic closes and its alarm fires.
    await t.clock.advance(2 * MINUTE);
    const rollingBack = await describeEndpoint(name);
    expect(rollingBack.EndpointStatus).toBe('RollingBack');
    expect(rollingBack.FailureReason).toContain(alarmName);

    await t.clock.advance(DELAY_MS);
    const rolledBack = await describeEndpoint(name);
    expect(rolledBack).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: `${name}-blue` });
    expect(rolledBack.FailureReason).toContain(alarmName);
    expect(rolledBack.PendingDeploymentSummary).toBeUndefined();

    // The green fleet served one minute, its tenth of the requests.
    const green = await invocationsByMinute(name, t0, t0 + 3 * MINUTE, `${name}-green`);
    expect([...green.keys()]).toEqual([t0 + MINUTE]);
    expect(green.get(t0 + MINUTE)).toBeGreaterThan(100);
    expect(green.get(t0 + MINUTE)).toBeLessThan(300);

    // All traffic is back on the old fleet, which keeps its behaviour.
    const back = Math.ceil(t.clock.now() / MINUTE) * MINUTE;
    await t.clock.advance(10 * MINUTE);
    expect((await invocationsByMinute(name, back, back + 9 * MINUTE, `${name}-green`)).size).toBe(0);
    expect(await rate5xx(name, back, back + 9 * MINUTE)).toBe(0);
  });

  it('rolls back when the deployment outlasts MaximumExecutionTimeoutInSeconds', async () => {
    const name = await endpointWithGreenConfig();
    const t0 = t.clock.now();
    await deploy(
      name,
      deploymentConfig(routing('CANARY', 3600, { Type: 'CAPACITY_PERCENT', Value: 10 }), 600, {
        maximumExecutionTimeoutSeconds: 600,
      }),
    );
    await t.clock.set(t0 + 600_000 - 1);
    expect((await describeEndpoint(name)).EndpointStatus).toBe('Updating');
    await t.clock.advance(1);
    const rollingBack = await describeEndpoint(name);
    expect(rollingBack.EndpointStatus).toBe('RollingBack');
    expect(rollingBack.FailureReason).toMatch(/MaximumExecutionTimeoutInSeconds/);
    await t.clock.advance(DELAY_MS);
    expect(await describeEndpoint(name)).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: `${name}-blue`,
      FailureReason: expect.stringMatching(/MaximumExecutionTimeoutInSeconds/),
    });
  });

  it('ends UpdateRollbackFailed when the sandbox is told the rollback fails, with both fleets still serving', async () => {
    const name = await endpointWithGreenConfig(0.3);
    const alarmName = await greenFleetAlarm(name);
    const fault = await fetch(`${t.sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'fail-rollback', region: REGION, endpointName: name }),
    });
    expect(fault.status).toBe(201);
    await deploy(
      name,
      deploymentConfig(routing('CANARY', 1800, { Type: 'CAPACITY_PERCENT', Value: 20 }), 600, {
        alarms: [alarmName],
      }),
    );
    await t.clock.advance(2 * MINUTE);
    expect((await describeEndpoint(name)).EndpointStatus).toBe('RollingBack');
    await t.clock.advance(DELAY_MS);
    const failed = await describeEndpoint(name);
    expect(failed.EndpointStatus).toBe('UpdateRollbackFailed');
    expect(failed.FailureReason).toContain(alarmName);
    expect(failed.FailureReason).toMatch(/rollback .* failed/i);

    const from = Math.ceil(t.clock.now() / MINUTE) * MINUTE;
    await t.clock.advance(4 * MINUTE);
    for (const share of (await greenShares(name, from, from + 3 * MINUTE)).slice(0, 3)) {
      expect(share).toBeGreaterThan(0.1);
      expect(share).toBeLessThan(0.3);
    }
    t.sandbox.faults.restoreRollback(REGION, name);
  });

  describe('refuses what SageMaker refuses', () => {
    let name: string;
    beforeAll(async () => {
      name = await endpointWithGreenConfig();
    });

    it.each([
      {
        problem: 'a rollback alarm that does not exist',
        config: deploymentConfig(routing('ALL_AT_ONCE', 0), 0, { alarms: ['bg-suite-no-such-alarm'] }),
        message: /bg-suite-no-such-alarm/,
      },
      {
        problem: 'CANARY without a canary size',
        config: deploymentConfig(routing('CANARY', 300), 0),
        message: /CanarySize/,
      },
      {
        problem: 'LINEAR without a step size',
        config: deploymentConfig(routing('LINEAR', 300), 0),
        message: /LinearStepSize/,
      },
      {
        problem: 'a wait interval above an hour',
        config: deploymentConfig(routing('ALL_AT_ONCE', 3601), 0),
        message: /waitIntervalInSeconds/,
      },
      {
        problem: 'a maximum execution timeout below ten minutes',
        config: deploymentConfig(routing('ALL_AT_ONCE', 0), 0, { maximumExecutionTimeoutSeconds: 60 }),
        message: /maximumExecutionTimeoutInSeconds/,
      },
      {
        problem: 'a maximum execution timeout above eight hours',
        config: deploymentConfig(routing('ALL_AT_ONCE', 0), 0, { maximumExecutionTimeoutSeconds: 28_801 }),
        message: /maximumExecutionTimeoutInSeconds/,
      },
    ])('refuses $problem', async ({ config, message }) => {
      await expect(deploy(name, config)).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringMatching(message),
      });
      expect((await describeEndpoint(name)).EndpointStatus).toBe('InService');
    });

    it('refuses a new config whose variants are not the same as the old one', async () => {
      await sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: `${name}-renamed`,
          ProductionVariants: [
            {
              VariantName: 'other',
              ModelName: `${name}-new`,
              InitialInstanceCount: 1,
              InstanceType: 'ml.m5.large',
            },
          ],
        }),
      );
      await expect(
        sm.send(
          new UpdateEndpointCommand({
            EndpointName: name,
            EndpointConfigName: `${name}-renamed`,
            DeploymentConfig: deploymentConfig(routing('ALL_AT_ONCE', 0), 0),
          }),
        ),
      ).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringMatching(/variant names/),
      });
    });

    it('refuses an update while a deployment is in progress or rolling back', async () => {
      const alarmName = await greenFleetAlarm(name);
      await deploy(name, deploymentConfig(routing('ALL_AT_ONCE', 600), 600, { alarms: [alarmName] }));
      await expect(deploy(name, deploymentConfig(routing('ALL_AT_ONCE', 0), 0))).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringMatching(/Cannot update in-progress endpoint/),
      });
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: alarmName,
          Namespace: SAGEMAKER_NAMESPACE,
          MetricName: 'Invocations',
          Dimensions: [
            { Name: 'EndpointConfigName', Value: `${name}-green` },
            { Name: 'EndpointName', Value: name },
            { Name: 'VariantName', Value: 'primary' },
          ],
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
      await t.clock.advance(2 * MINUTE);
      expect((await describeEndpoint(name)).EndpointStatus).toBe('RollingBack');
      await expect(deploy(name, deploymentConfig(routing('ALL_AT_ONCE', 0), 0))).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringMatching(/Cannot update in-progress endpoint/),
      });
    });
  });
});
