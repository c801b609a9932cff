/**
 * `replay` throughput: lines per second through the in-process replay session (parse, judge,
 * answer) and through the real `rollout-watchdog replay` process fed by a pipe, plus how long
 * that process takes to give its first answer (start-up).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createReplaySession } from '../shared/simulation/replay-session';
import { isoTime } from '../shared/simulation/to-replay-line';
import { LONG_POLICY_YAML, longPolicy, observations, variantPool } from './bench-inputs';
import type { Benchmark } from './benchmark';

/** Lines replayed in-process. */
const SESSION_LINES = 200_000;

/** Lines piped through the CLI process. */
const CLI_LINES = 100_000;

const CLI = fileURLToPath(new URL('../bin/rollout-watchdog.mjs', import.meta.url));

function inputLines(count: number): string[] {
  const pool = variantPool(720);
  return observations(pool, 0, count).map((o) =>
    JSON.stringify({ time: isoTime(o.time), variants: o.variants, alarms: { 'bench-canary-5xx': 'OK' } }),
  );
}

async function pipeThroughCli(
  policyFile: string,
  lines: string[],
): Promise<{ firstMs: number; lastMs: number }> {
  // Without the extra CA bundle Node starts ~60 ms faster (toolchain notes); the CLI needs none.
  const env = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'replay', '--policy', policyFile], { env });
  let answers = 0;
  let firstMs = 0;
  let lastMs = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    if (answers === 0) firstMs = performance.now() - started;
    for (const byte of chunk) if (byte === 10) answers++;
    if (answers >= lines.length) lastMs = performance.now() - started;
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdin.end(`${lines.join('\n')}\n`);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0 || answers !== lines.length) {
    throw new Error(
      `replay exited ${code} after ${answers}/${lines.length} answers: ${stderr.slice(0, 500)}`,
    );
  }
  return { firstMs, lastMs };
}

export const benchmark: Benchmark = {
  name: 'replay',
  description:
    'replay throughput, in-process (parse + judge + answer) and through the CLI process over a pipe',
  async run() {
    const policy = longPolicy();
    const lines = inputLines(SESSION_LINES);
    const session = createReplaySession(policy);
    let bytes = 0;
    const t0 = performance.now();
    for (const line of lines) {
      const answer = session.handleLine(line);
      bytes += answer ? JSON.stringify(answer.output).length : 0;
    }
    const sessionMs = performance.now() - t0;

    const dir = mkdtempSync(join(tmpdir(), 'rw-bench-'));
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, LONG_POLICY_YAML);
    const cli = await pipeThroughCli(policyFile, lines.slice(0, CLI_LINES));
    const steadyMs = cli.lastMs - cli.firstMs;
    return [
      {
        label: 'replay session (in-process) lines per second',
        value: (SESSION_LINES / sessionMs) * 1000,
        unit: 'lines/s',
        note: `${SESSION_LINES.toLocaleString('en-US')} lines, ${(bytes / SESSION_LINES).toFixed(0)} bytes per answer`,
      },
      {
        label: 'replay CLI lines per second (after the first answer)',
        value: ((CLI_LINES - 1) / steadyMs) * 1000,
        unit: 'lines/s',
        note: `${CLI_LINES.toLocaleString('en-US')} lines piped at once`,
      },
      { label: 'replay CLI start-up (spawn to first answer)', value: cli.firstMs, unit: 'ms' },
    ];
  },
};
