import { describe, expect, it } from 'vitest';
import {
  blueGreenDeploymentConfig,
  planBlueGreenConfig,
} from '../../../shared/domain/blue-green-deployment-config';
import {
  type BlueGreenEndpointView,
  readBlueGreenPhase,
  rollbackAlarm,
  shareAt,
} from '../../../shared/domain/blue-green-phase';
import { verdictAlarmName, verdictValue } from '../../../shared/domain/blue-green-verdict';
import { blueGreenConfigName, isWatchdogConfig } from '../../../shared/domain/endpoint-config-name';
import { followUpChange } from '../../../shared/domain/endpoint-change';
import { judgeBlueGreen } from '../../../shared/domain/judge-blue-green';
import type { BlueGreenPolicy, RolloutPolicy, RolloutState } from '../../../shared/domain/types';
import { at, MINUTE, period, type RawDraft, standardPolicy } from '../../fixtures/policies/policy-fixtures';

/** The standard policy's analysis with `strategy.blueGreen` instead of its canary steps. */
const blueGreenPolicy = (blueGreen: Record<string, unknown>, edit?: (raw: RawDraft) => void): RolloutPolicy =>
  standardPolicy((raw) => {
    raw.strategy = { blueGreen };
    raw.rollback = { onAlarms: [] };
    edit?.(raw);
  });

const bg = (policy: RolloutPolicy): BlueGreenPolicy => {
  if (!policy.blueGreen) throw new Error('not a blue/green policy');
  return policy.blueGreen;
};

describe('the DeploymentConfig a blue/green start sends', () => {
  it.each([
    [
      'all at once, with the default wait and bake',
      {},
      { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 300 },
      600,
    ],
    [
      'canary by capacity percent',
      { trafficRouting: { type: 'canary', size: { capacityPercent: 10 }, waitInterval: '5m' }, bake: '10m' },
      { Type: 'CANARY', WaitIntervalInSeconds: 300, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 } },
      600,
    ],
    [
      'canary by instance count',
      { trafficRouting: { type: 'canary', size: { instanceCount: 1 }, waitInterval: '2m' }, bake: '0s' },
      { Type: 'CANARY', WaitIntervalInSeconds: 120, CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 } },
      0,
    ],
    [
      'linear steps',
      { trafficRouting: { type: 'linear', size: { capacityPercent: 25 }, waitInterval: '1m' }, bake: '30m' },
      { Type: 'LINEAR', WaitIntervalInSeconds: 60, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 } },
      1800,
    ],
  ])('maps %s', (_name, blueGreen, routing, termination) => {
    const config = blueGreenDeploymentConfig(bg(blueGreenPolicy(blueGreen)), 'verdict');
    expect(config.BlueGreenUpdatePolicy.TrafficRoutingConfiguration).toEqual(routing);
    expect(config.BlueGreenUpdatePolicy.TerminationWaitInSeconds).toBe(termination);
    expect(config.BlueGreenUpdatePolicy).not.toHaveProperty('MaximumExecutionTimeoutInSeconds');
  });

  it('sets the maximum execution timeout only when the policy does', () => {
    const config = blueGreenDeploymentConfig(
      bg(blueGreenPolicy({ bake: '10m', maximumExecutionTimeout: '2h' })),
      'verdict',
    );
    expect(config.BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds).toBe(7200);
  });

  it.each([
    ['no alarm of the team', [], ['rollout-watchdog-verdict-ep']],
    [
      "the team's alarms first, then the verdict alarm",
      ['a-5xx', 'b-latency'],
      ['a-5xx', 'b-latency', 'rollout-watchdog-verdict-ep'],
    ],
  ])('rolls back on %s', (_name, alarms, expected) => {
    const config = blueGreenDeploymentConfig(bg(blueGreenPolicy({ alarms })), verdictAlarmName('ep'));
    expect(config.AutoRollbackConfiguration.Alarms.map((a) => a.AlarmName)).toEqual(expected);
  });
});

describe('the verdict alarm and metric', () => {
  it('names one alarm per endpoint and carries 1 for failing, 0 for passing', () => {
    expect(verdictAlarmName('fraud-detector-prod')).toBe('rollout-watchdog-verdict-fraud-detector-prod');
    expect([verdictValue('failing'), verdictValue('passing')]).toEqual([1, 0]);
  });
});

describe("the new fleet's config", () => {
  const spec = (variantName: string, modelName: string, instanceCount = 2) => ({
    variantName,
    modelName,
    instanceType: 'ml.m5.xlarge',
    instanceCount,
    initialWeight: 1,
    other: { VolumeSizeInGB: 30 },
  });

  it('runs the model on the baseline variant with the instances it serves on now, other variants kept', () => {
    const plan = planBlueGreenConfig(
      blueGreenPolicy({}),
      'v2',
      [spec('primary', 'v1'), spec('shadowish', 'x')],
      {
        primary: 4,
      },
    );
    expect(plan).toEqual({
      kind: 'change',
      variants: [{ ...spec('primary', 'v2'), instanceCount: 4 }, spec('shadowish', 'x')],
    });
  });

  it("takes the lifecycle's canary instances when the policy sets them", () => {
    const policy = blueGreenPolicy({}, (raw) => {
      raw.lifecycle = { canary: { instanceType: 'ml.g5.xlarge', instanceCount: 3 } };
    });
    const plan = planBlueGreenConfig(policy, 'v2', [spec('primary', 'v1')]);
    expect(plan.kind === 'change' && plan.variants[0]).toMatchObject({
      instanceType: 'ml.g5.xlarge',
      instanceCount: 3,
    });
  });

  it.each([
    ['no baseline variant', [spec('other', 'v1')], /no baseline variant "primary"/],
    ['the model already served', [spec('primary', 'v2')], /already runs model v2/],
  ])('is refused with %s', (_name, current, problem) => {
    const plan = planBlueGreenConfig(blueGreenPolicy({}), 'v2', current);
    expect(plan.kind).toBe('refused');
    expect(plan.kind === 'refused' && plan.problem).toMatch(problem);
  });

  it('is named after the rollout and may be deleted by the watchdog once superseded', () => {
    const name = blueGreenConfigName('fraud-detector-prod', 'rollout-1');
    expect(name).toMatch(/^fraud-detector-prod-rw[0-9a-f]{8}-bluegreen$/);
    expect(blueGreenConfigName('fraud-detector-prod', 'rollout-1')).toBe(name);
    expect(isWatchdogConfig(name)).toBe(true);
    expect(blueGreenConfigName('x'.repeat(70), 'r').length).toBeLessThanOrEqual(63);
  });

  it('owes the endpoint nothing after the rollout ends (SageMaker swapped or kept the fleets)', () => {
    expect(followUpChange(blueGreenPolicy({}), 'Promoted', at(0))).toBeNull();
    expect(followUpChange(blueGreenPolicy({}), 'RolledBack', at(0))).toBeNull();
  });
});

describe('where a deployment stands, read from DescribeEndpoint', () => {
  const canary10 = bg(
    blueGreenPolicy({
      trafficRouting: { type: 'canary', size: { capacityPercent: 10 }, waitInterval: '5m' },
    }),
  );
  const deployment = { newConfig: 'ep-green', oldConfig: 'ep-blue', greenShare: 0 };
  const view = (over: Partial<BlueGreenEndpointView>): BlueGreenEndpointView => ({
    status: 'Updating',
    failureReason: null,
    configName: 'ep-blue',
    pendingConfigName: 'ep-green',
    pendingStatuses: [],
    greenInstanceCount: 4,
    ...over,
  });
  const traffic = (status: string, minute: number, message?: string) => ({
    status,
    startTime: at(minute),
    ...(message ? { message } : {}),
  });

  it.each([
    [
      'green fleet still being created',
      view({ pendingStatuses: [traffic('Creating', 0)] }),
      'provisioning',
      0,
    ],
    [
      'the canary share, told by SageMaker',
      view({
        pendingStatuses: [
          traffic(
            'Baking',
            1,
            "Baking for 300 seconds (WaitIntervalInSeconds) with traffic on 10% of the new fleet's capacity",
          ),
        ],
      }),
      'shifting',
      10,
    ],
    [
      'the canary share, from the routing and the time',
      view({ pendingStatuses: [traffic('ActivatingTraffic', 1)] }),
      'shifting',
      10,
    ],
    [
      'the final bake, told by SageMaker',
      view({
        pendingStatuses: [
          traffic(
            'Baking',
            6,
            "Baking for 600 seconds (TerminationWaitInSeconds) with traffic on 100% of the new fleet's capacity",
          ),
        ],
      }),
      'baking',
      100,
    ],
    [
      'completed on the new config',
      view({ status: 'InService', configName: 'ep-green', pendingConfigName: null }),
      'completed',
      100,
    ],
    ['rolling back', view({ status: 'RollingBack' }), 'rollingBack', 0],
    [
      'rolled back to the old config',
      view({ status: 'InService', configName: 'ep-blue', pendingConfigName: null, failureReason: 'alarm x' }),
      'rolledBack',
      0,
    ],
    ['UpdateRollbackFailed', view({ status: 'UpdateRollbackFailed' }), 'rollbackFailed', 0],
  ])('%s', (_name, endpoint, phase, share) => {
    const reading = readBlueGreenPhase(endpoint, deployment, canary10, at(3));
    expect(reading).toMatchObject({ kind: 'deployment', phase, greenShare: share });
  });

  it("remembers when the new fleet first took traffic: a later status (its StartTime is the current status's own) does not restart the routing clock", () => {
    // The canary shift began at minute 1; at minute 8 SageMaker shows only the final bake's status,
    // begun at minute 6, with no share in its message.
    const later = view({ pendingStatuses: [traffic('Baking', 6)] });
    const first = readBlueGreenPhase(
      view({ pendingStatuses: [traffic('ActivatingTraffic', 1)] }),
      deployment,
      canary10,
      at(2),
    );
    expect(first).toMatchObject({
      kind: 'deployment',
      phase: 'shifting',
      greenShare: 10,
      trafficStartedAt: at(1),
    });
    const remembered = readBlueGreenPhase(later, { ...deployment, trafficStartedAt: at(1) }, canary10, at(8));
    expect(remembered).toMatchObject({
      kind: 'deployment',
      phase: 'baking',
      greenShare: 100,
      trafficStartedAt: at(1),
    });
  });

  it('leaves alone an update it did not start', () => {
    const reading = readBlueGreenPhase(
      view({ pendingConfigName: 'someone-elses' }),
      deployment,
      canary10,
      at(3),
    );
    expect(reading.kind).toBe('other');
  });

  it.each([
    [
      'all at once: 100 % held for the wait, then the final bake',
      { type: 'allAtOnce', waitInterval: '2m' },
      [
        [1, 100, false],
        [3, 100, true],
      ],
    ],
    [
      'canary: its size for one wait, then all',
      { type: 'canary', size: { capacityPercent: 20 }, waitInterval: '2m' },
      [
        [1, 20, false],
        [2, 100, true],
      ],
    ],
    [
      'linear: one more step each wait',
      { type: 'linear', size: { capacityPercent: 30 }, waitInterval: '1m' },
      [
        [0.5, 30, false],
        [1.5, 60, false],
        [2.5, 90, false],
        [3.5, 100, true],
      ],
    ],
    [
      'canary by instances: a share of the green fleet',
      { type: 'canary', size: { instanceCount: 1 }, waitInterval: '2m' },
      [[1, 25, false]],
    ],
  ] as const)('shifts %s', (_name, trafficRouting, expected) => {
    const policy = bg(blueGreenPolicy({ trafficRouting }));
    for (const [minutes, share, finalBake] of expected)
      expect(shareAt(policy, 4, minutes * MINUTE)).toEqual({ share, finalBake });
  });

  it.each([
    [
      'SageMaker names the alarm',
      'CloudWatch alarm "team-5xx" in AutoRollbackConfiguration is in ALARM.',
      {},
      'team-5xx',
    ],
    ['the longest name SageMaker gives wins', 'alarm "team-5xx-high" is in ALARM', {}, 'team-5xx-high'],
    ['else the one in ALARM', 'rolled back', { verdict: 'ALARM', 'team-5xx': 'OK' }, 'verdict'],
    ['else none', null, {}, null],
  ])('tells which alarm rolled back when %s', (_name, reason, states, alarm) => {
    expect(rollbackAlarm(reason, ['team-5xx', 'team-5xx-high', 'verdict'], states)).toBe(alarm);
  });
});

describe('the judgement of the new fleet against the old', () => {
  const policy = blueGreenPolicy({});
  const state: RolloutState = {
    endpointName: 'demo-endpoint',
    phase: 'Progressing',
    stepIndex: 0,
    stepStartedAt: at(0),
    startedAt: at(0),
    canaryWeight: 10,
    recent: [],
    lastPeriodTime: null,
    lastJudgedAt: null,
    consecutiveFailures: { 'error-rate': 0, 'p99-latency': 0 },
    consecutiveInconclusive: 0,
    pauseCause: null,
    staged: null,
    alarmStates: {},
    message: '',
  };

  /** Judges minute by minute; returns each judgement. */
  const play = (minutes: number, green: Parameters<typeof period>[1]) => {
    let s = state;
    return Array.from({ length: minutes }, (_, i) => {
      const judged = judgeBlueGreen(policy, s, [period(i + 1, { invocations: 300, ...green })], at(i + 1));
      s = judged.state;
      return judged;
    });
  };

  it('passes a new fleet that behaves as the old one', () => {
    const judged = play(5, {});
    expect(judged.every((j) => j.failed.length === 0)).toBe(true);
    expect(judged.at(-1)?.verdict).toBe('pass');
  });

  it('fails once a metric reaches its failureLimit, with its numbers', () => {
    const judged = play(4, { errorRate: 0.2 });
    const first = judged.findIndex((j) => j.failed.length > 0);
    expect(first).toBe(1);
    expect(judged[first]?.failed[0]).toMatchObject({
      metric: 'error-rate',
      consecutiveFailures: 2,
      failureLimit: 2,
    });
  });

  it('fails a new fleet twice as slow as the old one, which no fixed ceiling catches', () => {
    const judged = play(6, { p50: 80, p99: 360 });
    expect(judged.some((j) => j.failed.some((f) => f.metric === 'p99-latency'))).toBe(true);
  });

  it('waits on a fleet without traffic: inconclusive, never failed', () => {
    const judged = play(5, { invocations: 0 });
    expect(judged.every((j) => j.verdict === 'inconclusive' && j.failed.length === 0)).toBe(true);
  });

  it('does not judge again before the analysis interval', () => {
    const first = judgeBlueGreen(policy, state, [period(1)], at(1));
    const again = judgeBlueGreen(policy, first.state, [period(1)], at(1) + 10_000);
    expect(again.judged).toBe(false);
    expect(again.state.consecutiveFailures).toEqual(first.state.consecutiveFailures);
  });
});
