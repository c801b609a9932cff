import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION } from '../tick/watchdog-harness';
import {
  type BlueGreenSuite,
  type Body,
  blueGreenEndpoint,
  blueGreenPolicy,
  MINUTE,
  startBlueGreenSuite,
} from './blue-green-fixture';

/**
 * Blue/green with SageMaker's guardrails, watched by the watchdog, through the real handlers
 * against the sandbox: a start from a model name hands the deployment to SageMaker with the
 * watchdog's verdict alarm among its rollback alarms; the tick reports each phase, judges the new
 * fleet against the old one, and records what SageMaker did; the weights API is never called.
 */

const SUITE = 'bluegreen';
let s: BlueGreenSuite;

const final = (phase: string) => ['Promoted', 'RolledBack', 'Aborted'].includes(phase);
const phaseOf = async (endpointName: string) => (await s.status(endpointName)).phase as string;

beforeAll(async () => {
  s = await startBlueGreenSuite(SUITE);
});

afterAll(async () => {
  await s?.h.close();
});

describe('a healthy blue/green deployment', () => {
  const endpoint = `${SUITE}-healthy`;
  let started: { status: number; body: Body };

  beforeAll(async () => {
    await blueGreenEndpoint(s.h, endpoint);
  });

  it('refuses a blue/green start without a model, saying how to start one', async () => {
    const response = await s.call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: blueGreenPolicy(endpoint),
    });
    expect(response.status).toBe(400);
    expect(response.body.problems.join('\n')).toMatch(/blue\/green .*--model <model name>/);
  });

  it("starts it through UpdateEndpoint with the policy's DeploymentConfig and the verdict alarm", async () => {
    started = await s.call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: blueGreenPolicy(endpoint),
      model: `${endpoint}-v2`,
      reason: 'ship v2',
    });
    expect(started.status).toBe(201);
    const bg = started.body.rollout.blueGreen;
    expect(bg).toMatchObject({
      phase: 'provisioning',
      model: `${endpoint}-v2`,
      oldConfig: `${endpoint}-initial`,
      greenShare: 0,
      verdict: 'passing',
      verdictAlarm: `rollout-watchdog-verdict-${endpoint}`,
      alarms: [`${endpoint}-5xx`, `rollout-watchdog-verdict-${endpoint}`],
    });
    expect(bg.newConfig).toMatch(new RegExp(`^${endpoint}-rw[0-9a-f]{8}-bluegreen$`));
    const described = await s.h.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    expect(described.EndpointStatus).toBe('Updating');
    expect(described.PendingDeploymentSummary?.EndpointConfigName).toBe(bg.newConfig);
    expect(described.LastDeploymentConfig).toEqual({
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: 'CANARY',
          WaitIntervalInSeconds: 180,
          CanarySize: { Type: 'CAPACITY_PERCENT', Value: 20 },
        },
        TerminationWaitInSeconds: 180,
      },
      AutoRollbackConfiguration: {
        Alarms: [{ AlarmName: `${endpoint}-5xx` }, { AlarmName: `rollout-watchdog-verdict-${endpoint}` }],
      },
    });
    const alarm = await s.h.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [`rollout-watchdog-verdict-${endpoint}`] }),
    );
    expect(alarm.MetricAlarms?.[0]).toMatchObject({
      Namespace: 'RolloutWatchdog',
      MetricName: 'Verdict',
      Dimensions: [{ Name: 'EndpointName', Value: endpoint }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('refuses pause, resume and promote while SageMaker runs the traffic, saying why', async () => {
    for (const command of ['pause', 'resume', 'promote']) {
      const response = await s.call('POST', `/rollouts/${endpoint}/${command}`, { reason: 'try' });
      expect(response.status).toBe(409);
      expect(response.body.error).toMatch(/SageMaker's blue\/green deployment runs the traffic/);
    }
  });

  it('reports each phase with what comes next, publishes a passing verdict, and ends Promoted on the new config', async () => {
    await s.tickUntil(async () => final(await phaseOf(endpoint)), 15);
    const status = await s.status(endpoint);
    expect(status.phase).toBe('Promoted');
    expect(status.blueGreen).toMatchObject({ phase: 'completed', greenShare: 100, verdict: 'passing' });
    expect(status.weights).toEqual({ primary: 0, canary: 100 });
    expect((await s.endpointStatus(endpoint)).config).toBe(status.blueGreen.newConfig);
    const lines = s.messages(endpoint).map((m) => m.reason);
    expect(lines[0]).toMatch(/^blue\/green deployment of model .*-v2 started by .*alice \(ship v2\)/);
    expect(lines.some((l) => /traffic shifting: the new fleet .* takes 20% of the traffic/.test(l))).toBe(
      true,
    );
    expect(lines.some((l) => /^final bake: the new fleet .* takes all the traffic/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^blue\/green deployment completed/);
    for (const m of s.messages(endpoint)) expect(m.next.length).toBeGreaterThan(20);
    // The verdict metric carried 0s while SageMaker deployed.
    const verdicts = await s.h.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(s.h.clock.now() - 20 * MINUTE),
        EndTime: new Date(s.h.clock.now() + MINUTE),
        MetricDataQueries: [
          {
            Id: 'v',
            MetricStat: {
              Metric: {
                Namespace: 'RolloutWatchdog',
                MetricName: 'Verdict',
                Dimensions: [{ Name: 'EndpointName', Value: endpoint }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    const values = verdicts.MetricDataResults?.[0]?.Values ?? [];
    expect(values.length).toBeGreaterThan(3);
    expect(Math.max(...values)).toBe(0);
  });
});

describe("the rollout page's metrics of a blue/green deployment", () => {
  it('shows the old fleet as the baseline and the new fleet as the canary, each read by its endpoint config', async () => {
    const endpoint = `${SUITE}-healthy`;
    const response = await s.call('GET', `/rollouts/${endpoint}/metrics`);
    expect(response.status).toBe(200);
    const points = response.body.points as Array<{ variants: Record<string, { invocations: number }> }>;
    const served = (variant: string) =>
      points.reduce((sum, p) => sum + (p.variants[variant]?.invocations ?? 0), 0);
    expect(served('canary')).toBeGreaterThan(0);
    expect(served('primary')).toBeGreaterThan(0);
  });
});

describe('a deployment SageMaker rolls back on its own alarm', () => {
  const endpoint = `${SUITE}-alarm`;

  it("records RolledBack naming the team's alarm, the endpoint back on its old config", async () => {
    await blueGreenEndpoint(s.h, endpoint, { errorRate5xx: 0.4 });
    const started = await s.call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: blueGreenPolicy(endpoint),
      model: `${endpoint}-v2`,
    });
    expect(started.status).toBe(201);
    await s.tickUntil(async () => final(await phaseOf(endpoint)), 12);
    const status = await s.status(endpoint);
    expect(status.phase).toBe('RolledBack');
    expect(status.blueGreen).toMatchObject({ phase: 'rolledBack', rolledBackBy: `${endpoint}-5xx` });
    expect((await s.endpointStatus(endpoint)).config).toBe(`${endpoint}-initial`);
    const last = s.messages(endpoint).at(-1);
    expect(last?.eventType).toBe('rollout.rolled-back');
    expect(last?.reason).toMatch(new RegExp(`on its own alarm ${endpoint}-5xx`));
  });
});

describe("a deployment rolled back on the watchdog's verdict", () => {
  const endpoint = `${SUITE}-verdict`;
  const verdictAlarm = `rollout-watchdog-verdict-${endpoint}`;
  let failedAt = 0;
  let rollingBackAt = 0;

  it('publishes a failing verdict when the new fleet is twice as slow as the old one (no alarm of the team sees it)', async () => {
    await blueGreenEndpoint(s.h, endpoint, { p50: 80, p99: 360 });
    // The team's notify hook hears how the deployment ended.
    const hooks = `hooks:\n  - { name: bg-told, at: [afterEnd, onRollback], type: notify, url: '${s.h.sandbox.hookUrl('bg-told')}' }\n`;
    await s.call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: blueGreenPolicy(endpoint, undefined, hooks),
      model: `${endpoint}-v2`,
    });
    await s.tickUntil(async () => (await s.status(endpoint)).blueGreen.verdict === 'failing', 8);
    failedAt = s.h.clock.now();
    const status = await s.status(endpoint);
    expect(status.phase).toBe('Progressing');
    expect(status.blueGreen.rollbackRequested).toMatchObject({ by: 'judgement' });
    const message = s.messages(endpoint).at(-1);
    // Asked of SageMaker, not done yet, and not a halved canary: its own critical event type.
    expect(message).toMatchObject({ eventType: 'rollout.rollback-requested', severity: 'critical' });
    expect(message?.reason).toMatch(/the watchdog's judgement of the new fleet failed: .*p99-latency/);
    expect(message?.reason).toMatch(
      new RegExp(`verdict 1 published: SageMaker rolls back once alarm ${verdictAlarm} is in ALARM`),
    );
    expect(message?.next).toMatch(/SageMaker rolls back once alarm/);
  });

  it('sees SageMaker roll back within a few simulated minutes of the failing verdict, through the verdict alarm', async () => {
    for (let step = 0; step < 24 && rollingBackAt === 0; step++) {
      await s.h.clock.advance(10_000);
      const { status } = await s.endpointStatus(endpoint);
      if (status === 'RollingBack' || status === 'InService') rollingBackAt = s.h.clock.now();
    }
    const delayMinutes = (rollingBackAt - failedAt) / MINUTE;
    // CloudWatch evaluates the verdict's minute when it closes, and SageMaker polls right after.
    expect(delayMinutes).toBeGreaterThan(0);
    expect(delayMinutes).toBeLessThanOrEqual(2);
    console.info(`blue/green verdict to RollingBack: ${delayMinutes.toFixed(2)} simulated minutes`);
    await s.tickUntil(async () => final(await phaseOf(endpoint)), 5);
    const status = await s.status(endpoint);
    expect(status.phase).toBe('RolledBack');
    expect(status.blueGreen).toMatchObject({ phase: 'rolledBack', rolledBackBy: verdictAlarm });
    expect(s.messages(endpoint).at(-1)?.reason).toMatch(
      new RegExp(`on the watchdog's verdict alarm ${verdictAlarm}`),
    );
    const told = s.h.sandbox.hooks.calls('bg-told').map((c) => (c.body as { point: string }).point);
    expect(told).toEqual(['afterEnd', 'onRollback']);
  });
});

describe("a deployment whose policy names its 5XX alarm in rollback.onAlarms, not among SageMaker's", () => {
  const endpoint = `${SUITE}-onalarms`;

  it('has the watchdog ask SageMaker to roll back through its verdict when the alarm fires', async () => {
    await blueGreenEndpoint(s.h, endpoint, { errorRate5xx: 0.4 });
    const onAlarms = `rollback:\n  onAlarms:\n    - { alarmName: ${endpoint}-5xx, strategy: immediate }\n`;
    const started = await s.call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: blueGreenPolicy(endpoint, '', onAlarms),
      model: `${endpoint}-v2`,
    });
    expect(started.status).toBe(201);
    expect(started.body.rollout.blueGreen.alarms).toEqual([`rollout-watchdog-verdict-${endpoint}`]);
    await s.tickUntil(async () => final(await phaseOf(endpoint)), 12);
    const status = await s.status(endpoint);
    expect(status.phase).toBe('RolledBack');
    expect(status.blueGreen.rolledBackBy).toBe(`rollout-watchdog-verdict-${endpoint}`);
    expect(status.blueGreen.rollbackRequested).toMatchObject({
      by: 'alarm',
      reason: `alarm ${endpoint}-5xx (rollback.onAlarms) is in ALARM`,
    });
  });
});

describe("an operator's rollback during a deployment", () => {
  const endpoint = `${SUITE}-operator`;

  it('publishes the failing verdict at once and ends RolledBack through the verdict alarm', async () => {
    await blueGreenEndpoint(s.h, endpoint);
    await s.call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: blueGreenPolicy(endpoint),
      model: `${endpoint}-v2`,
    });
    await s.tick();
    await s.tick();
    const response = await s.call('POST', `/rollouts/${endpoint}/rollback`, { reason: 'wrong model' });
    expect(response.status).toBe(200);
    expect(response.body.rollout.blueGreen).toMatchObject({
      verdict: 'failing',
      rollbackRequested: {
        by: 'operator',
        reason: expect.stringMatching(/rollback by .*alice \(wrong model\)/),
      },
    });
    const again = await s.call('POST', `/rollouts/${endpoint}/rollback`, { reason: 'twice' });
    expect(again.status).toBe(409);
    await s.tickUntil(async () => final(await phaseOf(endpoint)), 6);
    expect((await s.status(endpoint)).phase).toBe('RolledBack');
  });
});

describe('a rollback SageMaker cannot finish', () => {
  const endpoint = `${SUITE}-stuck`;

  it('pauses the rollout for a person with a critical alert on UpdateRollbackFailed', async () => {
    await blueGreenEndpoint(s.h, endpoint, { errorRate5xx: 0.4 });
    s.h.sandbox.faults.failRollback(REGION, endpoint);
    await s.call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: blueGreenPolicy(endpoint),
      model: `${endpoint}-v2`,
    });
    await s.tickUntil(async () => (await s.status(endpoint)).phase === 'Paused', 12);
    const status = await s.status(endpoint);
    expect(status).toMatchObject({
      phase: 'Paused',
      pauseCause: 'endpoint',
      blueGreen: { phase: 'rollbackFailed' },
    });
    const alert = s.messages(endpoint).at(-1);
    expect(alert).toMatchObject({ eventType: 'rollout.alert', severity: 'critical' });
    expect(alert?.next).toMatch(/A person decides/);
    const resumed = await s.call('POST', `/rollouts/${endpoint}/resume`, { reason: 'try' });
    expect(resumed.status).toBe(409);
    const aborted = await s.call('POST', `/rollouts/${endpoint}/abort`, { reason: 'fixed by hand' });
    expect(aborted.status).toBe(200);
    expect(aborted.body.rollout.phase).toBe('Aborted');
  });
});

describe('a blue/green start held at its beforeStart gate', () => {
  const gatePolicy = (endpoint: string, failureLimit: number) =>
    blueGreenPolicy(
      endpoint,
      undefined,
      `hooks:\n  - { name: ${endpoint}-gate, at: beforeStart, url: '${s.h.sandbox.hookUrl(`${endpoint}-gate`)}', failureLimit: ${failureLimit} }\n`,
    );

  it('sends nothing to SageMaker while the gate says no, then deploys once it allows', async () => {
    const endpoint = `${SUITE}-gated`;
    await blueGreenEndpoint(s.h, endpoint);
    s.h.sandbox.hooks.script(`${endpoint}-gate`, [
      { fromMinute: 0, allow: false, reason: 'load test running' },
      { fromMinute: 2, allow: true },
    ]);
    const started = await s.call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: gatePolicy(endpoint, 5),
      model: `${endpoint}-v2`,
    });
    expect(started.status).toBe(201);
    expect(started.body.rollout.gate).toMatchObject({ point: 'beforeStart', failures: 0 });
    await s.tick();
    expect((await s.status(endpoint)).gate).toMatchObject({
      failures: 1,
      reason: expect.stringMatching(/load test running/),
    });
    expect(await s.endpointStatus(endpoint)).toMatchObject({
      status: 'InService',
      config: `${endpoint}-initial`,
    });
    await s.tickUntil(async () => (await s.endpointStatus(endpoint)).status === 'Updating', 4);
    expect((await s.status(endpoint)).gate).toBeUndefined();
    expect(
      s.messages(endpoint).some((m) => /gate .*-gate allowed: UpdateEndpoint to config/.test(m.reason)),
    ).toBe(true);
    await s.tickUntil(async () => final(await phaseOf(endpoint)), 15);
    expect(await phaseOf(endpoint)).toBe('Promoted');
  });

  it('rolls back before anything is deployed when the gate keeps saying no', async () => {
    const endpoint = `${SUITE}-gatefails`;
    await blueGreenEndpoint(s.h, endpoint);
    s.h.sandbox.hooks.script(`${endpoint}-gate`, [
      { fromMinute: 0, allow: false, reason: 'change ticket rejected' },
    ]);
    await s.call('POST', '/rollouts', {
      endpointName: endpoint,
      policy: gatePolicy(endpoint, 2),
      model: `${endpoint}-v2`,
    });
    await s.tickUntil(async () => final(await phaseOf(endpoint)), 4);
    const status = await s.status(endpoint);
    expect(status.phase).toBe('RolledBack');
    expect(status.message).toMatch(
      /said no 2 times in a row before UpdateEndpoint: .*change ticket rejected; rolled back before anything was deployed/,
    );
    expect(await s.endpointStatus(endpoint)).toMatchObject({
      status: 'InService',
      config: `${endpoint}-initial`,
    });
  });
});

describe('the weights', () => {
  it('are never set by the watchdog during any of these deployments', () => {
    expect(s.operations.get('UpdateEndpointWeightsAndCapacities') ?? 0).toBe(0);
    expect(s.operations.get('UpdateEndpoint') ?? 0).toBeGreaterThanOrEqual(6);
  });
});
