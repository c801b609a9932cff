import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCENARIO_POLICY,
  loadScenarioFile,
  parseScenario,
  ScenarioValidationError,
} from '../../../shared/simulation/scenario-schema';
import { rawScenario } from './scenario-builder';

describe('parseScenario', () => {
  it('accepts the README format and fills defaults', () => {
    const result = parseScenario(rawScenario({ seed: undefined, periodSeconds: undefined }), {
      baseDir: '/scenarios',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.scenario).toMatchObject({
      seed: 1,
      periodSeconds: 60,
      policy: DEFAULT_SCENARIO_POLICY,
      policyPath: '/scenarios/policies/standard.yaml',
      alarms: [],
      expect: null,
    });
    expect(Object.isFrozen(result.scenario)).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'an error rate above 1',
      {
        variants: {
          primary: [{ fromMinute: 0, errorRate5xx: 1.5, latencyMs: { p50: 1, p99: 2 } }],
          canary: [{ fromMinute: 0, latencyMs: { p50: 1, p99: 2 } }],
        },
      },
      'variants.primary[0].errorRate5xx',
    ],
    [
      'a first segment without latency',
      {
        variants: {
          primary: [{ fromMinute: 0 }],
          canary: [{ fromMinute: 0, latencyMs: { p50: 1, p99: 2 } }],
        },
      },
      'variants.primary[0].latencyMs',
    ],
    [
      'p99 below p50',
      {
        variants: {
          primary: [{ fromMinute: 0, latencyMs: { p50: 50, p99: 20 } }],
          canary: [{ fromMinute: 0, latencyMs: { p50: 1, p99: 2 } }],
        },
      },
      'variants.primary[0].latencyMs.p99',
    ],
    [
      'segments out of order',
      {
        traffic: [
          { fromMinute: 10, requestsPerMinute: 5 },
          { fromMinute: 5, requestsPerMinute: 6 },
        ],
      },
      'traffic[1].fromMinute',
    ],
    ['traffic without a rate', { traffic: [{ fromMinute: 0 }] }, 'traffic[0].requestsPerMinute'],
    [
      'a missing canary variant',
      { variants: { primary: [{ fromMinute: 0, latencyMs: { p50: 1, p99: 2 } }] } },
      'variants.canary',
    ],
    [
      'an alarm on an unknown variant',
      {
        alarms: [
          {
            name: 'a',
            variant: 'blue',
            metric: 'Invocations',
            statistic: 'Sum',
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: 'GreaterThanThreshold',
          },
        ],
      },
      'alarms[0].variant',
    ],
    [
      'an alarm with an unknown statistic',
      {
        alarms: [
          {
            name: 'a',
            variant: 'canary',
            metric: 'Invocations',
            statistic: 'Median',
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: 'GreaterThanThreshold',
          },
        ],
      },
      'alarms[0].statistic',
    ],
    ['an unknown expected outcome', { expect: { outcome: 'Exploded' } }, 'expect.outcome'],
    ['a fractional duration', { durationMinutes: 1.5 }, 'durationMinutes'],
  ])('refuses %s, naming the path', (_case, overrides, path) => {
    const result = parseScenario(rawScenario(overrides));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(
      result.problems.some((p) => p.startsWith(path)),
      result.problems.join('\n'),
    ).toBe(true);
  });

  it('lists every problem at once', () => {
    const result = parseScenario(rawScenario({ durationMinutes: 0, traffic: [], name: '' }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.length).toBeGreaterThanOrEqual(3);
  });

  it('ignores keys it does not know, so newer scenarios still load', () => {
    expect(parseScenario(rawScenario({ owner: 'team-x' })).ok).toBe(true);
  });
});

describe('loadScenarioFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rw-scenario-'));

  it('resolves the policy against the scenario folder', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify(rawScenario({ policy: 'mine.yaml' })));
    expect(loadScenarioFile(file).policyPath).toBe(join(dir, 'mine.yaml'));
  });

  it.each([
    ['bad JSON', '{"name":'],
    ['an invalid scenario', JSON.stringify({ name: 'x' })],
  ])('throws ScenarioValidationError for %s', (_case, text) => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, text);
    expect(() => loadScenarioFile(file)).toThrow(ScenarioValidationError);
  });
});
