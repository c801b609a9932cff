import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../../../sandbox/event-bus';
import { SAGEMAKER_NAMESPACE, startTraffic } from '../../../../sandbox/traffic';
import { catalogueScenarioFile } from '../../../../shared/simulation/scenario-catalogue';
import {
  loadScenarioFile,
  parseScenario,
  type Scenario,
} from '../../../../shared/simulation/scenario-schema';
import { SUITE_START, startTestSandbox, type TestSandbox } from '../sandbox-fixture';

const MINUTE = 60_000;
const at = (minute: number) => new Date(SUITE_START + minute * MINUTE);

const variantQuery = (
  id: string,
  endpoint: string,
  variant: string,
  metric: string,
  stat: string,
): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: SAGEMAKER_NAMESPACE,
      MetricName: metric,
      Dimensions: [
        { Name: 'EndpointName', Value: endpoint },
        { Name: 'VariantName', Value: variant },
      ],
    },
    Period: 60,
    Stat: stat,
  },
});

describe('traffic from a scenario against a sandbox endpoint', () => {
  let t: TestSandbox;
  let cw: CloudWatchClient;

  beforeEach(async () => {
    t = await startTestSandbox({ endpointDelayMs: 30_000 });
    cw = new CloudWatchClient(t.client());
  });

  afterEach(async () => {
    cw.destroy();
    await t.stop();
  });

  const values = async (queries: MetricDataQuery[], from: number, to: number) => {
    const out = await cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: at(from),
        EndTime: at(to),
        ScanBy: 'TimestampAscending',
      }),
    );
    return Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r.Timestamps ?? []]));
  };

  it('follows the endpoint weights, and fires the canary alarm with an event and an email', async () => {
    const sm = new SageMakerClient(t.client());
    const sns = new SNSClient(t.client());
    const endpoint = 'traffic-suite-endpoint';
    await sm.send(
      new CreateModelCommand({
        ModelName: 'traffic-suite-model',
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sandbox',
        PrimaryContainer: { Image: 'img:1' },
      }),
    );
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'traffic-suite-config',
        ProductionVariants: ['primary', 'canary'].map((VariantName) => ({
          VariantName,
          ModelName: 'traffic-suite-model',
          InitialVariantWeight: VariantName === 'primary' ? 1 : 0,
          InitialInstanceCount: 1,
          InstanceType: 'ml.m5.large',
        })),
      }),
    );
    await sm.send(
      new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: 'traffic-suite-config' }),
    );
    await t.clock.advance(30_000);

    const traffic = startTraffic({
      scenario: loadScenarioFile(catalogueScenarioFile('canary-5xx-spike')),
      region: 'us-east-1',
      endpointName: endpoint,
      clock: t.clock,
      store: t.sandbox.cloudwatch.store,
      getEndpointWeights: t.sandbox.sagemaker.getEndpointWeights,
    });
    const events: BusEvent[] = [];
    t.sandbox.bus.subscribe((e) => {
      events.push(e);
    });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'traffic-suite-alarms' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }));
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'traffic-suite-canary-5xx',
        Namespace: SAGEMAKER_NAMESPACE,
        MetricName: 'Invocation5XXErrors',
        Dimensions: [
          { Name: 'EndpointName', Value: endpoint },
          { Name: 'VariantName', Value: 'canary' },
        ],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 2,
        Threshold: 30,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [TopicArn!],
      }),
    );

    // Minutes 0 and 1 at 0 % canary: only the baseline has datapoints.
    await t.clock.advance(MINUTE + 30_000);
    const before = await values(
      [
        variantQuery('base', endpoint, 'primary', 'Invocations', 'Sum'),
        variantQuery('canary', endpoint, 'canary', 'Invocations', 'Sum'),
      ],
      0,
      2,
    );
    expect(before).toEqual({ base: [at(0), at(1)], canary: [] });

    // The watchdog's first step: canary to 25 %. SageMaker applies it after its update delay.
    await sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpoint,
        DesiredWeightsAndCapacities: [
          { VariantName: 'primary', DesiredWeight: 0.75 },
          { VariantName: 'canary', DesiredWeight: 0.25 },
        ],
      }),
    );
    expect((await sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }))).EndpointStatus).toBe(
      'Updating',
    );
    await t.clock.advance(30_000);
    expect((await sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }))).EndpointStatus).toBe(
      'InService',
    );

    await t.clock.advance(25 * MINUTE);
    expect(traffic.records().map((r) => r.canaryWeightPercent)).toEqual([0, 0, ...Array(25).fill(25)]);
    const after = await values([variantQuery('canary', endpoint, 'canary', 'Invocations', 'Sum')], 0, 27);
    expect(after.canary).toHaveLength(25);

    const alarm = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['traffic-suite-canary-5xx'] })))
      .MetricAlarms?.[0];
    expect(alarm?.StateValue).toBe('ALARM');
    expect(events.filter((e) => e['detail-type'] === 'CloudWatch Alarm State Change').at(-1)).toMatchObject({
      time: '2026-01-01T00:27:00Z',
      detail: {
        alarmName: 'traffic-suite-canary-5xx',
        state: { value: 'ALARM' },
        previousState: { value: 'OK' },
      },
    });
    await t.sandbox.sns.idle();
    expect((await t.sandbox.outbox.list()).map((m) => m.subject)).toContain(
      'ALARM: "traffic-suite-canary-5xx" in US East (N. Virginia)',
    );
    traffic.stop();
    sm.destroy();
    sns.destroy();
  });

  it('publishes nothing for either variant during a data gap (metrics-gap)', async () => {
    const traffic = startTraffic({
      scenario: loadScenarioFile(catalogueScenarioFile('metrics-gap')),
      region: 'us-east-1',
      endpointName: 'gap-suite-endpoint',
      clock: t.clock,
      store: t.sandbox.cloudwatch.store,
      getEndpointWeights: () => ({ primary: 90, canary: 10 }),
    });
    await t.clock.advance(30 * MINUTE);
    const seen = await values(
      [
        variantQuery('base', 'gap-suite-endpoint', 'primary', 'Invocations', 'Sum'),
        variantQuery('canary', 'gap-suite-endpoint', 'canary', 'ModelLatency', 'p99'),
      ],
      0,
      30,
    );
    const minutes = (stamps: Date[]) => stamps.map((d) => (d.getTime() - SUITE_START) / MINUTE);
    const expected = [...Array(15).keys(), ...Array.from({ length: 5 }, (_, i) => 25 + i)];
    expect(minutes(seen.base as Date[])).toEqual(expected);
    expect(minutes(seen.canary as Date[])).toEqual(expected);
    expect(
      traffic
        .records()
        .filter((r) => !r.published)
        .map((r) => r.minute),
    ).toEqual(Array.from({ length: 10 }, (_, i) => 15 + i));
    traffic.stop();
  });

  it("maps the scenario's variants onto the endpoint's own variant names", async () => {
    startTraffic({
      scenario: loadScenarioFile(catalogueScenarioFile('healthy-steady')),
      region: 'us-east-1',
      endpointName: 'mapped-suite-endpoint',
      baselineVariant: 'blue',
      canaryVariant: 'green',
      clock: t.clock,
      store: t.sandbox.cloudwatch.store,
      getEndpointWeights: () => ({ blue: 50, green: 50 }),
    });
    await t.clock.advance(2 * MINUTE);
    const seen = await values(
      [
        variantQuery('blue', 'mapped-suite-endpoint', 'blue', 'Invocations', 'Sum'),
        variantQuery('green', 'mapped-suite-endpoint', 'green', 'Invocations', 'Sum'),
        variantQuery('primary', 'mapped-suite-endpoint', 'primary', 'Invocations', 'Sum'),
      ],
      0,
      2,
    );
    expect(seen).toEqual({ blue: [at(0), at(1)], green: [at(0), at(1)], primary: [] });
  });

  it('stops after the scenario duration, and publishes nothing for an endpoint that does not exist', async () => {
    const parsed = parseScenario({
      name: 'three-minutes',
      durationMinutes: 3,
      endpoint: { name: 'x', baselineVariant: 'primary', canaryVariant: 'canary' },
      traffic: [{ fromMinute: 0, requestsPerMinute: 100 }],
      variants: {
        primary: [{ fromMinute: 0, errorRate5xx: 0, errorRate4xx: 0, latencyMs: { p50: 10, p99: 20 } }],
        canary: [{ fromMinute: 0, errorRate5xx: 0, errorRate4xx: 0, latencyMs: { p50: 10, p99: 20 } }],
      },
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const scenario: Scenario = parsed.scenario;
    const traffic = startTraffic({
      scenario,
      region: 'us-east-1',
      endpointName: 'missing-suite-endpoint',
      clock: t.clock,
      store: t.sandbox.cloudwatch.store,
      getEndpointWeights: t.sandbox.sagemaker.getEndpointWeights,
    });
    await t.clock.advance(5 * MINUTE);
    await traffic.done;
    expect(traffic.minutesPlayed()).toBe(3);
    expect(traffic.records().map((r) => [r.published, r.canaryWeightPercent])).toEqual([
      [false, null],
      [false, null],
      [false, null],
    ]);
    expect(t.sandbox.cloudwatch.store.metrics('us-east-1')).toEqual([]);
  });

  it("publishes the canary's custom metric where the policy's custom metric reads it", async () => {
    const parsed = parseScenario({
      name: 'quality',
      durationMinutes: 10,
      endpoint: { name: 'x', baselineVariant: 'primary', canaryVariant: 'canary' },
      traffic: [{ fromMinute: 0, requestsPerMinute: 1000 }],
      variants: {
        primary: [{ fromMinute: 0, errorRate5xx: 0, errorRate4xx: 0, latencyMs: { p50: 10, p99: 20 } }],
        canary: [
          {
            fromMinute: 0,
            errorRate5xx: 0,
            errorRate4xx: 0,
            latencyMs: { p50: 10, p99: 20 },
            customMetrics: { 'model-quality': { mean: 0.93, stddev: 0 } },
          },
        ],
      },
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    startTraffic({
      scenario: parsed.scenario,
      region: 'us-east-1',
      endpointName: 'custom-suite-endpoint',
      clock: t.clock,
      store: t.sandbox.cloudwatch.store,
      getEndpointWeights: () => ({ primary: 50, canary: 50 }),
      customMetrics: [
        {
          name: 'model-quality',
          namespace: 'CustomSuite/Quality',
          metricName: 'Accuracy',
          // eslint-disable-next-line no-template-curly-in-string -- the policy's placeholders, resolved by the traffic
          dimensions: { EndpointName: '${endpointName}', Variant: '${canaryVariant}' },
        },
      ],
    });
    await t.clock.advance(2 * MINUTE);
    const out = await cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          {
            Id: 'quality',
            MetricStat: {
              Metric: {
                Namespace: 'CustomSuite/Quality',
                MetricName: 'Accuracy',
                Dimensions: [
                  { Name: 'EndpointName', Value: 'custom-suite-endpoint' },
                  { Name: 'Variant', Value: 'canary' },
                ],
              },
              Period: 60,
              Stat: 'Average',
            },
          },
        ],
        StartTime: at(0),
        EndTime: at(2),
      }),
    );
    expect(out.MetricDataResults?.[0]?.Values).toEqual([0.93, 0.93]);
  });
});
