import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogueScenarioFile } from '../../../shared/simulation/scenario-catalogue';
import { runInProcess, STANDARD_POLICY } from './cli-harness';

const fixture = catalogueScenarioFile;

describe('rollout-watchdog simulate', () => {
  it('prints the rollout minute by minute, then the scores', async () => {
    const result = await runInProcess(['simulate', fixture('traffic-ramp')]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^traffic-ramp: /);
    expect(lines.filter((l) => /^\s+\d+ {2}\d\d:\d\d /.test(l)).length).toBe(41);
    expect(result.stdout).toMatch(/-> promote\s+Promoted/);
    expect(result.stdout).toContain('outcome: Promoted (expected Promoted: ok)');
    expect(result.stdout).toContain('promoted after 40 min (the steps allow 40 min at least)');
  });

  it('prints the whole run as JSON with --json and honours --seed', async () => {
    const result = await runInProcess(['simulate', fixture('latency-ceiling'), '--json', '--seed', '5']);
    const run = JSON.parse(result.stdout);
    expect(run).toMatchObject({ scenario: 'latency-ceiling', seed: 5, outcome: 'RolledBack' });
    expect(run.scores.regressionFromMinute).toBe(22);
    expect(run.timeline[0]).toMatchObject({ minute: 0, canaryWeight: 5 });
  });

  it('exits 1 with --check when the outcome is not the expected one', async () => {
    // The standard plan with a healthy canary promotes; this copy wrongly expects a rollback.
    const dir = mkdtempSync(join(tmpdir(), 'rw-simulate-'));
    const file = join(dir, 'wrong.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'wrong',
        durationMinutes: 50,
        endpoint: { name: 'e', baselineVariant: 'primary', canaryVariant: 'canary' },
        traffic: [{ fromMinute: 0, requestsPerMinute: 3000 }],
        variants: {
          primary: [{ fromMinute: 0, latencyMs: { p50: 40, p99: 180 } }],
          canary: [{ fromMinute: 0, latencyMs: { p50: 40, p99: 180 } }],
        },
        expect: { outcome: 'RolledBack' },
      }),
    );
    const checked = await runInProcess(['simulate', file, '--policy', STANDARD_POLICY, '--check']);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain('MISMATCH');
    expect((await runInProcess(['simulate', file, '--policy', STANDARD_POLICY])).code).toBe(0);
  });

  it.each([
    ['no scenario', ['simulate']],
    ['a seed that is not an integer', ['simulate', fixture('traffic-ramp'), '--seed', 'x']],
    ['a missing scenario file', ['simulate', join(tmpdir(), 'rw-no-such-scenario.json')]],
  ])('exits 2 for %s', async (_case, argv) => {
    const result = await runInProcess(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toBe('');
  });
});
