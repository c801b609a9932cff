import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile, loadPolicyFileSync, loadPolicyText } from '../../../shared/events/policy-text';
import { ConfigValidationError } from '../../../shared/errors';

const fixtures = join(import.meta.dirname, '../../fixtures/policies');

function problemsOf(text: string): string[] {
  try {
    loadPolicyText(text);
  } catch (error) {
    if (error instanceof ConfigValidationError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('loadPolicyFile', () => {
  it.each([
    ['standard.yaml', 'demo-endpoint', 6],
    ['full.yaml', 'fraud-detector-prod', 6],
    ['minimal.json', 'tiny', 2],
  ])('loads %s', async (file, endpoint, stepCount) => {
    const policy = await loadPolicyFile(join(fixtures, file));
    expect(policy.endpoint.name).toBe(endpoint);
    expect(policy.steps).toHaveLength(stepCount);
    expect(loadPolicyFileSync(join(fixtures, file))).toEqual(policy);
  });

  it('loads the full example policy with its manual pause, staged alarm, custom metric and regions', async () => {
    const policy = await loadPolicyFile(join(fixtures, 'full.yaml'));
    expect(policy.steps[3]).toEqual({ kind: 'pause', durationSeconds: null });
    expect(policy.rollback.onAlarms[1]).toEqual({
      alarmName: 'fraud-detector-canary-latency',
      strategy: 'staged',
      observeSeconds: 180,
    });
    expect(policy.analysis.metrics[2]).toMatchObject({
      type: 'custom',
      dimensions: { EndpointName: 'fraud-detector-prod', VariantName: 'canary' },
      min: 0.8,
    });
    expect(policy.regions).toHaveLength(2);
  });

  it('names the file in the error and lists the problems', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'apiVersion: rollout-watchdog/v0\n');
    const error = await loadPolicyFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).message).toContain(file);
    expect((error as ConfigValidationError).problems).toContain('apiVersion: must be rollout-watchdog/v1');
  });

  it('passes the read error through when the file does not exist', async () => {
    await expect(loadPolicyFile(join(fixtures, 'missing.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('loadPolicyText', () => {
  it('reads JSON as well as YAML', () => {
    const policy = loadPolicyText(
      JSON.stringify({
        apiVersion: 'rollout-watchdog/v1',
        endpoint: { name: 'e', region: 'us-east-1', baselineVariant: 'a', canaryVariant: 'b' },
        strategy: { canary: { steps: [{ setWeight: 100 }] } },
        analysis: { metrics: [{ name: 'm', type: 'latency', statistic: 'avg', thresholdMs: 100 }] },
      }),
    );
    expect(policy.steps).toEqual([{ kind: 'setWeight', weight: 100 }]);
  });

  it.each([
    [
      'an unclosed flow mapping',
      'apiVersion: rollout-watchdog/v1\nendpoint: { name: x\n',
      /^\(policy\): not valid YAML or JSON at line \d+, column \d+: [^\n]*$/,
    ],
    ['a tab-indented block', 'endpoint:\n\tname: x\n', /not valid YAML or JSON/],
    ['a duplicate key', 'apiVersion: a\napiVersion: b\n', /not valid YAML or JSON/],
    ['broken JSON', '{"apiVersion": ', /not valid YAML or JSON/],
  ])('reports %s as a problem, with the parser error as cause', (_case, text, pattern) => {
    try {
      loadPolicyText(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      const problems = (error as ConfigValidationError).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(pattern);
      expect((error as Error).cause).toBeInstanceOf(Error);
    }
  });

  it('says where a syntax error is once, in its own words', () => {
    expect(problemsOf('apiVersion: a\napiVersion: b\n')).toEqual([
      '(policy): not valid YAML or JSON at line 2, column 1: Map keys must be unique',
    ]);
  });

  it('refuses an empty document as a whole', () => {
    expect(problemsOf('')).toEqual(['(policy): must be an object']);
  });

  it('refuses a YAML policy with a typo in a key, by path', () => {
    const text = `apiVersion: rollout-watchdog/v1
endpoint: { name: e, region: us-east-1, baselineVariant: a, canaryVariant: b }
strategy:
  canary:
    steps:
      - setWeight: 5
      - pause: { durration: 10m }
analysis:
  metrics:
    - { name: m, type: errorRate, threshold: 0.05 }
`;
    expect(problemsOf(text)).toEqual(['strategy.canary.steps[1].pause.durration: unknown key']);
  });
});
