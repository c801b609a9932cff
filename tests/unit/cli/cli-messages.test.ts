import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess, STANDARD_POLICY } from './cli-harness';

const dir = mkdtempSync(join(tmpdir(), 'rw-cli-messages-'));
const missing = join(dir, 'no-such-file.yaml');

function policyWithWeights(...weights: number[]): string {
  const path = join(dir, `weights-${weights.join('-')}.yaml`);
  const steps = weights.map((w) => `      - setWeight: ${w}\n      - pause: { duration: 1m }`).join('\n');
  writeFileSync(
    path,
    `apiVersion: rollout-watchdog/v1
endpoint: { name: demo, region: us-east-1, baselineVariant: primary, canaryVariant: canary }
strategy:
  canary:
    steps:
${steps}
analysis:
  metrics:
    - { name: error-rate, type: errorRate, threshold: 0.05 }
`,
  );
  return path;
}

describe('rollout-watchdog messages', () => {
  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as {
      version: string;
    };
    const result = await runInProcess(['--version']);
    expect(result).toEqual({ code: 0, stdout: `rollout-watchdog ${version}\n`, stderr: '' });
  });

  it.each([[['--help']], [['validate', '--help']], [['replay', '--help']], [['simulate', '--help']]])(
    'documents the exit codes in %j',
    async (argv) => {
      const result = await runInProcess(argv);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Exit codes: 0 /);
      expect(result.stdout).not.toMatch(/DESIGN|\.\.\/shared/);
    },
  );

  it.each([
    [['validate', missing], `${missing}: cannot read the policy file: no such file\n`],
    [['validate', dir], `${dir}: cannot read the policy file: it is a folder, not a file\n`],
    [['simulate', missing], `${missing}: cannot read the scenario file: no such file\n`],
  ])('names the path of a file that cannot be read: %j', async (argv, stderr) => {
    const result = await runInProcess(argv);
    expect(result).toEqual({ code: 2, stdout: '', stderr });
  });

  it('says a replay policy file cannot be read, not that it is invalid', async () => {
    const result = await runInProcess(['replay', '--policy', missing]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr)).toEqual({
      error: 'unreadable policy file',
      file: missing,
      problems: [`${missing}: cannot read the policy file: no such file`],
    });
  });

  it.each([
    [['validate', '--strict', STANDARD_POLICY], 'validate: unknown option --strict\n'],
    [['simulate'], 'simulate: expected one SCENARIO file\n'],
    [['simulate', 'x.json', '--seed', 'soon'], 'simulate: --seed must be a whole number, got "soon"\n'],
    [['simulate', 'x.json', '--seed'], 'simulate: --seed needs a value\n'],
    [['replay', '--policy', STANDARD_POLICY, '--evidence=yes'], 'replay: --evidence takes no value\n'],
  ])('words a usage error in its own terms: %j', async (argv, firstLine) => {
    const result = await runInProcess(argv);
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(firstLine)).toBe(true);
    expect(result.stderr).not.toMatch(/To specify|positional argument/);
  });

  it('warns about steps that go back or repeat, and still accepts the plan', async () => {
    const result = await runInProcess(['validate', policyWithWeights(10, 5, 5)]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      "warning: strategy.canary.steps[2].setWeight: 5 is lower than the 10 of steps[0], so the canary's share goes back",
      'warning: strategy.canary.steps[4].setWeight: repeats the 5 of steps[2], so this step changes nothing',
      expect.stringMatching(/^valid: demo /),
      '',
    ]);
  });

  it('refuses a 0 % step in the middle of the plan', async () => {
    const result = await runInProcess(['validate', policyWithWeights(5, 0, 20)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^strategy\.canary\.steps\[2\]\.setWeight: must be above 0 after the first step/,
    );
  });
});
