import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../sandbox/local-stack/free-port';

/**
 * `npm run dev` as a user drives it: started in its own process group (as a terminal would),
 * its banner read for the control API's URL and the `export` line, rollouts started from model
 * names with the real CLI (`bin/rollout-watchdog.mjs`): v2 to Promoted and its baseline retired,
 * v3 to a manual rollback and its canary removed, v4 to the watchdog's own rollback after a
 * fault injected with one HTTP call, then Ctrl-C (SIGINT to the group): every
 * process exits, the ports are free, and the stage's folders are gone. The stage runs on ports
 * of its own, so it can run beside the other end-to-end suites.
 */

const ROOT = resolve(import.meta.dirname, '../..');
/** Simulated time at 60x the wall clock: a pause of 10 minutes takes 10 seconds. */
const SPEED = '60';
/** Bounds for waits on the stage (bundling the functions, a rollout deciding); not measurements. */
const START_TIMEOUT_MS = 240_000;
const WAIT_TIMEOUT_MS = 120_000;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('npm run dev, driven as a user would', () => {
  let child: ChildProcess;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let outputClosed: Promise<void>;
  /** The TMPDIR the stage runs with: its outbox must be made, and removed, here. */
  let stageTmp: string;
  let apiPort: number;
  let sandboxPort: number;
  let api = '';
  let env: NodeJS.ProcessEnv;
  let banner: { workFolder: string; outboxDir: string; functionsPort: number };

  const cli = (...args: string[]): Promise<CliResult> =>
    new Promise((resolveCli) => {
      execFile(
        process.execPath,
        [join(ROOT, 'bin/rollout-watchdog.mjs'), ...args],
        { cwd: ROOT, env },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolveCli({ code, stdout, stderr });
        },
      );
    });
  const ok = async (...args: string[]): Promise<string> => {
    const result = await cli(...args);
    expect(
      result,
      `rollout-watchdog ${args.join(' ')}; the stage said:\n${output.slice(-3000)}`,
    ).toMatchObject({
      code: 0,
      stderr: '',
    });
    return result.stdout;
  };
  const statusJson = async (): Promise<{
    phase: string;
    endpointChange?: { kind: string; status: string; description: string };
  }> => JSON.parse(await ok('status', 'demo-endpoint', '--json')) as never;
  /** Waits, polling `status`, until the watchdog's endpoint change of `kind` is done. */
  const changeDone = (kind: string) =>
    vi.waitFor(
      async () => expect((await statusJson()).endpointChange).toMatchObject({ kind, status: 'done' }),
      { timeout: WAIT_TIMEOUT_MS, interval: 500 },
    );

  beforeAll(async () => {
    stageTmp = mkdtempSync(join(tmpdir(), 'dev-stage-e2e-'));
    [apiPort, sandboxPort] = [await freePort(), await freePort()];
    child = spawn(
      'npm',
      [
        'run',
        'dev',
        '--',
        '--speed',
        SPEED,
        '--port',
        String(apiPort),
        '--sandbox-port',
        String(sandboxPort),
      ],
      {
        cwd: ROOT,
        detached: true, // its own process group, like a shell job
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, TMPDIR: stageTmp, ROLLOUT_WATCHDOG_API: '' },
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    outputClosed = new Promise((resolveClose) => child.once('close', () => resolveClose()));
    exited = new Promise((resolveExit) =>
      child.once('exit', (code, signal) => resolveExit({ code, signal })),
    );
    await vi.waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`npm run dev exited early:\n${output}`);
        expect(output).toMatch(/What happens/);
      },
      { timeout: START_TIMEOUT_MS, interval: 250 },
    );
    api = /export ROLLOUT_WATCHDOG_API=(\S+)/.exec(output)?.[1] ?? '';
    env = { ...process.env, ROLLOUT_WATCHDOG_API: api };
    banner = {
      workFolder: resolve(ROOT, /bundled in (\S+)/.exec(output)?.[1] ?? 'missing'),
      outboxDir: /emails\s+(\S+)/.exec(output)?.[1] ?? 'missing',
      functionsPort: Number(/functions\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]),
    };
  }, START_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    // Only when a test failed before the stage was stopped: do not leave it running.
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, 'SIGINT');
      const stopped = await Promise.race([exited, new Promise((r) => setTimeout(() => r('late'), 30_000))]);
      if (stopped === 'late') process.kill(-child.pid, 'SIGKILL');
    }
    rmSync(stageTmp, { recursive: true, force: true });
  });

  it('prints the control API URL, the export line and the commands to try', () => {
    expect(api).toBe(`http://127.0.0.1:${apiPort}`);
    expect(output).toContain(`AWS sandbox      http://127.0.0.1:${sandboxPort}`);
    expect(output).toContain('npx rollout-watchdog start demo-endpoint --model demo-model-v2');
    expect(output).toMatch(/demo-endpoint: InService, primary runs demo-model-v1 alone/);
    expect(output).toMatch(/baseline retired 1m after a promotion, canary removed 1m after a rollback/);
    expect(output).not.toContain('dev reset');
    expect(output).toContain('npx rollout-watchdog dev traffic canary-5xx-spike');
    expect(banner.outboxDir.startsWith(stageTmp)).toBe(true);
    expect(existsSync(banner.outboxDir)).toBe(true);
    expect(existsSync(banner.workFolder)).toBe(true);
    expect(output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace anywhere
  });

  it('runs a rollout started from a model name to Promoted, then the watchdog retires the old baseline', async () => {
    expect(await ok('dev', 'status')).toMatch(/demo-endpoint: InService, primary 100% \(demo-model-v1\)/);
    // The CLI's own wait: progress on stderr until the canary is deployed, then the steps begin.
    const started = await cli(
      'start',
      'demo-endpoint',
      '--model',
      'demo-model-v2',
      '--reason',
      'e2e: first canary',
    );
    expect(started, started.stderr).toMatchObject({ code: 0 });
    expect(started.stdout).toMatch(/^started demo-endpoint: Progressing, primary 95% \/ canary 5%/);
    expect(started.stderr).toMatch(/canary deployment done: .*model demo-model-v2/);
    const status = await ok('status', 'demo-endpoint');
    expect(status).toMatch(/demo-endpoint \(us-east-1\)\s+Progressing/);
    expect(status).toMatch(/canary\s+model demo-model-v2/);
    expect(await ok('promote', 'demo-endpoint', '--reason', 'e2e: looks good')).toMatch(
      /^promoted demo-endpoint: Promoted, primary 0% \/ canary 100%/,
    );
    // A minute later (the stage's policy) the promoted model serves alone as the baseline.
    await changeDone('retire-baseline');
    const retired = await ok('status', 'demo-endpoint');
    expect(retired).toMatch(/primary\s+model demo-model-v2/);
    expect(retired).not.toMatch(/canary\s+model/);
    expect(await ok('dev', 'status')).toMatch(/demo-endpoint: InService, primary 100% \(demo-model-v2\);/);
    const history = await ok('history', 'demo-endpoint');
    expect(history).toContain('e2e: looks good');
    expect(history).toContain('e2e: first canary');
    expect(history).toMatch(/Baseline retired on demo-endpoint/);
  });

  it('runs a second rollout from the next model to a manual rollback with a reason, then removes its canary', async () => {
    expect(await ok('start', 'demo-endpoint', '--model', 'demo-model-v3', '--no-wait')).toMatch(
      /^started demo-endpoint: Progressing/,
    );
    await changeDone('add-canary');
    const missingReason = await cli('rollback', 'demo-endpoint');
    expect(missingReason.code).toBe(2);
    expect(await ok('rollback', 'demo-endpoint', '--reason', 'e2e: dashboards disagree')).toMatch(
      /^rolled back demo-endpoint: RolledBack, primary 100% \/ canary 0%/,
    );
    const history = await ok('history', 'demo-endpoint', '--limit', '3');
    expect(history).toMatch(/rollback\s+RolledBack/);
    expect(history).toContain('e2e: dashboards disagree');
    await changeDone('remove-canary');
    expect((await statusJson()).phase).toBe('RolledBack');
    // Nothing is left for `dev reset`: it says so and names the next start.
    expect(await ok('dev', 'reset')).toMatch(
      /^nothing to reset: demo-endpoint serves primary 100% \(demo-model-v2\).*--model demo-model-v4/,
    );
  });

  it('lets the watchdog roll back on its own after a canary fault injected by one HTTP call', async () => {
    expect(
      await ok(
        'start',
        'demo-endpoint',
        '--model',
        'demo-model-v4',
        '--no-wait',
        '--reason',
        'e2e: a bad canary',
      ),
    ).toMatch(/Progressing/);
    await changeDone('add-canary');
    const fault = await fetch(`${api}/_dev/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'canary-5xx', rate: 0.5 }),
    });
    expect(fault.status).toBe(201);
    expect(await ok('dev', 'status')).toMatch(/canary faults: 5XX 50%/);
    await vi.waitFor(async () => expect((await statusJson()).phase).toBe('RolledBack'), {
      timeout: WAIT_TIMEOUT_MS,
      interval: 500,
    });
    // The watchdog's decision (a tick judging the errors, or the canary's 5XX alarm), not a person's.
    const history = JSON.parse(await ok('history', 'demo-endpoint', '--limit', '5', '--json')) as {
      entries: Array<{ action: string | null; source: string; phase: string }>;
    };
    const rollback = history.entries.find((e) => e.action === 'rollback');
    expect(rollback).toMatchObject({ phase: 'RolledBack', source: expect.stringMatching(/^(tick|alarm)$/) });
    expect(await ok('dev', 'fault', 'clear')).toMatch(/faults cleared/);
    const traffic = await cli('dev', 'traffic', 'no-such-scenario');
    expect(traffic.code).toBe(1);
    expect(traffic.stderr).toMatch(/known: .*canary-5xx-spike/);
    expect(await ok('dev', 'traffic', 'canary-5xx-spike', '--from-minute', '20')).toMatch(
      /demo-endpoint plays canary-5xx-spike from minute 20/,
    );
  });

  it(
    'stops on Ctrl-C: every process exits, the ports are free, no folder is left behind',
    async () => {
      const pid = child.pid as number;
      process.kill(-pid, 'SIGINT');
      // npm, like a shell job, ends by the signal it was sent once the stage has stopped.
      const { code, signal } = await exited;
      expect(code === 0 || signal === 'SIGINT', `npm exited with ${code ?? signal}:\n${output}`).toBe(true);
      // The output pipes close once every process holding them (npm, tsx, the stage) has exited.
      await outputClosed;
      expect(output).toMatch(/SIGINT: stopping the local stage/);
      expect(output).toMatch(/stopped: serverless-offline, the sandbox/);
      // No process of the group is left (serverless-offline, esbuild, tsx, node).
      await vi.waitFor(() => expect(groupAlive(pid)).toBe(false), {
        timeout: WAIT_TIMEOUT_MS,
        interval: 200,
      });
      for (const port of [apiPort, sandboxPort, banner.functionsPort])
        expect(await canListen(port)).toBe(true);
      expect(existsSync(banner.workFolder)).toBe(false);
      expect(existsSync(banner.outboxDir)).toBe(false);
      // In the stage's temp folder, at most tsx's compile cache (not the stage's own).
      expect(readdirSync(stageTmp).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
      expect(output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    },
    WAIT_TIMEOUT_MS + 30_000,
  );
});

/** True while any process of group `pgid` exists. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolveListen) => {
    const server = createServer();
    server.once('error', () => resolveListen(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveListen(true)));
  });
}
