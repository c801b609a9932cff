import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../sandbox/local-stack/free-port';

/**
 * `npm run dev` as a user drives it: started in its own process group (as a terminal would),
 * its banner read for the control API's URL and the `export` line, rollouts run with the real CLI
 * (`bin/rollout-watchdog.mjs`) to Promoted, to a manual rollback, and to the watchdog's own
 * rollback after a fault injected with one HTTP call, then Ctrl-C (SIGINT to the group): every
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
    expect(result, `rollout-watchdog ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
    return result.stdout;
  };
  const phase = async (endpoint: string): Promise<string> =>
    (JSON.parse(await ok('status', endpoint, '--json')) as { phase: string }).phase;

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
    expect(output).toContain('npx rollout-watchdog start demo-endpoint');
    expect(output).toContain('npx rollout-watchdog dev traffic canary-5xx-spike');
    expect(banner.outboxDir.startsWith(stageTmp)).toBe(true);
    expect(existsSync(banner.outboxDir)).toBe(true);
    expect(existsSync(banner.workFolder)).toBe(true);
    expect(output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace anywhere
  });

  it('runs a rollout started from the CLI to Promoted', async () => {
    expect(await ok('dev', 'status')).toMatch(/demo-endpoint: InService, primary 100% \/ canary 0%/);
    expect(await ok('start', 'demo-endpoint', '--reason', 'e2e: first canary')).toMatch(
      /^started demo-endpoint: Progressing, primary 95% \/ canary 5%/,
    );
    expect(await ok('status', 'demo-endpoint')).toMatch(/demo-endpoint \(us-east-1\)\s+Progressing/);
    expect(await ok('promote', 'demo-endpoint', '--reason', 'e2e: looks good')).toMatch(
      /^promoted demo-endpoint: Promoted, primary 0% \/ canary 100%/,
    );
    const status = await ok('status', 'demo-endpoint');
    expect(status).toMatch(/Promoted/);
    const history = await ok('history', 'demo-endpoint');
    expect(history).toContain('e2e: looks good');
    expect(history).toContain('e2e: first canary');
    // A promoted endpoint cannot take a new canary until the next model is deployed.
    const again = await cli('start', 'demo-endpoint');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/error 409/);
  });

  it('runs a second rollout to a manual rollback with a reason', async () => {
    expect(await ok('dev', 'reset')).toMatch(/primary 100%, canary 0%/);
    expect(await ok('start', 'demo-endpoint')).toMatch(/^started demo-endpoint: Progressing/);
    const missingReason = await cli('rollback', 'demo-endpoint');
    expect(missingReason.code).toBe(2);
    expect(await ok('rollback', 'demo-endpoint', '--reason', 'e2e: dashboards disagree')).toMatch(
      /^rolled back demo-endpoint: RolledBack, primary 100% \/ canary 0%/,
    );
    expect(await phase('demo-endpoint')).toBe('RolledBack');
    const history = await ok('history', 'demo-endpoint', '--limit', '3');
    expect(history).toMatch(/rollback\s+RolledBack/);
    expect(history).toContain('e2e: dashboards disagree');
  });

  it('lets the watchdog roll back on its own after a canary fault injected by one HTTP call', async () => {
    const fault = await fetch(`${api}/_dev/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'canary-5xx', rate: 0.5 }),
    });
    expect(fault.status).toBe(201);
    expect(await ok('dev', 'status')).toMatch(/canary faults: 5XX 50%/);
    expect(await ok('start', 'demo-endpoint', '--reason', 'e2e: a bad canary')).toMatch(/Progressing/);
    await vi.waitFor(async () => expect(await phase('demo-endpoint')).toBe('RolledBack'), {
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
