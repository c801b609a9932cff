import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FAILURE_LIMIT,
  DEFAULT_INCONCLUSIVE_LIMIT,
  DEFAULT_INTERVAL_SECONDS,
  DEFAULT_MIN_CANARY_INVOCATIONS,
  DEFAULT_STAGED_OBSERVE_SECONDS,
  DEFAULT_WINDOW_SECONDS,
  describePolicy,
  parsePolicy,
} from '../../../shared/domain/index';
import { type RawDraft, rawStandardPolicy } from '../../fixtures/policies/policy-fixtures';

const problemsOf = (edit: (raw: RawDraft) => void): string[] => {
  const raw = rawStandardPolicy();
  edit(raw);
  const result = parsePolicy(raw);
  return result.ok ? [] : result.problems;
};

const metrics = (raw: RawDraft) => raw.analysis.metrics;
const steps = (raw: RawDraft) => raw.strategy.canary.steps;

describe('parsePolicy', () => {
  it('accepts the standard policy and normalises durations to seconds', () => {
    const result = parsePolicy(rawStandardPolicy());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.policy.steps).toEqual([
      { kind: 'setWeight', weight: 5 },
      { kind: 'pause', durationSeconds: 600 },
      { kind: 'setWeight', weight: 20 },
      { kind: 'pause', durationSeconds: 600 },
      { kind: 'setWeight', weight: 50 },
      { kind: 'pause', durationSeconds: 1200 },
    ]);
    expect(result.policy.analysis).toMatchObject({
      intervalSeconds: 60,
      windowSeconds: 300,
      inconclusiveLimit: 30,
    });
    expect(result.policy.analysis.metrics[0]).toEqual({
      type: 'errorRate',
      name: 'error-rate',
      threshold: 0.05,
      maxIncrease: 0.01,
      errorClasses: ['5xx'],
      failureLimit: 2,
    });
  });

  it('returns a deeply frozen policy', () => {
    const result = parsePolicy(rawStandardPolicy());
    if (!result.ok) throw new Error('expected a valid policy');
    expect(Object.isFrozen(result.policy)).toBe(true);
    expect(Object.isFrozen(result.policy.steps[0])).toBe(true);
    expect(Object.isFrozen(result.policy.analysis.metrics)).toBe(true);
  });

  it('fills every omitted default with its named constant', () => {
    const raw = rawStandardPolicy();
    delete raw.analysis.interval;
    delete raw.analysis.window;
    delete raw.analysis.minCanaryInvocations;
    delete raw.analysis.inconclusiveLimit;
    delete raw.analysis.metrics[0].failureLimit;
    raw.rollback = { onAlarms: [{ alarmName: 'a' }, { alarmName: 'b', strategy: 'staged' }] };
    const result = parsePolicy(raw);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.policy.analysis).toMatchObject({
      intervalSeconds: DEFAULT_INTERVAL_SECONDS,
      windowSeconds: DEFAULT_WINDOW_SECONDS,
      minCanaryInvocations: DEFAULT_MIN_CANARY_INVOCATIONS,
      inconclusiveLimit: DEFAULT_INCONCLUSIVE_LIMIT,
    });
    expect(result.policy.analysis.metrics[0]?.failureLimit).toBe(DEFAULT_FAILURE_LIMIT);
    expect(result.policy.rollback.onAlarms).toEqual([
      { alarmName: 'a', strategy: 'immediate', observeSeconds: DEFAULT_STAGED_OBSERVE_SECONDS },
      { alarmName: 'b', strategy: 'staged', observeSeconds: DEFAULT_STAGED_OBSERVE_SECONDS },
    ]);
    expect(result.policy.regions).toEqual([]);
  });

  it('counts 4xx only when includeClientErrors asks for them', () => {
    const result = parsePolicy({
      ...rawStandardPolicy(),
      analysis: { metrics: [{ name: 'e', type: 'errorRate', threshold: 0.1, includeClientErrors: true }] },
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.policy.analysis.metrics[0]).toMatchObject({ errorClasses: ['5xx', '4xx'] });
  });

  it('treats a bare `pause:` (null) and `pause: {}` as a pause for a person', () => {
    const result = parsePolicy({
      ...rawStandardPolicy(),
      strategy: { canary: { steps: [{ setWeight: 10 }, { pause: null }, { pause: {} }] } },
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.policy.steps.slice(1)).toEqual([
      { kind: 'pause', durationSeconds: null },
      { kind: 'pause', durationSeconds: null },
    ]);
  });

  it.each([
    ['30s', 30],
    ['10m', 600],
    ['1h', 3600],
    ['90m', 5400],
  ])('accepts the duration %s as %i seconds', (duration, seconds) => {
    const result = parsePolicy({
      ...rawStandardPolicy(),
      strategy: { canary: { steps: [{ pause: { duration } }] } },
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.policy.steps[0]).toEqual({ kind: 'pause', durationSeconds: seconds });
  });

  it.each<[string, (raw: RawDraft) => void, string]>([
    [
      'a weight above 100',
      (r) => (steps(r)[2].setWeight = 120),
      'strategy.canary.steps[2].setWeight: must be between 0 and 100',
    ],
    [
      'a negative weight',
      (r) => (steps(r)[0].setWeight = -5),
      'strategy.canary.steps[0].setWeight: must be between 0 and 100',
    ],
    [
      'a fractional weight',
      (r) => (steps(r)[0].setWeight = 2.5),
      'strategy.canary.steps[0].setWeight: must be a whole number',
    ],
    [
      'a weight given as text',
      (r) => (steps(r)[0].setWeight = '5'),
      'strategy.canary.steps[0].setWeight: must be a number',
    ],
    [
      'a fractional duration',
      (r) => (steps(r)[1].pause.duration = '1.5m'),
      'strategy.canary.steps[1].pause.duration: must be a positive whole number',
    ],
    [
      'a zero duration',
      (r) => (steps(r)[1].pause.duration = '0s'),
      'strategy.canary.steps[1].pause.duration: must be a positive whole number',
    ],
    [
      'a compound duration',
      (r) => (steps(r)[1].pause.duration = '1h30m'),
      'strategy.canary.steps[1].pause.duration: must be a positive',
    ],
    [
      'a duration in days',
      (r) => (steps(r)[1].pause.duration = '1d'),
      'strategy.canary.steps[1].pause.duration: must be a positive',
    ],
    [
      'a duration as a number',
      (r) => (steps(r)[1].pause.duration = 600),
      'strategy.canary.steps[1].pause.duration: must be a string',
    ],
    [
      'a bad interval',
      (r) => (r.analysis.interval = '1 minute'),
      'analysis.interval: must be a positive whole number',
    ],
    [
      'an interval that is not a whole number of minutes',
      (r) => (r.analysis.interval = '90s'),
      'analysis.interval: must be a whole number of minutes, got 90s',
    ],
    [
      'a window shorter than the interval',
      (r) => (r.analysis.window = '30s'),
      'analysis.window: must not be shorter than analysis.interval (30s < 60s)',
    ],
    [
      'the same baseline and canary',
      (r) => (r.endpoint.canaryVariant = 'primary'),
      'endpoint.canaryVariant: must differ from baselineVariant ("primary")',
    ],
    [
      'a variant name with an underscore',
      (r) => (r.endpoint.canaryVariant = 'canary_v2'),
      'endpoint.canaryVariant: must be letters, digits and single or repeated hyphens',
    ],
    [
      'a variant name ending in a hyphen',
      (r) => (r.endpoint.baselineVariant = 'primary-'),
      'endpoint.baselineVariant: must be letters',
    ],
    [
      'a variant name of 64 characters',
      (r) => (r.endpoint.canaryVariant = 'c'.repeat(64)),
      'endpoint.canaryVariant: must be at most 63 characters',
    ],
    [
      'an endpoint name with a dot',
      (r) => (r.endpoint.name = 'demo.endpoint'),
      'endpoint.name: must be letters',
    ],
    [
      'an unknown metric type',
      (r) => (metrics(r)[0].type = 'errorRatio'),
      'analysis.metrics[0].type: must be one of errorRate, latency, custom',
    ],
    [
      'a missing metric type',
      (r) => delete metrics(r)[0].type,
      'analysis.metrics[0].type: must be one of errorRate, latency, custom',
    ],
    [
      'duplicate metric names',
      (r) => (metrics(r)[1].name = 'error-rate'),
      'analysis.metrics[1].name: duplicate metric name "error-rate"',
    ],
    [
      'a failureLimit of 0',
      (r) => (metrics(r)[0].failureLimit = 0),
      'analysis.metrics[0].failureLimit: must be at least 1',
    ],
    [
      'a fractional failureLimit',
      (r) => (metrics(r)[0].failureLimit = 1.5),
      'analysis.metrics[0].failureLimit: must be a whole number',
    ],
    [
      'an unknown region',
      (r) => (r.endpoint.region = 'us-east-9'),
      'endpoint.region: unknown AWS region "us-east-9"',
    ],
    ['an unknown key at the top', (r) => (r.regoins = []), 'regoins: unknown key'],
    [
      'an unknown key in a metric',
      (r) => (metrics(r)[0].treshold = 0.05),
      'analysis.metrics[0].treshold: unknown key',
    ],
    [
      'an unknown key in a step',
      (r) => (steps(r)[0].weight = 5),
      'strategy.canary.steps[0].weight: unknown key',
    ],
    [
      'an unknown key in a pause',
      (r) => (steps(r)[1].pause.durration = '1m'),
      'strategy.canary.steps[1].pause.durration: unknown key',
    ],
    ['an unknown key in the endpoint', (r) => (r.endpoint.variant = 'x'), 'endpoint.variant: unknown key'],
    [
      'a step that is neither setWeight nor pause',
      (r) => steps(r).push({ analysis: {} }),
      'strategy.canary.steps[6]: must be either { setWeight: <percent> } or { pause:',
    ],
    [
      'a step that is both setWeight and pause',
      (r) => (steps(r)[0].pause = {}),
      'strategy.canary.steps[0].pause: unknown key',
    ],
    ['a step that is not an object', (r) => steps(r).push(5), 'strategy.canary.steps[6]: must be either'],
    ['no steps', (r) => (r.strategy.canary.steps = []), 'strategy.canary.steps: must hold at least one step'],
    ['no metrics', (r) => (r.analysis.metrics = []), 'analysis.metrics: must hold at least one metric'],
    [
      'a wrong apiVersion',
      (r) => (r.apiVersion = 'rollout-watchdog/v2'),
      'apiVersion: must be rollout-watchdog/v1',
    ],
    ['a missing apiVersion', (r) => delete r.apiVersion, 'apiVersion: must be rollout-watchdog/v1'],
    ['a missing endpoint', (r) => delete r.endpoint, 'endpoint: is required'],
    [
      'an errorRate metric judging nothing',
      (r) => (metrics(r)[0] = { name: 'e', type: 'errorRate' }),
      'analysis.metrics[0]: an errorRate metric needs threshold or maxIncrease',
    ],
    [
      'a threshold given in percent',
      (r) => (metrics(r)[0].threshold = 5),
      'analysis.metrics[0].threshold: must be a fraction between 0 and 1',
    ],
    [
      'a negative maxIncrease',
      (r) => (metrics(r)[0].maxIncrease = -0.01),
      'analysis.metrics[0].maxIncrease: must be a fraction between 0 and 1',
    ],
    [
      'a latency metric judging nothing',
      (r) => (metrics(r)[1] = { name: 'l', type: 'latency', statistic: 'p99' }),
      'analysis.metrics[1]: a latency metric needs thresholdMs or maxIncreasePct',
    ],
    [
      'an unknown latency statistic',
      (r) => (metrics(r)[1].statistic = 'p95'),
      'analysis.metrics[1].statistic: must be one of avg, p50, p90, p99',
    ],
    [
      'a zero thresholdMs',
      (r) => (metrics(r)[1].thresholdMs = 0),
      'analysis.metrics[1].thresholdMs: must be greater than 0',
    ],
    [
      'a custom metric judging nothing',
      (r) =>
        metrics(r).push({ name: 'q', type: 'custom', namespace: 'N', metricName: 'M', statistic: 'Average' }),
      'analysis.metrics[2]: a custom metric needs min or max',
    ],
    [
      'a custom metric with min above max',
      (r) =>
        metrics(r).push({
          name: 'q',
          type: 'custom',
          namespace: 'N',
          metricName: 'M',
          statistic: 'Average',
          min: 2,
          max: 1,
        }),
      'analysis.metrics[2].min: must not be greater than max (2 > 1)',
    ],
    [
      'a custom metric with an unknown statistic',
      (r) =>
        metrics(r).push({
          name: 'q',
          type: 'custom',
          namespace: 'N',
          metricName: 'M',
          statistic: 'Mean',
          max: 1,
        }),
      'analysis.metrics[2].statistic: must be a CloudWatch statistic',
    ],
    [
      'a custom metric without a namespace',
      (r) => metrics(r).push({ name: 'q', type: 'custom', metricName: 'M', statistic: 'Average', max: 1 }),
      'analysis.metrics[2].namespace: is required',
    ],
    [
      'a negative minCanaryInvocations',
      (r) => (r.analysis.minCanaryInvocations = -1),
      'analysis.minCanaryInvocations: must be 0 or more',
    ],
    [
      'a fractional minCanaryInvocations',
      (r) => (r.analysis.minCanaryInvocations = 10.5),
      'analysis.minCanaryInvocations: must be a whole number',
    ],
    [
      'an inconclusiveLimit of 0',
      (r) => (r.analysis.inconclusiveLimit = 0),
      'analysis.inconclusiveLimit: must be at least 1',
    ],
    [
      'duplicate alarm names',
      (r) => r.rollback.onAlarms.push({ alarmName: 'demo-canary-5xx', strategy: 'staged' }),
      'rollback.onAlarms[1].alarmName: duplicate alarm "demo-canary-5xx"',
    ],
    [
      'an unknown rollback strategy',
      (r) => (r.rollback.onAlarms[0].strategy = 'gradual'),
      'rollback.onAlarms[0].strategy: must be one of immediate, staged',
    ],
    [
      'observe on an immediate alarm',
      (r) => (r.rollback.onAlarms[0].observe = '5m'),
      'rollback.onAlarms[0].observe: only applies to strategy staged',
    ],
    [
      'a bad observe duration',
      (r) => (r.rollback.onAlarms[0] = { alarmName: 'a', strategy: 'staged', observe: '5 min' }),
      'rollback.onAlarms[0].observe: must be a positive whole number',
    ],
    [
      'a region that repeats the primary',
      (r) => (r.regions = [{ region: 'us-east-1', endpointName: 'demo-endpoint' }]),
      'regions[0]: repeats the primary endpoint demo-endpoint in us-east-1',
    ],
    [
      'a duplicate region target',
      (r) =>
        (r.regions = [
          { region: 'eu-west-1', endpointName: 'dr' },
          { region: 'eu-west-1', endpointName: 'dr' },
        ]),
      'regions[1]: duplicate region target dr in eu-west-1',
    ],
    [
      'an unknown region target region',
      (r) => (r.regions = [{ region: 'eu-west-9', endpointName: 'dr' }]),
      'regions[0].region: unknown AWS region "eu-west-9"',
    ],
    [
      'a region target with a bad endpoint name',
      (r) => (r.regions = [{ region: 'eu-west-1', endpointName: 'dr_1' }]),
      'regions[0].endpointName: must be letters',
    ],
  ])('refuses %s', (_case, edit, expected) => {
    const problems = problemsOf(edit);
    expect(
      problems.some((problem) => problem.startsWith(expected)),
      `problems were:\n${problems.join('\n')}`,
    ).toBe(true);
  });

  it('lists every problem at once, by path', () => {
    const problems = problemsOf((raw) => {
      steps(raw)[2].setWeight = 120;
      raw.analysis.window = '30s';
      metrics(raw)[0].treshold = 0.05;
      raw.endpoint.region = 'mars-1';
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'strategy.canary.steps[2].setWeight: must be between 0 and 100',
        'analysis.window: must not be shorter than analysis.interval (30s < 60s)',
        'analysis.metrics[0].treshold: unknown key',
        'endpoint.region: unknown AWS region "mars-1"',
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  describe('steps that go back or repeat', () => {
    const withWeights = (...weights: number[]) =>
      parsePolicy({
        ...rawStandardPolicy(),
        strategy: {
          canary: { steps: weights.flatMap((setWeight) => [{ setWeight }, { pause: { duration: '1m' } }]) },
        },
      });

    it('gives a rising plan no warning', () => {
      expect(withWeights(5, 20, 50, 100)).toMatchObject({ ok: true, warnings: [] });
    });

    it.each<[string, number[], string]>([
      [
        'a weight lower than the step before',
        [5, 3],
        "strategy.canary.steps[2].setWeight: 3 is lower than the 5 of steps[0], so the canary's share goes back",
      ],
      [
        'a repeated weight',
        [5, 5],
        'strategy.canary.steps[2].setWeight: repeats the 5 of steps[0], so this step changes nothing',
      ],
      [
        'a first step at 0 %',
        [0, 10],
        'strategy.canary.steps[0].setWeight: the first step gives the canary no traffic, so every judgement is inconclusive until the next setWeight',
      ],
    ])('accepts %s with a warning', (_, weights, warning) => {
      const result = withWeights(...weights);
      if (!result.ok) throw new Error(result.problems.join('\n'));
      expect(result.warnings).toEqual([warning]);
    });

    it.each([
      [[5, 0, 20], 2],
      [[5, 20, 0], 4],
    ])('refuses a 0 %% step after the first (%j)', (weights, index) => {
      expect(withWeights(...weights)).toEqual({
        ok: false,
        problems: [
          `strategy.canary.steps[${index}].setWeight: must be above 0 after the first step (the canary would serve nothing while the plan goes on; use rollback or abort to take its traffic away)`,
        ],
      });
    });
  });

  it.each([null, 42, 'apiVersion: rollout-watchdog/v1', []])('refuses %j as a whole', (raw) => {
    expect(parsePolicy(raw)).toEqual({ ok: false, problems: ['(policy): must be an object'] });
  });

  it.each(['us-gov-west-1', 'cn-northwest-1', 'ap-southeast-5', 'il-central-1'])(
    'knows the region %s',
    (region) => {
      expect(problemsOf((raw) => (raw.endpoint.region = region))).toEqual([]);
    },
  );
});

describe('describePolicy', () => {
  it('summarises the plan on one line', () => {
    const result = parsePolicy({
      ...rawStandardPolicy(),
      regions: [{ region: 'us-west-2', endpointName: 'demo-dr' }],
      strategy: {
        canary: {
          steps: [{ setWeight: 5 }, { pause: { duration: '10m' } }, { setWeight: 20 }, { pause: {} }],
        },
      },
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(describePolicy(result.policy)).toBe(
      'demo-endpoint (us-east-1): primary -> canary 5% > pause 10m > 20% > pause until resumed > promote; judged every 1m over 5m; 2 metrics; 1 alarm; then 1 region; baseline retired 10m after promotion, canary removed 30m after a rollback',
    );
  });
});
