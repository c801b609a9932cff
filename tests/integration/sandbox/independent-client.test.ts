import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario, type Scenario } from '../../../shared/simulation/scenario-schema';
import { SUITE_START, startTestSandbox, type TestSandbox } from './sandbox-fixture';

const MINUTE = 60_000;
const ENDPOINT = 'indep-suite-endpoint';

/** A canary that fails 10% of requests from the start; the baseline is healthy. */
function failingCanary(): Scenario {
  const parsed = parseScenario({
    name: 'indep-suite-failing-canary',
    seed: 3,
    durationMinutes: 60,
    endpoint: { name: 'any', baselineVariant: 'primary', canaryVariant: 'canary' },
    traffic: [{ fromMinute: 0, requestsPerMinute: 2000 }],
    variants: {
      primary: [{ fromMinute: 0, errorRate5xx: 0.001, errorRate4xx: 0.01, latencyMs: { p50: 40, p99: 180 } }],
      canary: [{ fromMinute: 0, errorRate5xx: 0.1, errorRate4xx: 0.01, latencyMs: { p50: 40, p99: 180 } }],
    },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.scenario;
}

describe('an independent AWS client against a sandbox with auto-played traffic', () => {
  let t: TestSandbox;
  let sm: SageMakerClient;
  let cw: CloudWatchClient;
  let sns: SNSClient;

  beforeAll(async () => {
    t = await startTestSandbox({ endpointDelayMs: 30_000, autoTraffic: { scenario: failingCanary() } });
    sm = new SageMakerClient(t.client());
    cw = new CloudWatchClient(t.client());
    sns = new SNSClient(t.client());
  });
  afterAll(async () => {
    for (const client of [sm, cw, sns]) client.destroy();
    await t.stop();
  });

  it('creates an endpoint, shifts weights, reads metrics, and sees its alarm fire with an event and an email', async () => {
    await sm.send(
      new CreateModelCommand({
        ModelName: `${ENDPOINT}-model`,
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/x',
      }),
    );
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${ENDPOINT}-config`,
        ProductionVariants: [
          { VariantName: 'blue', ModelName: `${ENDPOINT}-model`, InitialVariantWeight: 1 },
          { VariantName: 'green', ModelName: `${ENDPOINT}-model`, InitialVariantWeight: 0 },
        ],
      }),
    );
    await sm.send(
      new CreateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: `${ENDPOINT}-config` }),
    );
    await t.clock.advance(MINUTE);
    expect((await sm.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }))).EndpointStatus).toBe(
      'InService',
    );

    await sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: ENDPOINT,
        DesiredWeightsAndCapacities: [
          { VariantName: 'blue', DesiredWeight: 1 },
          { VariantName: 'green', DesiredWeight: 1 },
        ],
      }),
    );
    expect((await sm.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }))).EndpointStatus).toBe(
      'Updating',
    );
    await t.clock.advance(MINUTE);
    expect((await sm.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }))).EndpointStatus).toBe(
      'InService',
    );

    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'indep-suite-alerts' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }));
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'indep-suite-green-5xx',
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocation5XXErrors',
        Dimensions: [
          { Name: 'EndpointName', Value: ENDPOINT },
          { Name: 'VariantName', Value: 'green' },
        ],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 2,
        Threshold: 20,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [TopicArn!],
      }),
    );
    await t.clock.advance(4 * MINUTE);

    const metrics = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(SUITE_START),
        EndTime: new Date(t.clock.now()),
        MetricDataQueries: [
          {
            Id: 'green',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SageMaker',
                MetricName: 'Invocations',
                Dimensions: [
                  { Name: 'EndpointName', Value: ENDPOINT },
                  { Name: 'VariantName', Value: 'green' },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    const greenInvocations = metrics.MetricDataResults?.[0]?.Values ?? [];
    expect(greenInvocations.length).toBeGreaterThanOrEqual(3);
    expect(greenInvocations.every((v) => v > 0)).toBe(true);

    const alarms = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['indep-suite-green-5xx'] }));
    expect(alarms.MetricAlarms?.[0]?.StateValue).toBe('ALARM');
    const event = t.sandbox.bus.recent().find((e) => e['detail-type'] === 'CloudWatch Alarm State Change');
    expect(event?.detail).toMatchObject({ alarmName: 'indep-suite-green-5xx', state: { value: 'ALARM' } });

    await t.sandbox.sns.idle();
    const mail = (await t.sandbox.outbox.list()).find((m) =>
      m.subject.startsWith('ALARM: "indep-suite-green-5xx"'),
    );
    expect(mail?.to).toBe('oncall@example.com');
  });
});
