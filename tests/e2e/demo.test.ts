import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
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
  it('plays one rollout to promotion and one to rollback, then leaves no file behind', async () => {
    const tempFolder = mkdtempSync(join(tmpdir(), 'demo-'));
    const { code, output } = await runDemo([], tempFolder);
    expect(code, output).toBe(0);
    expect(output).toMatch(/healthy-steady\s+Promoted\s+expected Promoted ok/);
    expect(output).toMatch(/canary-5xx-spike\s+RolledBack\s+expected RolledBack ok .*time to detect \d+ min/);
    // tsx keeps one compile cache per user (`tsx-<uid>`) across runs: a cache, not a leftover.
    expect(readdirSync(tempFolder).filter((name) => !/^tsx-\d+$/.test(name))).toEqual([]);
    // Its own bundle folder, by the name it printed: other stacks may be bundling beside it.
    const bundleFolder = /functions bundled in: (\S+)/.exec(output)?.[1];
    expect(bundleFolder, output).toMatch(/^\.esbuild\/offline-\d+-\d+$/);
    expect(existsSync(join(ROOT, bundleFolder!))).toBe(false);
  }, 240_000);

  it('refuses an argument it does not know, in its own words', async () => {
    const { code, output } = await runDemo(['--fast'], mkdtempSync(join(tmpdir(), 'demo-')));
    expect(code).toBe(2);
    expect(output).toContain('demo: unknown argument --fast');
  });
});
