import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../scenarios/replay-child';
import { runInProcess, STANDARD_POLICY } from './cli-harness';

const dir = tmpdir();
function policyFile(name: string, text: string): string {
  const path = join(dir, `rw-validate-${process.pid}-${name}`);
  writeFileSync(path, text);
  return path;
}

const INVALID = policyFile(
  'invalid.yaml',
  `apiVersion: rollout-watchdog/v1
endpoint: { name: demo, region: us-east-1, baselineVariant: primary, canaryVariant: primary }
strategy:
  canary:
    steps:
      - setWeight: 5
      - pause: { duration: 10 minutes }
      - setWeight: 120
analysis:
  interval: 5m
  window: 1m
  metrics:
    - { name: error-rate, type: errorRate, threshold: 0.05, failureLimit: 0 }
    - { name: error-rate, type: errorRate, threshold: 0.05, failureLimit: 2, thershold: 1 }
`,
);

const SCENARIO_POLICIES = join(import.meta.dirname, '../../../scenarios/policies');

const INVALID_STRATEGIES = policyFile(
  'invalid-strategies.yaml',
  `apiVersion: rollout-watchdog/v1
endpoint: { name: demo, region: us-east-1, baselineVariant: primary, canaryVariant: canary }
strategy:
  canary:
    shadow: { samplingPercent: 0, duration: 10m }
    steps: [{ setWeight: 5 }]
  blueGreen:
    trafficRouting: { type: linear, size: { capacityPercent: 60 } }
    bake: 2h
analysis:
  metrics: [{ name: error-rate, type: errorRate, threshold: 0.05 }]
hooks:
  - { name: load-test, at: [], url: http://ci.example.com/hook }
  - { name: load-test, at: afterEnd, lambda: audit, url: https://ci.example.com/audit }
`,
);

describe('rollout-watchdog validate', () => {
  it('prints a one-line summary of a valid policy and exits 0', async () => {
    const result = await runInProcess(['validate', STANDARD_POLICY]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(/^valid: demo-endpoint/);
    expect(result.stdout).toContain('5%');
  });

  it('prints every problem of an invalid policy, one per line by path, and exits 1', async () => {
    const result = await runInProcess(['validate', INVALID]);
    expect(result.code).toBe(1);
    const problems = result.stdout.trim().split('\n');
    expect(problems.length).toBeGreaterThanOrEqual(5);
    for (const path of [
      'strategy.canary.steps[1].pause.duration',
      'strategy.canary.steps[2].setWeight',
      'endpoint.canaryVariant',
      'analysis.metrics[0].failureLimit',
      'analysis.metrics[1]',
    ]) {
      expect(
        problems.some((p) => p.startsWith(path)),
        `${path} in\n${result.stdout}`,
      ).toBe(true);
    }
    expect(result.stderr).toContain('invalid policy');
  });

  it('describes a blue/green plan: routing, bake and every alarm SageMaker rolls back on', async () => {
    const result = await runInProcess(['validate', join(SCENARIO_POLICIES, 'blue-green.yaml')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "valid: demo-endpoint (us-east-1): primary: blue/green by SageMaker, 20% of capacity, the rest 5m later > bake 5m > old fleet terminated; SageMaker rolls back on demo-primary-5xx and the watchdog's verdict alarm; judged every 1m over 5m; 2 metrics\n",
    );
  });

  it('describes a shadow phase before the steps', async () => {
    const result = await runInProcess(['validate', join(SCENARIO_POLICIES, 'shadow.yaml')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'primary -> canary shadow (copy of 50% of requests) 10m > 10% > pause 5m > 50%',
    );
  });

  it('prints one line per hook below the summary', async () => {
    const result = await runInProcess(['validate', join(SCENARIO_POLICIES, 'gates.yaml')]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').slice(1)).toEqual([
      '  hook load-test: gate before each weight step; calls Lambda rollout-hook-load-test (timeout 10s, 2 retries); 6 refusals or failed calls in a row: rollback',
      '  hook rollout-audit: notify after the rollout ends; calls Lambda rollout-hook-audit (timeout 10s, 2 retries); never holds the rollout',
    ]);
  });

  it('lists every problem of the new strategy fields by path', async () => {
    const result = await runInProcess(['validate', INVALID_STRATEGIES]);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n').sort()).toEqual(
      [
        'strategy: must hold one of canary or blueGreen, not both',
        'strategy.canary.shadow.samplingPercent: must be between 1 and 100',
        'strategy.blueGreen.trafficRouting.size.capacityPercent: must be between 10 and 50',
        'strategy.blueGreen.bake: must be a duration from 0s to 1h (a whole number and s, m or h)',
        'hooks[0].at: must not be empty',
        'hooks[0].url: must be an https URL (plain http only to localhost or 127.0.0.1, for local testing)',
        'hooks[1].name: duplicate hook name "load-test"',
        'hooks[1].type: must be notify for a hook at afterEnd (nothing is left to hold there; type defaults to gate)',
        'hooks[1]: must have exactly one of url or lambda, not both',
      ].sort(),
    );
    expect(result.stderr).toContain('invalid policy (9 problems)');
  });

  it('reports a YAML syntax error as a problem and exits 1', async () => {
    const result = await runInProcess(['validate', policyFile('broken.yaml', 'apiVersion: [unclosed\n')]);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toBe('');
  });

  it.each([
    ['a missing file', ['validate', join(dir, 'rw-does-not-exist.yaml')]],
    ['no file', ['validate']],
    ['two files', ['validate', STANDARD_POLICY, STANDARD_POLICY]],
    ['an unknown option', ['validate', '--strict', STANDARD_POLICY]],
  ])('exits 2 for %s', async (_case, argv) => {
    const result = await runInProcess(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toBe('');
  });

  it('explains itself with --help', async () => {
    const result = await runInProcess(['validate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: rollout-watchdog validate FILE');
  });

  it('works through the installed bin entry', async () => {
    const valid = await runCli(['validate', STANDARD_POLICY]);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toMatch(/^valid: /);
    const invalid = await runCli(['validate', INVALID]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toContain('strategy.canary.steps[2].setWeight');
  });
});

describe('rollout-watchdog (no command)', () => {
  it.each([
    [['--help'], 0],
    [[], 2],
    [['frobnicate'], 2],
  ])('prints the usage for %j and exits %i', async (argv, code) => {
    const result = await runInProcess(argv);
    expect(result.code).toBe(code);
    expect(result.stdout + result.stderr).toContain('rollout-watchdog replay --policy FILE');
  });
});
