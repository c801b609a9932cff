import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandboxClock, type SandboxClock } from '../../../../sandbox/clock';
import { type BusEvent, createEventBus, type EventBus } from '../../../../sandbox/event-bus';
import {
  createEventRouter,
  type DeliveryVerdict,
  type EventRouter,
  matchesPattern,
  parseScheduleExpression,
  readServerlessFunctions,
  resolvePseudoParameters,
} from '../../../../sandbox/event-router';
import { createFaults } from '../../../../sandbox/faults';
import { createInProcessLambdaInvoker } from '../../../../sandbox/lambda-invoker';
import { SANDBOX_ACCOUNT_ID } from '../../../../sandbox/service';
import { createCloudWatch } from '../../../../sandbox/services/cloudwatch/create-cloudwatch';
import { startTraffic } from '../../../../sandbox/traffic';
import { catalogueScenarioFile } from '../../../../shared/simulation/scenario-catalogue';
import { loadScenarioFile } from '../../../../shared/simulation/scenario-schema';

const PROJECT = fileURLToPath(new URL('../../../../', import.meta.url));
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const MINUTE = 60_000;
const ctx = (region: string, now: () => number) => ({ region, accountId: SANDBOX_ACCOUNT_ID, now });

describe('the event router on the project serverless.yml', () => {
  let clock: SandboxClock;
  let bus: EventBus;
  let received: Record<string, unknown[]>;
  let verdicts: DeliveryVerdict[];
  let router: EventRouter;

  beforeEach(() => {
    clock = createSandboxClock({ startTime: T0 });
    bus = createEventBus();
    received = {};
    verdicts = [];
    const record = (name: string) => (event: unknown) => {
      received[name] = [...(received[name] ?? []), event];
    };
    const names = ['canaryTick', 'alarmRollback', 'regionSync', 'slackNotifier', 'controlApi'];
    const invoker = createInProcessLambdaInvoker(
      Object.fromEntries(names.map((key) => [`rollout-watchdog-local-${key}`, record(key)])),
    );
    router = createEventRouter({
      projectDir: PROJECT,
      stage: 'local',
      clock,
      bus,
      invoker,
      synchronous: true,
      faults: { nextDelivery: () => verdicts.shift() ?? 'deliver' },
    });
  });

  afterEach(() => router.dispose());

  it('finds the schedules and the alarm rule of the functions', () => {
    const byKey = Object.fromEntries(readServerlessFunctions(PROJECT, 'local').map((f) => [f.key, f]));
    expect(byKey.canaryTick?.functionName).toBe('rollout-watchdog-local-canaryTick');
    expect(byKey.canaryTick?.schedules.map((s) => s.expression)).toEqual(['rate(1 minute)']);
    expect(byKey.alarmRollback?.patterns).toEqual([
      {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        account: [{ Ref: 'AWS::AccountId' }],
      },
    ]);
    expect(byKey.controlApi?.schedules).toEqual([]);
  });

  it('delivers one scheduled event per simulated minute, stamped with simulated time', async () => {
    await clock.advance(5 * MINUTE);
    const ticks = received.canaryTick as BusEvent[];
    expect(ticks.map((e) => e.time)).toEqual([
      '2026-01-01T00:01:00Z',
      '2026-01-01T00:02:00Z',
      '2026-01-01T00:03:00Z',
      '2026-01-01T00:04:00Z',
      '2026-01-01T00:05:00Z',
    ]);
    expect(ticks[0]).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: SANDBOX_ACCOUNT_ID,
      time: '2026-01-01T00:01:00Z',
      region: 'us-east-1',
      resources: [
        expect.stringMatching(/^arn:aws:events:us-east-1:000000000000:rule\/rollout-watchdog-local-/),
      ],
      detail: {},
    });
    expect(new Set(ticks.map((e) => e.id)).size).toBe(5);
  });

  it('delivers a slower schedule only when it is due', async () => {
    const sync = router.functions.find((f) => f.key === 'regionSync')?.schedules[0];
    const due = Array.from({ length: 60 }, (_, i) => T0 + (i + 1) * MINUTE).filter((t) => sync?.isDue(t));
    expect(due.length).toBeGreaterThan(0);
    expect(due.length).toBeLessThan(60);
    await clock.advance(60 * MINUTE);
    expect((received.regionSync as BusEvent[]).map((e) => Date.parse(e.time))).toEqual(due);
  });

  it('delivers alarm state changes to the alarm rule only, and not other CloudWatch detail-types', async () => {
    const cloudwatch = createCloudWatch({ clock, bus });
    const put = cloudwatch.emulation.operations.PutMetricAlarm!;
    const set = cloudwatch.emulation.operations.SetAlarmState!;
    await put(
      {
        AlarmName: 'router suite alarm',
        Namespace: 'RouterSuite',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      },
      ctx('us-east-1', clock.now),
    );
    await set(
      { AlarmName: 'router suite alarm', StateValue: 'ALARM', StateReason: 'test' },
      ctx('us-east-1', clock.now),
    );
    const alarms = received.alarmRollback as BusEvent[];
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      'detail-type': 'CloudWatch Alarm State Change',
      detail: { alarmName: 'router suite alarm', state: { value: 'ALARM' } },
    });
    expect(received.canaryTick).toBeUndefined();
    expect(router.deliveries().map((d) => [d.functionName, d.detailType])).toEqual([
      ['rollout-watchdog-local-alarmRollback', 'CloudWatch Alarm State Change'],
    ]);
    cloudwatch.dispose();
  });

  it("ignores events of other regions, as a rule only sees its own region's bus", async () => {
    await bus.publish({
      version: '0',
      id: 'other-region',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: SANDBOX_ACCOUNT_ID,
      time: '2026-01-01T00:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: {},
    });
    expect(received.alarmRollback).toBeUndefined();
  });

  it("ignores alarm events of other accounts, as the alarm rule takes its own account's only", async () => {
    const event = (id: string, account: string): BusEvent => ({
      version: '0',
      id,
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account,
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: {},
    });
    await bus.publish(event('foreign', '111122223333'));
    expect(received.alarmRollback).toBeUndefined();
    await bus.publish(event('own', SANDBOX_ACCOUNT_ID));
    expect((received.alarmRollback as BusEvent[]).map((e) => e.id)).toEqual(['own']);
  });

  it('drops and duplicates deliveries when the faults say so', async () => {
    verdicts.push('drop', 'duplicate');
    await clock.advance(3 * MINUTE);
    await expectDropThenDuplicate();
  });

  it("honours the sandbox's own delivery faults on the events channel", async () => {
    router.dispose();
    const faults = createFaults();
    const invoker = createInProcessLambdaInvoker({
      'rollout-watchdog-local-canaryTick': (event) => {
        received.canaryTick = [...(received.canaryTick ?? []), event];
      },
    });
    router = createEventRouter({ projectDir: PROJECT, clock, bus, invoker, synchronous: true, faults });
    faults.dropDeliveries(1, 'events');
    faults.duplicateDeliveries(1, 'events');
    faults.dropDeliveries(5, 'sns');
    await clock.advance(3 * MINUTE);
    await expectDropThenDuplicate();
  });

  const expectDropThenDuplicate = async () => {
    const ticks = received.canaryTick as BusEvent[];
    expect(ticks.map((e) => e.time)).toEqual([
      '2026-01-01T00:02:00Z',
      '2026-01-01T00:02:00Z',
      '2026-01-01T00:03:00Z',
    ]);
    expect(ticks[0]?.id).toBe(ticks[1]?.id);
    expect(router.deliveries().map((d) => [d.verdict, d.invocations])).toEqual([
      ['drop', 0],
      ['duplicate', 2],
      ['deliver', 1],
    ]);
  };

  it('delivers the ALARM event when traffic from canary-5xx-spike makes the canary fail', async () => {
    const cloudwatch = createCloudWatch({ clock, bus });
    const traffic = startTraffic({
      scenario: loadScenarioFile(catalogueScenarioFile('canary-5xx-spike')),
      region: 'us-east-1',
      endpointName: 'router-suite-endpoint',
      clock,
      store: cloudwatch.store,
      getEndpointWeights: () => ({ primary: 80, canary: 20 }),
    });
    await cloudwatch.emulation.operations.PutMetricAlarm!(
      {
        AlarmName: 'router-suite-canary-5xx',
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocation5XXErrors',
        Dimensions: [
          { Name: 'EndpointName', Value: 'router-suite-endpoint' },
          { Name: 'VariantName', Value: 'canary' },
        ],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 2,
        Threshold: 30,
        ComparisonOperator: 'GreaterThanThreshold',
      },
      ctx('us-east-1', clock.now),
    );
    await clock.advance(30 * MINUTE);
    const states = (received.alarmRollback as BusEvent[]).map((e) => [
      e.time,
      (e.detail as { state: { value: string } }).state.value,
    ]);
    expect(states).toEqual([
      ['2026-01-01T00:01:00Z', 'OK'],
      ['2026-01-01T00:27:00Z', 'ALARM'],
    ]);
    // The tick of the minute the alarm fired comes after the alarm event (deliver phase).
    expect((received.canaryTick as unknown[]).length).toBe(30);
    traffic.stop();
    cloudwatch.dispose();
  });
});

describe('schedule expressions', () => {
  const at = (iso: string) => Date.parse(iso);
  it.each([
    ['rate(1 minute)', '2026-01-01T00:07:00Z', true],
    ['rate(5 minutes)', '2026-01-01T00:10:00Z', true],
    ['rate(5 minutes)', '2026-01-01T00:11:00Z', false],
    ['rate(1 hour)', '2026-01-01T03:00:00Z', true],
    ['rate(1 hour)', '2026-01-01T03:01:00Z', false],
    ['rate(1 day)', '2026-01-02T00:00:00Z', true],
    ['cron(0/15 * * * ? *)', '2026-01-01T10:45:00Z', true],
    ['cron(0/15 * * * ? *)', '2026-01-01T10:46:00Z', false],
    ['cron(0 12 ? * MON-FRI *)', '2026-01-02T12:00:00Z', true],
    ['cron(0 12 ? * MON-FRI *)', '2026-01-03T12:00:00Z', false],
    ['cron(30 6 1 JAN ? 2026)', '2026-01-01T06:30:00Z', true],
  ])('%s is due at %s: %s', (expression, iso, due) => {
    expect(parseScheduleExpression(expression).isDue(at(iso))).toBe(due);
  });

  it.each([
    'rate(5 minute)',
    'rate(1 minutes)',
    'rate(0 minutes)',
    'cron(* * * * * *)',
    'cron(0 12 * *)',
    'every minute',
  ])('refuses %s', (expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow();
  });
});

describe('event patterns', () => {
  const alarmEvent = {
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    resources: ['arn:aws:cloudwatch:us-east-1:000000000000:alarm:a'],
    detail: { alarmName: 'fraud-canary-5xx', state: { value: 'ALARM' } },
  };
  it.each([
    [{ source: ['aws.cloudwatch'] }, true],
    [{ source: ['aws.events'] }, false],
    [{ 'detail-type': ['CloudWatch Alarm Configuration Change'] }, false],
    [{ detail: { state: { value: ['ALARM', 'OK'] } } }, true],
    [{ detail: { state: { value: ['OK'] } } }, false],
    [{ detail: { alarmName: [{ prefix: 'fraud-' }] } }, true],
    [{ detail: { alarmName: [{ 'anything-but': 'fraud-canary-5xx' }] } }, false],
    [{ detail: { muteDetail: [{ exists: false }] } }, true],
    [{ resources: ['arn:aws:cloudwatch:us-east-1:000000000000:alarm:a'] }, true],
  ])('pattern %j matches an alarm event: %s', (pattern, expected) => {
    expect(matchesPattern(pattern, alarmEvent)).toBe(expected);
  });

  it("resolves a pattern's CloudFormation account and region to the bus's own", () => {
    const pattern = { account: [{ Ref: 'AWS::AccountId' }], detail: { alarmName: [{ prefix: 'fraud-' }] } };
    const resolved = resolvePseudoParameters(pattern, { 'AWS::AccountId': '000000000000' });
    expect(resolved).toEqual({ account: ['000000000000'], detail: { alarmName: [{ prefix: 'fraud-' }] } });
    expect(matchesPattern(resolved, { ...alarmEvent, account: '000000000000' })).toBe(true);
    expect(matchesPattern(resolved, { ...alarmEvent, account: '111122223333' })).toBe(false);
  });
});
