/**
 * The real `rollout-watchdog replay` as a child process, spoken to line by line: `send` writes
 * one line and resolves with the next answer, without closing standard input, so a CLI that
 * buffered its answers would never answer (and `send` fails after `timeoutMs`).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The project's CLI entry. */
export const CLI_PATH = fileURLToPath(new URL('../../bin/rollout-watchdog.mjs', import.meta.url));

/** How long `send` waits for an answer before failing the test (not a timing assertion). Milliseconds. */
const ANSWER_TIMEOUT_MS = 30_000;

export interface ReplayChild {
  /** Writes `line` and a newline; resolves with the next stdout line. */
  send(line: string): Promise<string>;
  /** Writes raw text (no newline added) without waiting. */
  write(text: string): void;
  /** Resolves with the next stdout line. */
  nextLine(): Promise<string>;
  /** Stderr lines so far. */
  stderr(): string[];
  /** Closes stdin and resolves with the exit code once the process ends. */
  close(): Promise<number | null>;
}

/** Starts `rollout-watchdog ARGS` (e.g. `['replay', '--policy', file]`). */
export function startCli(args: string[]): ReplayChild {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI_PATH, ...args], {
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NODE_EXTRA_CA_CERTS: '',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const buffered: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  const errors: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const resolve = waiting.shift();
    if (resolve) resolve(line);
    else buffered.push(line);
  });
  createInterface({ input: child.stderr }).on('line', (line) => errors.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));

  const nextLine = (): Promise<string> => {
    const ready = buffered.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no answer from the CLI within ${ANSWER_TIMEOUT_MS} ms; stderr: ${errors.join('\n')}`),
          ),
        ANSWER_TIMEOUT_MS,
      );
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  };
  return {
    send(line) {
      child.stdin.write(`${line}\n`);
      return nextLine();
    },
    write(text) {
      child.stdin.write(text);
    },
    nextLine,
    stderr: () => [...errors],
    close() {
      child.stdin.end();
      return exited;
    },
  };
}

/** Runs `rollout-watchdog ARGS` to completion with `input` on stdin. */
export async function runCli(
  args: string[],
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NODE_EXTRA_CA_CERTS: '',
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}
