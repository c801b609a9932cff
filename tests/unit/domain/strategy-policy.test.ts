import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BLUE_GREEN_BAKE_SECONDS,
  DEFAULT_BLUE_GREEN_WAIT_INTERVAL_SECONDS,
  DEFAULT_HOOK_FAILURE_LIMIT,
  DEFAULT_HOOK_RETRIES,
  DEFAULT_HOOK_TIMEOUT_SECONDS,
  describePolicy,
  parsePolicy,
  type RolloutPolicy,
} from '../../../shared/domain/index';
import { parsePolicyText } from '../../../shared/events/policy-text';
import { describeHook } from '../../../shared/wording/describe-policy';
import { type RawDraft, rawStandardPolicy } from '../../fixtures/policies/policy-fixtures';

const repo = join(import.meta.dirname, '../../..');

/** The standard policy with `strategy` replaced by a blue/green plan (routing canary 20 % unless edited). */
function rawBlueGreenPolicy(blueGreen: RawDraft = {}): RawDraft {
  const raw = rawStandardPolicy();
  raw.strategy = {
    blueGreen: { trafficRouting: { type: 'canary', size: { capacityPercent: 20 } }, ...blueGreen },
  };
  return raw;
}

/** The standard policy with one hook (a Lambda gate before each step unless edited). */
function rawWithHook(hook: RawDraft): RawDraft {
  return {
    ...rawStandardPolicy(),
    hooks: [{ name: 'load-test', at: 'beforeStep', lambda: 'gate-fn', ...hook }],
  };
}

function policyOf(raw: unknown): RolloutPolicy {
  const result = parsePolicy(raw);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.policy;
}

const problemsOf = (raw: unknown): string[] => {
  const result = parsePolicy(raw);
  return result.ok ? [] : result.problems;
};

describe('strategy: exactly one of canary or blueGreen', () => {
  it('leaves a policy without the new fields as it was: steps, and no shadow, blueGreen or hooks', () => {
    const policy = policyOf(rawStandardPolicy());
    expect(policy.steps).toHaveLength(6);
    expect(policy).not.toHaveProperty('shadow');
    expect(policy).not.toHaveProperty('blueGreen');
    expect(policy).not.toHaveProperty('hooks');
  });

  it.each<[string, RawDraft, string]>([
    [
      'both',
      { canary: { steps: [{ setWeight: 5 }] }, blueGreen: {} },
      'strategy: must hold one of canary or blueGreen, not both',
    ],
    ['neither', {}, 'strategy: must hold one of canary or blueGreen'],
  ])('refuses a strategy with %s at `strategy`', (_, strategy, problem) => {
    expect(problemsOf({ ...rawStandardPolicy(), strategy })).toEqual([problem]);
  });

  it('still reports an unknown strategy key by its path', () => {
    expect(
      problemsOf({ ...rawStandardPolicy(), strategy: { canary: { steps: [{ setWeight: 5 }] }, blue: {} } }),
    ).toEqual(['strategy.blue: unknown key']);
  });
});

describe('strategy.canary.shadow', () => {
  it('normalises the shadow phase and keeps the steps', () => {
    const raw = rawStandardPolicy();
    raw.strategy.canary.shadow = { samplingPercent: 20, duration: '30m' };
    const policy = policyOf(raw);
    expect(policy.shadow).toEqual({ samplingPercent: 20, durationSeconds: 1800 });
    expect(policy.steps).toHaveLength(6);
  });

  it.each([1, 100])('accepts a sampling of %i percent', (samplingPercent) => {
    const raw = rawStandardPolicy();
    raw.strategy.canary.shadow = { samplingPercent, duration: '10m' };
    expect(problemsOf(raw)).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    [
      'a sampling of 0',
      { samplingPercent: 0, duration: '10m' },
      'strategy.canary.shadow.samplingPercent: must be between 1 and 100',
    ],
    [
      'a sampling above 100',
      { samplingPercent: 101, duration: '10m' },
      'strategy.canary.shadow.samplingPercent: must be between 1 and 100',
    ],
    [
      'a fractional sampling',
      { samplingPercent: 2.5, duration: '10m' },
      'strategy.canary.shadow.samplingPercent: must be a whole number',
    ],
    ['no sampling', { duration: '10m' }, 'strategy.canary.shadow.samplingPercent: is required'],
    ['no duration', { samplingPercent: 20 }, 'strategy.canary.shadow.duration: is required'],
    [
      'a duration of 0s',
      { samplingPercent: 20, duration: '0s' },
      'strategy.canary.shadow.duration: must be a positive whole number followed by s, m or h (e.g. 30s, 10m, 1h)',
    ],
    [
      'a duration shorter than the analysis interval',
      { samplingPercent: 20, duration: '30s' },
      'strategy.canary.shadow.duration: must not be shorter than analysis.interval (30s < 60s)',
    ],
    [
      'an unknown key',
      { samplingPercent: 20, duration: '10m', weight: 5 },
      'strategy.canary.shadow.weight: unknown key',
    ],
    ['a list', [{ samplingPercent: 20 }], 'strategy.canary.shadow: must be an object'],
  ])('refuses %s', (_, shadow, problem) => {
    const raw = rawStandardPolicy();
    raw.strategy.canary.shadow = shadow;
    expect(problemsOf(raw)).toEqual([problem]);
  });
});

describe('strategy.blueGreen', () => {
  it('normalises a canary routing with the defaults, and has no steps', () => {
    const policy = policyOf(rawBlueGreenPolicy());
    expect(policy.steps).toEqual([]);
    expect(policy.blueGreen).toEqual({
      routing: {
        type: 'canary',
        size: { unit: 'capacityPercent', value: 20 },
        waitSeconds: DEFAULT_BLUE_GREEN_WAIT_INTERVAL_SECONDS,
      },
      bakeSeconds: DEFAULT_BLUE_GREEN_BAKE_SECONDS,
      alarms: [],
    });
  });

  it('takes SageMaker all-at-once routing and the defaults from an empty section', () => {
    expect(policyOf({ ...rawStandardPolicy(), strategy: { blueGreen: {} } }).blueGreen).toEqual({
      routing: { type: 'allAtOnce', waitSeconds: DEFAULT_BLUE_GREEN_WAIT_INTERVAL_SECONDS },
      bakeSeconds: DEFAULT_BLUE_GREEN_BAKE_SECONDS,
      alarms: [],
    });
  });

  it.each<[string, RawDraft, NonNullable<RolloutPolicy['blueGreen']>]>([
    [
      'linear by instances, no wait, no bake, a timeout and alarms',
      {
        trafficRouting: { type: 'linear', size: { instanceCount: 2 }, waitInterval: '0s' },
        bake: '0s',
        maximumExecutionTimeout: '2h',
        alarms: ['fraud-5xx', 'fraud-latency'],
      },
      {
        routing: { type: 'linear', size: { unit: 'instanceCount', value: 2 }, waitSeconds: 0 },
        bakeSeconds: 0,
        maximumExecutionTimeoutSeconds: 7200,
        alarms: ['fraud-5xx', 'fraud-latency'],
      },
    ],
    [
      'all at once held 1h, baked 1h, timeout 8h',
      {
        trafficRouting: { type: 'allAtOnce', waitInterval: '1h' },
        bake: '60m',
        maximumExecutionTimeout: '8h',
      },
      {
        routing: { type: 'allAtOnce', waitSeconds: 3600 },
        bakeSeconds: 3600,
        maximumExecutionTimeoutSeconds: 28_800,
        alarms: [],
      },
    ],
    [
      'a canary of 50 % (its largest), a timeout of 10m (its shortest)',
      {
        trafficRouting: { type: 'canary', size: { capacityPercent: 50 }, waitInterval: '1m' },
        bake: '1m',
        maximumExecutionTimeout: '10m',
      },
      {
        routing: { type: 'canary', size: { unit: 'capacityPercent', value: 50 }, waitSeconds: 60 },
        bakeSeconds: 60,
        maximumExecutionTimeoutSeconds: 600,
        alarms: [],
      },
    ],
    [
      'linear steps of 10 % (its smallest)',
      { trafficRouting: { type: 'linear', size: { capacityPercent: 10 } } },
      {
        routing: { type: 'linear', size: { unit: 'capacityPercent', value: 10 }, waitSeconds: 300 },
        bakeSeconds: 600,
        alarms: [],
      },
    ],
  ])('accepts %s', (_, blueGreen, expected) => {
    expect(policyOf(rawBlueGreenPolicy(blueGreen)).blueGreen).toEqual(expected);
  });

  it('accepts rollback.onAlarms and regions beside it', () => {
    const raw = rawBlueGreenPolicy();
    raw.regions = [{ region: 'us-west-2', endpointName: 'demo-dr' }];
    expect(problemsOf(raw)).toEqual([]);
  });

  const at = 'strategy.blueGreen';
  it.each<[string, RawDraft, string]>([
    [
      'a linear step above 50 %',
      { trafficRouting: { type: 'linear', size: { capacityPercent: 60 } } },
      `${at}.trafficRouting.size.capacityPercent: must be between 10 and 50`,
    ],
    [
      'a linear step below 10 %',
      { trafficRouting: { type: 'linear', size: { capacityPercent: 5 } } },
      `${at}.trafficRouting.size.capacityPercent: must be between 10 and 50`,
    ],
    [
      'a canary above 50 %',
      { trafficRouting: { type: 'canary', size: { capacityPercent: 51 } } },
      `${at}.trafficRouting.size.capacityPercent: must be between 1 and 50`,
    ],
    [
      'a canary of 0 %',
      { trafficRouting: { type: 'canary', size: { capacityPercent: 0 } } },
      `${at}.trafficRouting.size.capacityPercent: must be between 1 and 50`,
    ],
    [
      'a fractional percent',
      { trafficRouting: { type: 'canary', size: { capacityPercent: 12.5 } } },
      `${at}.trafficRouting.size.capacityPercent: must be a whole number`,
    ],
    [
      'no instances',
      { trafficRouting: { type: 'canary', size: { instanceCount: 0 } } },
      `${at}.trafficRouting.size.instanceCount: must be at least 1`,
    ],
    [
      'a size in both units',
      { trafficRouting: { type: 'canary', size: { capacityPercent: 10, instanceCount: 1 } } },
      `${at}.trafficRouting.size: must hold exactly one of capacityPercent or instanceCount`,
    ],
    [
      'a size in no unit',
      { trafficRouting: { type: 'linear', size: {} } },
      `${at}.trafficRouting.size: must hold exactly one of capacityPercent or instanceCount`,
    ],
    [
      'a canary without a size',
      { trafficRouting: { type: 'canary' } },
      `${at}.trafficRouting.size: is required for type canary (the first share: { capacityPercent: N } or { instanceCount: N })`,
    ],
    [
      'a linear routing without a size',
      { trafficRouting: { type: 'linear' } },
      `${at}.trafficRouting.size: is required for type linear (the share of each step: { capacityPercent: N } or { instanceCount: N })`,
    ],
    [
      'a size for all at once',
      { trafficRouting: { type: 'allAtOnce', size: { capacityPercent: 10 } } },
      `${at}.trafficRouting.size: only applies to type canary or linear (allAtOnce shifts all traffic at once)`,
    ],
    [
      'an unknown routing type',
      { trafficRouting: { type: 'rolling' } },
      `${at}.trafficRouting.type: must be one of allAtOnce, canary, linear`,
    ],
    [
      'a routing without a type',
      { trafficRouting: { waitInterval: '5m' } },
      `${at}.trafficRouting.type: must be one of allAtOnce, canary, linear`,
    ],
    [
      'a wait interval above 1h',
      { trafficRouting: { type: 'allAtOnce', waitInterval: '61m' } },
      `${at}.trafficRouting.waitInterval: must be a duration from 0s to 1h (a whole number and s, m or h)`,
    ],
    [
      'a wait interval that is not a duration',
      { trafficRouting: { type: 'allAtOnce', waitInterval: 300 } },
      `${at}.trafficRouting.waitInterval: must be a string`,
    ],
    [
      'a bake above 1h',
      { bake: '2h' },
      `${at}.bake: must be a duration from 0s to 1h (a whole number and s, m or h)`,
    ],
    [
      'a timeout below 10m',
      { maximumExecutionTimeout: '9m' },
      `${at}.maximumExecutionTimeout: must be a duration from 10m to 8h (a whole number and s, m or h)`,
    ],
    [
      'a timeout above 8h',
      { maximumExecutionTimeout: '481m' },
      `${at}.maximumExecutionTimeout: must be a duration from 10m to 8h (a whole number and s, m or h)`,
    ],
    [
      'a timeout within the wait interval and bake',
      { maximumExecutionTimeout: '15m' },
      `${at}.maximumExecutionTimeout: must be longer than waitInterval + bake (900s <= 900s)`,
    ],
    ['a duplicate alarm', { alarms: ['a', 'b', 'a'] }, `${at}.alarms[2]: duplicate alarm "a"`],
    ['an empty alarm name', { alarms: [''] }, `${at}.alarms[0]: must not be empty`],
    [
      'ten alarms',
      { alarms: Array.from({ length: 10 }, (_, i) => `alarm-${i}`) },
      `${at}.alarms: must hold at most 9 alarms (SageMaker takes 10, one is the watchdog's verdict alarm)`,
    ],
    ['steps', { steps: [{ setWeight: 5 }] }, `${at}.steps: unknown key`],
    ['a shadow', { shadow: { samplingPercent: 20, duration: '10m' } }, `${at}.shadow: unknown key`],
  ])('refuses %s', (_, blueGreen, problem) => {
    expect(problemsOf(rawBlueGreenPolicy(blueGreen))).toEqual([problem]);
  });

  it('lists every problem of a blue/green plan at once, by path', () => {
    const raw = rawBlueGreenPolicy({
      trafficRouting: { type: 'linear', size: { capacityPercent: 60 }, waitInterval: '2h' },
      bake: '0s',
      maximumExecutionTimeout: '5m',
      alarms: ['a', 'a'],
    });
    expect(problemsOf(raw).sort()).toEqual(
      [
        `${at}.trafficRouting.size.capacityPercent: must be between 10 and 50`,
        `${at}.trafficRouting.waitInterval: must be a duration from 0s to 1h (a whole number and s, m or h)`,
        `${at}.maximumExecutionTimeout: must be a duration from 10m to 8h (a whole number and s, m or h)`,
        `${at}.alarms[1]: duplicate alarm "a"`,
      ].sort(),
    );
  });
});

describe('hooks', () => {
  it('fills every omitted default with its named constant, and turns one point into a list', () => {
    expect(policyOf(rawWithHook({})).hooks).toEqual([
      {
        name: 'load-test',
        at: ['beforeStep'],
        kind: 'gate',
        target: { type: 'lambda', functionName: 'gate-fn' },
        timeoutSeconds: DEFAULT_HOOK_TIMEOUT_SECONDS,
        retries: DEFAULT_HOOK_RETRIES,
        failureLimit: DEFAULT_HOOK_FAILURE_LIMIT,
        onFailure: 'rollback',
      },
    ]);
  });

  it.each<[string, RawDraft, Partial<NonNullable<RolloutPolicy['hooks']>[number]>]>([
    [
      'a signed URL with its own timeout, retries and limit',
      {
        lambda: undefined,
        url: 'https://ci.example.com/hooks/load-test',
        secret: '/rollout-watchdog/hooks/load-test',
        timeout: '1m',
        retries: 0,
        failureLimit: 1,
        onFailure: 'pause',
      },
      {
        target: {
          type: 'https',
          url: 'https://ci.example.com/hooks/load-test',
          secretParameter: '/rollout-watchdog/hooks/load-test',
        },
        timeoutSeconds: 60,
        retries: 0,
        failureLimit: 1,
        onFailure: 'pause',
      },
    ],
    [
      'an unsigned URL on localhost (local testing)',
      { lambda: undefined, url: 'http://localhost:4566/hooks/load-test', retries: 5 },
      { target: { type: 'https', url: 'http://localhost:4566/hooks/load-test' }, retries: 5 },
    ],
    [
      'http to 127.0.0.1',
      { lambda: undefined, url: 'http://127.0.0.1:8080/gate' },
      { target: { type: 'https', url: 'http://127.0.0.1:8080/gate' } },
    ],
    [
      'a Lambda ARN with an alias',
      { lambda: 'arn:aws:lambda:us-east-1:123456789012:function:gate-fn:live' },
      {
        target: {
          type: 'lambda',
          functionName: 'arn:aws:lambda:us-east-1:123456789012:function:gate-fn:live',
        },
      },
    ],
    [
      'a list of gate points',
      { at: ['beforeStart', 'beforeStep', 'beforePromotion'] },
      { at: ['beforeStart', 'beforeStep', 'beforePromotion'] },
    ],
    [
      'a notify hook after the end and on rollback',
      { at: ['afterEnd', 'onRollback'], type: 'notify' },
      { at: ['afterEnd', 'onRollback'], kind: 'notify' },
    ],
  ])('accepts %s', (_, hook, expected) => {
    const [normalised] = policyOf(rawWithHook(hook)).hooks ?? [];
    expect(normalised).toMatchObject(expected);
  });

  it('accepts an empty list, and keeps it', () => {
    expect(policyOf({ ...rawStandardPolicy(), hooks: [] }).hooks).toEqual([]);
  });

  it('accepts a gate before a blue/green deployment starts, and notify hooks after it', () => {
    const raw = rawBlueGreenPolicy();
    raw.hooks = [
      { name: 'change-ticket', at: 'beforeStart', lambda: 'ticket' },
      { name: 'audit', at: ['afterEnd', 'onRollback'], type: 'notify', lambda: 'audit' },
    ];
    expect(problemsOf(raw)).toEqual([]);
  });

  it.each<[string, RawDraft, string]>([
    ['an empty list of points', { at: [] }, 'hooks[0].at: must not be empty'],
    ['an empty point', { at: '' }, 'hooks[0].at: must not be empty'],
    ['no points', { at: undefined }, 'hooks[0].at: is required'],
    [
      'an unknown point',
      { at: 'beforeLunch' },
      'hooks[0].at: must be one of beforeStart, beforeStep, beforePromotion, afterEnd, onRollback, or a list of them',
    ],
    [
      'an unknown point in a list',
      { at: ['beforeStep', 'afterStep'] },
      'hooks[0].at[1]: must be one of beforeStart, beforeStep, beforePromotion, afterEnd, onRollback',
    ],
    ['a repeated point', { at: ['beforeStep', 'beforeStep'] }, 'hooks[0].at[1]: repeats beforeStep'],
    [
      'points of another type',
      { at: { beforeStep: true } },
      'hooks[0].at: must be one of beforeStart, beforeStep, beforePromotion, afterEnd, onRollback, or a list of them',
    ],
    [
      'a gate after the end',
      { at: 'afterEnd' },
      'hooks[0].type: must be notify for a hook at afterEnd (nothing is left to hold there; type defaults to gate)',
    ],
    [
      'a gate on rollback and after the end',
      { at: ['beforeStep', 'onRollback', 'afterEnd'], type: 'gate' },
      'hooks[0].type: must be notify for a hook at onRollback, afterEnd (nothing is left to hold there; type defaults to gate)',
    ],
    ['an unknown type', { type: 'blocking' }, 'hooks[0].type: must be one of gate, notify'],
    [
      'a plain http URL elsewhere',
      { lambda: undefined, url: 'http://ci.example.com/hook' },
      'hooks[0].url: must be an https URL (plain http only to localhost or 127.0.0.1, for local testing)',
    ],
    [
      'something that is not a URL',
      { lambda: undefined, url: 'ci.example.com/hook' },
      'hooks[0].url: must be an https URL (plain http only to localhost or 127.0.0.1, for local testing)',
    ],
    [
      'both url and lambda',
      { url: 'https://ci.example.com/hook' },
      'hooks[0]: must have exactly one of url or lambda, not both',
    ],
    ['neither url nor lambda', { lambda: undefined }, 'hooks[0]: needs url or lambda (what to call)'],
    [
      'a malformed Lambda name',
      { lambda: 'gate fn' },
      'hooks[0].lambda: must be a Lambda function name or ARN',
    ],
    [
      'a secret for a Lambda hook',
      { secret: '/rollout-watchdog/hooks/x' },
      'hooks[0].secret: only applies to url hooks (a Lambda function is invoked with IAM)',
    ],
    [
      'a malformed secret name',
      { lambda: undefined, url: 'https://ci.example.com/hook', secret: 'my secret' },
      'hooks[0].secret: must be an SSM parameter name such as /rollout-watchdog/hooks/load-test',
    ],
    [
      'an upper-case name',
      { name: 'LoadTest' },
      'hooks[0].name: must be lower-case letters, digits and hyphens',
    ],
    ['an empty name', { name: '' }, 'hooks[0].name: must not be empty'],
    ['a long name', { name: 'a'.repeat(65) }, 'hooks[0].name: must be at most 64 characters'],
    [
      'a timeout above 1m',
      { timeout: '61s' },
      'hooks[0].timeout: must be a duration from 1s to 1m (a whole number and s, m or h)',
    ],
    [
      'a timeout of 0s',
      { timeout: '0s' },
      'hooks[0].timeout: must be a duration from 1s to 1m (a whole number and s, m or h)',
    ],
    ['six retries', { retries: 6 }, 'hooks[0].retries: must be between 0 and 5'],
    ['negative retries', { retries: -1 }, 'hooks[0].retries: must be between 0 and 5'],
    ['a failure limit of 0', { failureLimit: 0 }, 'hooks[0].failureLimit: must be at least 1'],
    ['an unknown onFailure', { onFailure: 'abort' }, 'hooks[0].onFailure: must be one of rollback, pause'],
    [
      'a failure limit on a notify hook',
      { type: 'notify', failureLimit: 3 },
      'hooks[0].failureLimit: only applies to type gate (a notify hook never holds the rollout)',
    ],
    [
      'onFailure on a notify hook',
      { type: 'notify', onFailure: 'pause' },
      'hooks[0].onFailure: only applies to type gate (a notify hook never holds the rollout)',
    ],
    ['an unknown key', { retry: 3 }, 'hooks[0].retry: unknown key'],
  ])('refuses %s', (_, hook, problem) => {
    expect(problemsOf(rawWithHook(hook))).toEqual([problem]);
  });

  it('refuses hooks that are not a list', () => {
    expect(problemsOf({ ...rawStandardPolicy(), hooks: { name: 'x' } })).toEqual(['hooks: must be a list']);
  });

  it('refuses a duplicate hook name', () => {
    const raw = rawStandardPolicy();
    raw.hooks = [
      { name: 'load-test', at: 'beforeStep', lambda: 'a' },
      { name: 'load-test', at: 'beforePromotion', lambda: 'b' },
    ];
    expect(problemsOf(raw)).toEqual(['hooks[1].name: duplicate hook name "load-test"']);
  });

  it.each([
    ['beforeStep', 'hooks[0].at'],
    [['beforeStart', 'beforePromotion'], 'hooks[0].at[1]'],
  ])('refuses a hook at %j of a blue/green plan, by its path', (at, path) => {
    const raw = rawBlueGreenPolicy();
    raw.hooks = [{ name: 'load-test', at, lambda: 'gate-fn' }];
    const point = Array.isArray(at) ? at[1] : at;
    expect(problemsOf(raw)).toEqual([
      `${path}: ${point} does not apply to strategy.blueGreen (SageMaker shifts its traffic itself and cannot be held between shifts; use beforeStart)`,
    ]);
  });

  it('lists every problem of the hooks at once, by path', () => {
    const raw = rawStandardPolicy();
    raw.hooks = [
      { name: 'load-test', at: [], url: 'http://example.com/x' },
      { name: 'load-test', at: ['afterEnd', 'nowhere'], lambda: 'fn', url: 'https://x.example.com' },
      { name: 'audit', at: 'onRollback', type: 'notify', failureLimit: 3, retries: 9 },
    ];
    expect(problemsOf(raw).sort()).toEqual(
      [
        'hooks[0].url: must be an https URL (plain http only to localhost or 127.0.0.1, for local testing)',
        'hooks[0].at: must not be empty',
        'hooks[1].name: duplicate hook name "load-test"',
        'hooks[1].at[1]: must be one of beforeStart, beforeStep, beforePromotion, afterEnd, onRollback',
        'hooks[1].type: must be notify for a hook at afterEnd (nothing is left to hold there; type defaults to gate)',
        'hooks[1]: must have exactly one of url or lambda, not both',
        'hooks[2].retries: must be between 0 and 5',
        'hooks[2]: needs url or lambda (what to call)',
        'hooks[2].failureLimit: only applies to type gate (a notify hook never holds the rollout)',
      ].sort(),
    );
  });
});

describe('any valid strategy policy', () => {
  const duration = fc.oneof(
    fc.integer({ min: 1, max: 59 }).map((n) => `${n}s`),
    fc.integer({ min: 1, max: 59 }).map((n) => `${n}m`),
    fc.constant('1h'),
  );
  const zeroOrDuration = fc.oneof(fc.constant('0s'), duration);
  const routing = fc.oneof(
    fc.record({ type: fc.constant('allAtOnce') }, { requiredKeys: ['type'] }),
    fc.record({
      type: fc.constant('canary'),
      size: fc.oneof(
        fc.record({ capacityPercent: fc.integer({ min: 1, max: 50 }) }),
        fc.record({ instanceCount: fc.integer({ min: 1, max: 20 }) }),
      ),
    }),
    fc.record({
      type: fc.constant('linear'),
      size: fc.oneof(
        fc.record({ capacityPercent: fc.integer({ min: 10, max: 50 }) }),
        fc.record({ instanceCount: fc.integer({ min: 1, max: 20 }) }),
      ),
    }),
  );
  const blueGreen = fc.record(
    {
      trafficRouting: fc
        .tuple(routing, fc.option(zeroOrDuration, { nil: undefined }))
        .map(([r, waitInterval]) => (waitInterval === undefined ? r : { ...r, waitInterval })),
      bake: zeroOrDuration,
      // Above 2h, always longer than the longest wait interval plus the longest bake.
      maximumExecutionTimeout: fc.integer({ min: 121, max: 480 }).map((n) => `${n}m`),
      alarms: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), { maxLength: 9 }),
    },
    { requiredKeys: [] },
  );
  const canary = fc.record(
    {
      steps: fc.array(
        fc.oneof(fc.record({ setWeight: fc.integer({ min: 1, max: 100 }) }), fc.constant({ pause: {} })),
        {
          minLength: 1,
          maxLength: 6,
        },
      ),
      shadow: fc.record({
        samplingPercent: fc.integer({ min: 1, max: 100 }),
        duration: fc.integer({ min: 1, max: 120 }).map((n) => `${n}m`),
      }),
    },
    { requiredKeys: ['steps'] },
  );
  const notifyPoint = fc.constantFrom('afterEnd', 'onRollback');
  const hook = (blueGreenPlan: boolean) =>
    fc
      .record({
        gate: fc.boolean(),
        points: fc.uniqueArray(
          fc.constantFrom(
            ...(blueGreenPlan ? ['beforeStart'] : ['beforeStart', 'beforeStep', 'beforePromotion']),
          ),
          { minLength: 1 },
        ),
        notifyPoints: fc.uniqueArray(notifyPoint),
        lambda: fc.boolean(),
        timeout: fc.option(
          fc.integer({ min: 1, max: 60 }).map((n) => `${n}s`),
          { nil: undefined },
        ),
        retries: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
      })
      .map(({ gate, points, notifyPoints, lambda, timeout, retries }) => ({
        at: gate ? points : [...points, ...notifyPoints],
        type: gate ? 'gate' : 'notify',
        ...(lambda ? { lambda: 'hook-fn' } : { url: 'https://hooks.example.com/x' }),
        ...(timeout === undefined ? {} : { timeout }),
        ...(retries === undefined ? {} : { retries }),
      }));
  const strategyPolicy = fc.boolean().chain((isBlueGreen) =>
    fc.record({
      strategy: isBlueGreen ? blueGreen.map((b) => ({ blueGreen: b })) : canary.map((c) => ({ canary: c })),
      hooks: fc.option(fc.array(hook(isBlueGreen), { maxLength: 4 }), { nil: undefined }),
    }),
  );

  it('parses, and normalises to steps [] exactly when it is blue/green', () => {
    fc.assert(
      fc.property(strategyPolicy, ({ strategy, hooks }) => {
        const raw = {
          ...rawStandardPolicy(),
          strategy,
          ...(hooks === undefined ? {} : { hooks: hooks.map((h, i) => ({ name: `hook-${i}`, ...h })) }),
        };
        const result = parsePolicy(raw);
        if (!result.ok) throw new Error(result.problems.join('\n'));
        const { policy } = result;
        const isBlueGreen = 'blueGreen' in strategy;
        expect(policy.steps.length === 0).toBe(isBlueGreen);
        expect(policy.blueGreen !== undefined).toBe(isBlueGreen);
        if ('canary' in strategy)
          expect(policy.shadow !== undefined).toBe(strategy.canary.shadow !== undefined);
        else expect(policy).not.toHaveProperty('shadow');
        expect(policy.hooks?.length).toBe(hooks?.length);
        expect(describePolicy(policy)).toContain(isBlueGreen ? 'blue/green by SageMaker' : ' -> canary ');
      }),
      { numRuns: 300 },
    );
  });
});

describe('the example policies', () => {
  const example = (name: string): RolloutPolicy => {
    const parsed = parsePolicyText(readFileSync(join(repo, 'scenarios/policies', name), 'utf8'));
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    expect(parsed.warnings).toEqual([]);
    return parsed.policy;
  };

  it('shadow.yaml: a 10-minute shadow on half the requests, then 10 % and 50 %', () => {
    const policy = example('shadow.yaml');
    expect(policy.shadow).toEqual({ samplingPercent: 50, durationSeconds: 600 });
    expect(policy.steps).toEqual([
      { kind: 'setWeight', weight: 10 },
      { kind: 'pause', durationSeconds: 300 },
      { kind: 'setWeight', weight: 50 },
      { kind: 'pause', durationSeconds: 300 },
    ]);
  });

  it('blue-green.yaml: a 20 % canary routing held 5m, baked 5m, no steps', () => {
    const policy = example('blue-green.yaml');
    expect(policy.steps).toEqual([]);
    expect(policy.blueGreen).toEqual({
      routing: { type: 'canary', size: { unit: 'capacityPercent', value: 20 }, waitSeconds: 300 },
      bakeSeconds: 300,
      alarms: ['demo-primary-5xx'],
    });
    expect(policy.endpoint).toEqual({
      name: 'demo-endpoint',
      region: 'us-east-1',
      baselineVariant: 'primary',
      canaryVariant: 'canary',
    });
  });

  it('gates.yaml: a load-test gate before each step that rolls back after 6 refusals, and an audit told at the end', () => {
    const policy = example('gates.yaml');
    expect(policy.hooks).toEqual([
      {
        name: 'load-test',
        at: ['beforeStep'],
        kind: 'gate',
        target: { type: 'lambda', functionName: 'rollout-hook-load-test' },
        timeoutSeconds: 10,
        retries: 2,
        failureLimit: 6,
        onFailure: 'rollback',
      },
      {
        name: 'rollout-audit',
        at: ['afterEnd'],
        kind: 'notify',
        target: { type: 'lambda', functionName: 'rollout-hook-audit' },
        timeoutSeconds: 10,
        retries: 2,
        failureLimit: DEFAULT_HOOK_FAILURE_LIMIT,
        onFailure: 'rollback',
      },
    ]);
  });

  it('share the standard analysis', () => {
    const standard = example('standard.yaml');
    for (const name of ['shadow.yaml', 'blue-green.yaml', 'gates.yaml']) {
      expect(example(name).analysis, name).toEqual(standard.analysis);
    }
  });

  it('every complete policy in docs/policy-reference.md parses, one per strategy among them', () => {
    const doc = readFileSync(join(repo, 'docs/policy-reference.md'), 'utf8');
    // Every section but the one that shows a refusal on purpose.
    const sections = doc
      .split(/^## /m)
      .filter((section) => !section.startsWith('How an invalid policy is refused'));
    const blocks = [...sections.join('').matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? '')
      .filter((text) => text.startsWith('apiVersion:'));
    const policies = blocks.map((text) => {
      const parsed = parsePolicyText(text);
      if (!parsed.ok) throw new Error(`${parsed.problems.join('\n')}\nin\n${text}`);
      return parsed.policy;
    });
    expect(policies.some((policy) => policy.shadow !== undefined)).toBe(true);
    expect(policies.some((policy) => policy.blueGreen !== undefined)).toBe(true);
    expect(policies.some((policy) => (policy.hooks ?? []).some((hook) => hook.kind === 'gate'))).toBe(true);
  });
});

describe('describing the new strategies', () => {
  it('names the shadow phase before the steps', () => {
    const raw = rawStandardPolicy();
    raw.strategy.canary.shadow = { samplingPercent: 20, duration: '30m' };
    expect(describePolicy(policyOf(raw))).toContain(
      'primary -> canary shadow (copy of 20% of requests) 30m > 5% > pause 10m > ',
    );
  });

  it.each<[string, RawDraft, string]>([
    [
      'a canary routing',
      {},
      "primary: blue/green by SageMaker, 20% of capacity, the rest 5m later > bake 10m > old fleet terminated; SageMaker rolls back on the watchdog's verdict alarm;",
    ],
    [
      'a linear routing by instances, with alarms and a timeout',
      {
        trafficRouting: { type: 'linear', size: { instanceCount: 1 }, waitInterval: '2m' },
        maximumExecutionTimeout: '2h',
        alarms: ['fraud-5xx', 'fraud-p99'],
      },
      "primary: blue/green by SageMaker, 1 instance more every 2m > bake 10m > old fleet terminated; SageMaker rolls back on fraud-5xx, fraud-p99 and the watchdog's verdict alarm, or when it takes over 2h;",
    ],
    [
      'all at once',
      { trafficRouting: { type: 'allAtOnce', waitInterval: '0s' }, bake: '30m' },
      'primary: blue/green by SageMaker, all traffic at once, held 0s > bake 30m > old fleet terminated;',
    ],
  ])('names the blue/green plan: %s', (_, blueGreen, words) => {
    expect(describePolicy(policyOf(rawBlueGreenPolicy(blueGreen)))).toContain(words);
  });

  it('counts the watchdog alarms of a blue/green plan only when it has some, and never a lifecycle', () => {
    const raw = rawBlueGreenPolicy();
    const described = describePolicy(policyOf(raw));
    expect(described).toContain('; 1 alarm');
    expect(described).not.toContain('baseline retired');
    delete raw.rollback;
    expect(describePolicy(policyOf(raw))).not.toMatch(/; \d+ alarms?(;|$)/);
  });

  it.each<[string, RawDraft, string]>([
    [
      'a Lambda gate',
      { failureLimit: 6 },
      'load-test: gate before each weight step; calls Lambda gate-fn (timeout 10s, 2 retries); 6 refusals or failed calls in a row: rollback',
    ],
    [
      'a signed URL gate that pauses',
      {
        lambda: undefined,
        at: ['beforeStart', 'beforePromotion'],
        url: 'https://ci.example.com/x',
        secret: '/hooks/key',
        retries: 1,
        failureLimit: 1,
        onFailure: 'pause',
      },
      'load-test: gate before the rollout starts and before promotion; calls https://ci.example.com/x (signed with /hooks/key) (timeout 10s, 1 retry); 1 refusal or failed call in a row: pause',
    ],
    [
      'an unsigned notify hook',
      {
        lambda: undefined,
        url: 'https://ci.example.com/x',
        at: ['afterEnd', 'onRollback'],
        type: 'notify',
        timeout: '5s',
      },
      'load-test: notify after the rollout ends and on a rollback; calls https://ci.example.com/x (unsigned) (timeout 5s, 2 retries); never holds the rollout',
    ],
  ])('words each hook: %s', (_, hook, words) => {
    const [normalised] = policyOf(rawWithHook(hook)).hooks ?? [];
    if (normalised === undefined) throw new Error('expected a hook');
    expect(describeHook(normalised)).toBe(words);
  });
});
