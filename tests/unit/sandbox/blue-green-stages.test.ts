import { describe, expect, it } from 'vitest';
import {
  type BlueGreenPlan,
  parseDeploymentConfig,
  stageAt,
  trafficStages,
} from '../../../sandbox/services/sagemaker/blue-green-deployment';

const plan = (overrides: Partial<BlueGreenPlan>): BlueGreenPlan => ({
  type: 'ALL_AT_ONCE',
  waitMs: 60_000,
  terminationWaitMs: 120_000,
  alarms: [],
  ...overrides,
});

/** Each stage as [status, from (s), to (s), green share]. */
const shape = (p: BlueGreenPlan, instances = 4) =>
  trafficStages(p, instances, 0, 10_000).map((s) => [s.status, s.from / 1000, s.to / 1000, s.greenShare]);

describe('the traffic stages of a blue/green deployment', () => {
  it.each([
    {
      routing: 'all at once: everything, its wait, then the final bake',
      plan: plan({}),
      stages: [
        ['ActivatingTraffic', 0, 10, 1],
        ['Baking', 10, 60, 1],
        ['ActivatingTraffic', 60, 70, 1],
        ['Baking', 70, 180, 1],
      ],
    },
    {
      routing: 'canary of 25% of capacity, then everything',
      plan: plan({ type: 'CANARY', size: { Type: 'CAPACITY_PERCENT', Value: 25 } }),
      stages: [
        ['ActivatingTraffic', 0, 10, 0.25],
        ['Baking', 10, 60, 0.25],
        ['ActivatingTraffic', 60, 70, 1],
        ['Baking', 70, 180, 1],
      ],
    },
    {
      routing: 'canary of 1 instance out of 4',
      plan: plan({ type: 'CANARY', size: { Type: 'INSTANCE_COUNT', Value: 1 }, terminationWaitMs: 0 }),
      stages: [
        ['ActivatingTraffic', 0, 10, 0.25],
        ['Baking', 10, 60, 0.25],
      ],
    },
    {
      routing: 'linear steps of 10% (ten steps, no sliver left over)',
      plan: plan({ type: 'LINEAR', size: { Type: 'CAPACITY_PERCENT', Value: 10 }, waitMs: 10_000 }),
      stages: [
        ...Array.from({ length: 9 }, (_, k) => ['ActivatingTraffic', k * 10, k * 10 + 10, (k + 1) / 10]),
        ['ActivatingTraffic', 90, 100, 1],
        ['Baking', 100, 210, 1],
      ],
    },
  ])('$routing', ({ plan: p, stages }) => {
    const actual = shape(p);
    expect(actual.map(([status, from, to]) => [status, from, to])).toEqual(
      stages.map(([status, from, to]) => [status, from, to]),
    );
    actual.forEach(([, , , share], i) => expect(share).toBeCloseTo(stages[i]![3] as number, 9));
  });

  it('completes at once without waits or bake', () => {
    const stages = trafficStages(plan({ waitMs: 0, terminationWaitMs: 0 }), 1, 5);
    expect(stages).toHaveLength(1);
    expect(stages[0]).toMatchObject({ from: 5, to: 5, greenShare: 1, finalBake: true });
  });

  it('finds the stage in force, none before the first shift', () => {
    const stages = trafficStages(plan({}), 1, 1_000, 10_000);
    expect(stageAt(stages, 999)).toBeUndefined();
    expect(stageAt(stages, 1_000)?.status).toBe('ActivatingTraffic');
    expect(stageAt(stages, 61_000)?.finalBake).toBe(true);
  });
});

describe('reading a DeploymentConfig', () => {
  const exists = () => true;
  const config = (routing: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: routing, TerminationWaitInSeconds: 60, ...extra },
    AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'a' }] },
  });

  it('turns seconds into ms and keeps the alarms', () => {
    expect(
      parseDeploymentConfig(
        config(
          {
            Type: 'LINEAR',
            WaitIntervalInSeconds: 30,
            LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 20 },
          },
          { MaximumExecutionTimeoutInSeconds: 900 },
        ),
        exists,
      ),
    ).toEqual({
      type: 'LINEAR',
      waitMs: 30_000,
      size: { Type: 'CAPACITY_PERCENT', Value: 20 },
      terminationWaitMs: 60_000,
      maximumExecutionMs: 900_000,
      alarms: ['a'],
    });
  });

  it.each([
    ['an unknown routing type', config({ Type: 'SLOW', WaitIntervalInSeconds: 0 }), /enum value set/],
    ['no wait interval', config({ Type: 'ALL_AT_ONCE' }), /waitIntervalInSeconds/],
    [
      'a size of 0',
      config({ Type: 'CANARY', WaitIntervalInSeconds: 0, CanarySize: { Type: 'INSTANCE_COUNT', Value: 0 } }),
      /greater than or equal to 1/,
    ],
    [
      'a capacity above 100%',
      config({
        Type: 'CANARY',
        WaitIntervalInSeconds: 0,
        CanarySize: { Type: 'CAPACITY_PERCENT', Value: 150 },
      }),
      /at most 100/,
    ],
    ['a rolling update', { RollingUpdatePolicy: {} }, /BlueGreenUpdatePolicy/],
  ])('refuses %s', (_, raw, message) => {
    expect(() => parseDeploymentConfig(raw, exists)).toThrow(message);
  });

  it('takes an execution timeout up to eight hours, as SageMaker does for blue/green', () => {
    const plan = parseDeploymentConfig(
      config({ Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 }, { MaximumExecutionTimeoutInSeconds: 28_800 }),
      exists,
    );
    expect(plan.maximumExecutionMs).toBe(28_800_000);
  });

  it('names every rollback alarm it cannot find', () => {
    expect(() =>
      parseDeploymentConfig(config({ Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 }), () => false),
    ).toThrow(/"a"/);
  });
});
