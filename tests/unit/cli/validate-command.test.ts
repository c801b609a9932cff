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
