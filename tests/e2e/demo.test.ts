import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs `npm start` (the demo) with its own temp folder; resolves with its exit code and output. */
function runDemo(args: string[], tempFolder: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn('npm', ['start', '--silent', '--', ...args], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tempFolder },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => done({ code, output }));
  });
}

describe('npm start (the demo)', () => {
  it('starts two rollouts from model names: v2 promoted and its baseline retired, v3 rolled back and its canary removed, then leaves no file behind', async () => {
    const tempFolder = mkdtempSync(join(tmpdir(), 'demo-'));
    const { code, output } = await runDemo([], tempFolder);
    expect(code, output).toBe(0);
    expect(output).toMatch(/primary runs demo-model-v1 alone \(2 × ml\.m5\.xlarge\)/);
    // Each rollout starts from a model name; the watchdog deploys the canary beside the baseline.
    expect(output).toMatch(/POST \/rollouts \{model: demo-model-v2\} -> Progressing/);
    expect(output).toMatch(
      /\[lifecycle\] canary deployment under way: the endpoint moves to config demo-endpoint-rw[0-9a-f]{8}-canary \(adds 1 × ml\.m5\.large \(canary, model demo-model-v2\)\)/,
    );
    expect(output).toMatch(/healthy-steady\s+Promoted\s+expected Promoted ok/);
    expect(output).toMatch(
      /\[lifecycle\] baseline retirement done: config demo-endpoint-rw[0-9a-f]{8}-promoted in service \(.*releases 2 × ml\.m5\.xlarge \(primary, model demo-model-v1\)/,
    );
    // The second start needs the endpoint the retirement left: the promoted model alone.
    expect(output).toMatch(/POST \/rollouts \{model: demo-model-v3\} -> Progressing/);
    expect(output).toMatch(/canary-5xx-spike\s+RolledBack\s+expected RolledBack ok .*time to detect \d+ min/);
    expect(output).toMatch(
      /\[lifecycle\] canary clean-up done: config demo-endpoint-rw[0-9a-f]{8}-baseline in service \(releases 1 × ml\.m5\.large \(canary, model demo-model-v3\)\)/,
    );
    expect(output).toMatch(
      /the endpoint now: config demo-endpoint-rw[0-9a-f]{8}-baseline: primary runs demo-model-v2 on 1 × ml\.m5\.large\n/,
    );
    // The notifications announce each lifecycle step.
    expect(output).toMatch(/\[ENDPOINT #\d+\] demo-endpoint: Baseline retired on demo-endpoint/);
    expect(output).toMatch(/\[ENDPOINT #\d+\] demo-endpoint: Canary removed from demo-endpoint/);
    // tsx keeps one compile cache per user (`tsx-<uid>`) across runs: a cache, not a leftover.
    expect(readdirSync(tempFolder).filter((name) => !/^tsx-\d+$/.test(name))).toEqual([]);
    // Its own bundle folder, by the name it printed: other stacks may be bundling beside it.
    const bundleFolder = /functions bundled in: (\S+)/.exec(output)?.[1];
    expect(bundleFolder, output).toMatch(/^\.esbuild\/offline-\d+-\d+$/);
    expect(existsSync(join(ROOT, bundleFolder!))).toBe(false);
  }, 300_000);

  it('never sets endpoint weights or changes the endpoint itself: the watchdog does', () => {
    const source = readFileSync(join(ROOT, 'scripts/demo.ts'), 'utf8');
    expect(source).not.toMatch(/UpdateEndpointWeightsAndCapacities|UpdateEndpointCommand|client-sagemaker/);
  });

  it('refuses an argument it does not know, in its own words', async () => {
    const { code, output } = await runDemo(['--fast'], mkdtempSync(join(tmpdir(), 'demo-')));
    expect(code).toBe(2);
    expect(output).toContain('demo: unknown argument --fast');
  });
});
