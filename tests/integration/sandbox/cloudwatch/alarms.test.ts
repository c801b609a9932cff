import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxClock } from '../../../../sandbox/clock';
import type { BusEvent } from '../../../../sandbox/event-bus';
import { startTraffic, type TrafficHandle } from '../../../../sandbox/traffic';
import { catalogueScenarioFile } from '../../../../shared/simulation/scenario-catalogue';
import { loadScenarioFile } from '../../../../shared/simulation/scenario-schema';
import { SUITE_START, startTestSandbox, type TestSandbox } from '../sandbox-fixture';

const T0 = SUITE_START;
const MINUTE = 60_000;
const ENDPOINT = 'alarm-suite-endpoint';
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:alarm-suite-topic';
const OK_TOPIC = 'arn:aws:sns:us-east-1:000000000000:alarm-suite-ok';

/** One alarm notification as it reached a person: the topic, the mail subject, CloudWatch's JSON message. */
interface Published {
  topicArn: string;
  subject: string;
  message: string;
}

const canary5xxAlarm = (name: string): PutMetricAlarmCommandInput => ({
  AlarmName: name,
  AlarmDescription: 'canary 5XX above 30 a minute',
  Namespace: 'AWS/SageMaker',
  MetricName: 'Invocation5XXErrors',
  Dimensions: [
    { Name: 'EndpointName', Value: ENDPOINT },
    { Name: 'VariantName', Value: 'canary' },
  ],
  Statistic: 'Sum',
  Period: 60,
  EvaluationPeriods: 2,
  Threshold: 30,
  ComparisonOperator: 'GreaterThanThreshold',
  AlarmActions: [TOPIC],
  OKActions: [OK_TOPIC],
});

describe('CloudWatch alarms through the SDK', () => {
  let t: TestSandbox;
  let clock: SandboxClock;
  let cw: CloudWatchClient;
  let sns: SNSClient;
  let events: BusEvent[];
  let weights: Record<string, number>;
  let play: (scenarioName: string) => TrafficHandle;

  beforeEach(async () => {
    t = await startTestSandbox();
    clock = t.clock;
    events = [];
    t.sandbox.bus.subscribe((event) => {
      events.push(event);
    });
    weights = { primary: 80, canary: 20 };
    cw = new CloudWatchClient(t.client());
    sns = new SNSClient(t.client());
    for (const [name, email] of [
      ['alarm-suite-topic', 'oncall@example.com'],
      ['alarm-suite-ok', 'recovery@example.com'],
    ] as const) {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: email }));
    }
    play = (name: string) =>
      startTraffic({
        scenario: loadScenarioFile(catalogueScenarioFile(name)),
        region: 'us-east-1',
        endpointName: ENDPOINT,
        clock,
        store: t.sandbox.cloudwatch.store,
        getEndpointWeights: () => ({ ...weights }),
      });
  });

  afterEach(async () => {
    cw.destroy();
    sns.destroy();
    await t.stop();
  });

  /** Alarm notifications delivered by email so far (SNS deliveries read back from the outbox). */
  const published = async (): Promise<Published[]> => {
    await t.sandbox.sns.idle();
    const mails = await t.sandbox.outbox.list();
    const out: Published[] = [];
    for (const delivery of t.sandbox.sns.deliveries()) {
      const mail = mails.find((m) => m.file === delivery.file);
      if (delivery.outcome !== 'delivered' || !mail) continue;
      const eml = await t.sandbox.outbox.read(mail.file);
      // The body is CloudWatch's JSON message followed by SNS's unsubscribe footer (no braces).
      const message = eml.slice(eml.indexOf('{"AlarmName"'), eml.lastIndexOf('}') + 1);
      out.push({ topicArn: delivery.topicArn, subject: mail.subject, message });
    }
    return out;
  };
  const stateChanges = () => events.filter((e) => e['detail-type'] === 'CloudWatch Alarm State Change');
  const describeOne = async (name: string) =>
    (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.[0];

  it('fires when the canary of canary-5xx-spike fails, with the event shaped as AWS shapes it', async () => {
    play('canary-5xx-spike');
    await cw.send(new PutMetricAlarmCommand(canary5xxAlarm('suite-canary-5xx')));
    expect(await describeOne('suite-canary-5xx')).toMatchObject({
      StateValue: 'INSUFFICIENT_DATA',
      StateReason: 'Unchecked: Initial alarm creation',
    });

    await clock.advance(25 * MINUTE);
    expect((await describeOne('suite-canary-5xx'))?.StateValue).toBe('OK');
    expect(stateChanges()).toHaveLength(1);

    // Minutes 25 and 26 breach; the alarm fires as minute 26 closes.
    await clock.advance(2 * MINUTE);
    const alarm = await describeOne('suite-canary-5xx');
    expect(alarm?.StateValue).toBe('ALARM');
    expect(alarm?.StateUpdatedTimestamp).toEqual(new Date(T0 + 27 * MINUTE));

    const fired = stateChanges()[1];
    expect(fired).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '000000000000',
      time: '2026-01-01T00:27:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:cloudwatch:us-east-1:000000000000:alarm:suite-canary-5xx'],
      detail: {
        alarmName: 'suite-canary-5xx',
        state: {
          value: 'ALARM',
          reason: expect.stringMatching(
            /^Threshold Crossed: 2 out of the last 2 datapoints \[\d+\.0 \(01\/01\/26 00:26:00\), \d+\.0 \(01\/01\/26 00:25:00\)\] were greater than the threshold \(30\.0\) \(minimum 2 datapoints for OK -> ALARM transition\)\.$/,
          ),
          reasonData: expect.any(String),
          timestamp: '2026-01-01T00:27:00.000+0000',
        },
        previousState: {
          value: 'OK',
          reason: expect.stringContaining('Threshold Crossed'),
          reasonData: expect.any(String),
          timestamp: '2026-01-01T00:01:00.000+0000',
        },
        configuration: {
          description: 'canary 5XX above 30 a minute',
          metrics: [
            {
              id: expect.any(String),
              metricStat: {
                metric: {
                  namespace: 'AWS/SageMaker',
                  name: 'Invocation5XXErrors',
                  dimensions: { EndpointName: ENDPOINT, VariantName: 'canary' },
                },
                period: 60,
                stat: 'Sum',
              },
              returnData: true,
            },
          ],
        },
      },
    });
    const reasonData = JSON.parse((fired!.detail as { state: { reasonData: string } }).state.reasonData);
    expect(reasonData).toMatchObject({
      version: '1.0',
      queryDate: '2026-01-01T00:27:00.000+0000',
      statistic: 'Sum',
      period: 60,
      threshold: 30,
      recentDatapoints: [expect.any(Number), expect.any(Number)],
    });
    expect(Math.min(...reasonData.recentDatapoints)).toBeGreaterThan(30);

    // The alarm action: CloudWatch's JSON message on the ALARM topic.
    const alarmMessages = (await published()).filter((p) => p.topicArn === TOPIC);
    expect(alarmMessages).toHaveLength(1);
    expect(alarmMessages[0]?.subject).toBe('ALARM: "suite-canary-5xx" in US East (N. Virginia)');
    expect(JSON.parse(alarmMessages[0]?.message ?? '{}')).toMatchObject({
      AlarmName: 'suite-canary-5xx',
      AWSAccountId: '000000000000',
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      Region: 'US East (N. Virginia)',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:suite-canary-5xx',
      StateChangeTime: '2026-01-01T00:27:00.000+0000',
      Trigger: {
        MetricName: 'Invocation5XXErrors',
        Namespace: 'AWS/SageMaker',
        StatisticType: 'Statistic',
        Statistic: 'SUM',
        Dimensions: [
          { value: ENDPOINT, name: 'EndpointName' },
          { value: 'canary', name: 'VariantName' },
        ],
        Period: 60,
        EvaluationPeriods: 2,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 30,
      },
    });
  });

  it('returns to OK when the alarm-burst canary recovers, and to INSUFFICIENT_DATA when it gets no traffic', async () => {
    play('alarm-burst');
    await cw.send(new PutMetricAlarmCommand(canary5xxAlarm('suite-burst')));
    await clock.advance(32 * MINUTE);
    expect((await describeOne('suite-burst'))?.StateValue).toBe('ALARM');
    await clock.advance(3 * MINUTE);
    expect((await describeOne('suite-burst'))?.StateValue).toBe('OK');
    const ok = stateChanges().at(-1);
    expect(ok?.detail).toMatchObject({ state: { value: 'OK' }, previousState: { value: 'ALARM' } });
    expect((await published()).filter((p) => p.topicArn === OK_TOPIC).map((p) => p.subject)).toContain(
      'OK: "suite-burst" in US East (N. Virginia)',
    );

    // Canary at 0 %: no datapoints at all, missing data treated as missing.
    weights = { primary: 100, canary: 0 };
    await clock.advance(2 * MINUTE);
    expect((await describeOne('suite-burst'))?.StateValue).toBe('INSUFFICIENT_DATA');
    expect((await describeOne('suite-burst'))?.StateReason).toBe(
      'Insufficient Data: 2 datapoints were unknown.',
    );
  });

  it('publishes per-variant SageMaker metrics the watchdog can read back with GetMetricData', async () => {
    const traffic = play('canary-5xx-spike');
    await clock.advance(3 * MINUTE);
    const dims = (variant: string) => [
      { Name: 'EndpointName', Value: ENDPOINT },
      { Name: 'VariantName', Value: variant },
    ];
    const q = (id: string, name: string, variant: string, stat: string) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: 'AWS/SageMaker', MetricName: name, Dimensions: dims(variant) },
        Period: 60,
        Stat: stat,
      },
    });
    const out = await cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          q('inv', 'Invocations', 'canary', 'Sum'),
          q('err', 'Invocation5XXErrors', 'canary', 'Sum'),
          q('rate', 'Invocation5XXErrors', 'canary', 'Average'),
          q('n', 'Invocation5XXErrors', 'canary', 'SampleCount'),
          q('p99', 'ModelLatency', 'canary', 'p99'),
          q('base', 'Invocations', 'primary', 'Sum'),
        ],
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 3 * MINUTE),
        ScanBy: 'TimestampAscending',
      }),
    );
    const byId: Record<string, number[]> = Object.fromEntries(
      (out.MetricDataResults ?? []).map((r) => [r.Id, r.Values ?? []]),
    );
    const records = traffic.records();
    expect(byId.inv).toEqual(records.map((r) => r.canary.invocations));
    expect(byId.err).toEqual(records.map((r) => r.canary.errors5xx));
    expect(byId.n).toEqual(byId.inv);
    expect(byId.rate).toEqual(records.map((r) => r.canary.errors5xx / r.canary.invocations));
    expect(byId.base).toEqual(records.map((r) => r.baseline.invocations));
    // ModelLatency is in microseconds, binned to 3 significant digits (at most 0.5 % off).
    byId.p99?.forEach((micros, i) => {
      const ms = records[i]?.canary.latencyP99Ms ?? 0;
      expect(Math.abs(micros / 1000 - ms) / ms).toBeLessThan(0.006);
    });
  });

  it('sets a state by hand with SetAlarmState, emitting the event and running the actions', async () => {
    await cw.send(new PutMetricAlarmCommand(canary5xxAlarm('suite-manual')));
    await cw.send(
      new SetAlarmStateCommand({
        AlarmName: 'suite-manual',
        StateValue: 'ALARM',
        StateReason: 'testing the rollback path',
        StateReasonData: '{"source":"test"}',
      }),
    );
    expect(await describeOne('suite-manual')).toMatchObject({
      StateValue: 'ALARM',
      StateReason: 'testing the rollback path',
      StateReasonData: '{"source":"test"}',
    });
    expect(stateChanges()).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({
          alarmName: 'suite-manual',
          state: {
            value: 'ALARM',
            reason: 'testing the rollback path',
            reasonData: '{"source":"test"}',
            timestamp: '2026-01-01T00:00:00.000+0000',
          },
          previousState: {
            value: 'INSUFFICIENT_DATA',
            reason: 'Unchecked: Initial alarm creation',
            timestamp: '2026-01-01T00:00:00.000+0000',
          },
        }),
      }),
    ]);
    expect((await published()).map((p) => p.topicArn)).toEqual([TOPIC]);

    // Setting the state it already has changes nothing visible.
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: 'suite-manual', StateValue: 'ALARM', StateReason: 'again' }),
    );
    expect(stateChanges()).toHaveLength(1);
  });

  it.each([
    [
      'an unknown alarm',
      { AlarmName: 'suite-nope', StateValue: 'ALARM', StateReason: 'x' },
      'ResourceNotFound',
    ],
    [
      'reason data that is not JSON',
      { AlarmName: 'suite-manual', StateValue: 'ALARM', StateReason: 'x', StateReasonData: 'not json' },
      'InvalidFormatFault',
    ],
  ] as const)('refuses SetAlarmState for %s', async (_case, input, name) => {
    await cw.send(new PutMetricAlarmCommand(canary5xxAlarm('suite-manual')));
    await expect(cw.send(new SetAlarmStateCommand(input))).rejects.toMatchObject({ name });
  });

  it('still emails an alarm whose name makes the subject longer than SNS allows (the subject is cut to fit)', async () => {
    const name = `suite-${'very-long-alarm-name-'.repeat(5)}`;
    await cw.send(new PutMetricAlarmCommand(canary5xxAlarm(name)));
    await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: 'ALARM', StateReason: 'test' }));
    const mails = await published();
    expect(mails.map((p) => p.topicArn)).toEqual([TOPIC]);
    expect(mails[0]?.subject.length).toBeLessThanOrEqual(99);
  });

  it('does not run actions when ActionsEnabled is false, but still emits the event', async () => {
    await cw.send(new PutMetricAlarmCommand({ ...canary5xxAlarm('suite-quiet'), ActionsEnabled: false }));
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: 'suite-quiet', StateValue: 'ALARM', StateReason: 'x' }),
    );
    expect(stateChanges()).toHaveLength(1);
    expect(t.sandbox.sns.deliveries()).toEqual([]);
  });

  it('describes alarms by name, prefix and state, and pages them', async () => {
    for (const name of ['suite-a', 'suite-b', 'other-c'])
      await cw.send(new PutMetricAlarmCommand(canary5xxAlarm(name)));
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'suite-b', StateValue: 'OK', StateReason: 'x' }));
    const names = async (input: Record<string, unknown>) =>
      ((await cw.send(new DescribeAlarmsCommand(input))).MetricAlarms ?? []).map((a) => a.AlarmName);
    expect(await names({})).toEqual(['other-c', 'suite-a', 'suite-b']);
    expect(await names({ AlarmNamePrefix: 'suite-' })).toEqual(['suite-a', 'suite-b']);
    expect(await names({ StateValue: 'OK' })).toEqual(['suite-b']);
    expect(await names({ AlarmNames: ['suite-a', 'missing'] })).toEqual(['suite-a']);
    const first = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 2 }));
    expect(first.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['other-c', 'suite-a']);
    const second = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 2, NextToken: first.NextToken }));
    expect(second.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['suite-b']);
    expect(second.NextToken).toBeUndefined();
    await expect(
      cw.send(new DescribeAlarmsCommand({ AlarmNames: ['suite-a'], AlarmNamePrefix: 'suite' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
  });

  it('deletes alarms, and deletes nothing when a name is unknown', async () => {
    await cw.send(new PutMetricAlarmCommand(canary5xxAlarm('suite-del-1')));
    await cw.send(new PutMetricAlarmCommand(canary5xxAlarm('suite-del-2')));
    await expect(
      cw.send(new DeleteAlarmsCommand({ AlarmNames: ['suite-del-1', 'suite-missing'] })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFound',
    });
    expect((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms).toHaveLength(2);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['suite-del-1'] }));
    expect((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms?.map((a) => a.AlarmName)).toEqual([
      'suite-del-2',
    ]);
    expect(events.map((e) => [e['detail-type'], (e.detail as { operation?: string }).operation])).toEqual([
      ['CloudWatch Alarm Configuration Change', 'create'],
      ['CloudWatch Alarm Configuration Change', 'create'],
      ['CloudWatch Alarm Configuration Change', 'delete'],
    ]);
  });

  it('keeps the state when an alarm is updated', async () => {
    await cw.send(new PutMetricAlarmCommand(canary5xxAlarm('suite-update')));
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: 'suite-update', StateValue: 'ALARM', StateReason: 'x' }),
    );
    await cw.send(new PutMetricAlarmCommand({ ...canary5xxAlarm('suite-update'), Threshold: 50 }));
    expect(await describeOne('suite-update')).toMatchObject({ StateValue: 'ALARM', Threshold: 50 });
  });

  it.each([
    [
      'both Statistic and ExtendedStatistic',
      { ExtendedStatistic: 'p99' },
      'InvalidParameterCombinationException',
    ],
    ['an unknown comparison operator', { ComparisonOperator: 'Bigger' }, 'InvalidParameterValueException'],
    ['DatapointsToAlarm above EvaluationPeriods', { DatapointsToAlarm: 3 }, 'ValidationException'],
    ['a period that is not whole minutes', { Period: 90 }, 'ValidationException'],
  ])('refuses PutMetricAlarm with %s', async (_case, override, name) => {
    await expect(
      cw.send(
        new PutMetricAlarmCommand({
          ...canary5xxAlarm('suite-bad'),
          ...override,
        } as PutMetricAlarmCommandInput),
      ),
    ).rejects.toMatchObject({ name });
  });

  it('evaluates percentile alarms on ModelLatency in microseconds', async () => {
    play('canary-5xx-spike');
    await cw.send(
      new PutMetricAlarmCommand({
        ...canary5xxAlarm('suite-latency'),
        MetricName: 'ModelLatency',
        Statistic: undefined,
        ExtendedStatistic: 'p99',
        EvaluationPeriods: 1,
        // The scenario's p99 is 180 ms: 100 ms in microseconds is always breached.
        Threshold: 100_000,
      }),
    );
    await clock.advance(MINUTE);
    expect((await describeOne('suite-latency'))?.StateValue).toBe('ALARM');
  });
});
