import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { SANDBOX_CREDENTIALS } from './sandbox-clients';

/** How long serverless-offline may take to bundle the functions and listen. Milliseconds. */
export const OFFLINE_START_TIMEOUT_MS = 120_000;

export interface OfflineOptions {
  /** Folder holding serverless.yml. */
  projectDir: string;
  stage: string;
  httpPort: number;
  lambdaPort: number;
  /** The sandbox URL the functions' SDK clients use. */
  awsEndpointUrl: string;
  /** esbuild work folder; each running instance needs its own (serverless deletes it on exit). */
  workFolder: string;
  /** Each line serverless-offline prints (stdout and stderr). */
  onLine?: (line: string) => void;
  /** Aborting stops a serverless-offline that is still starting (the start then rejects). */
  signal?: AbortSignal;
}

export interface OfflineProcess {
  readonly httpUrl: string;
  readonly lambdaUrl: string;
  /** Settles when serverless-offline has exited (stopped, or on its own), with its exit code or signal. */
  readonly exited: Promise<number | string | null>;
  /** Kills serverless-offline at once (SIGKILL), without waiting: for a process that must exit now. */
  kill(): void;
  /** Stops serverless-offline (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `serverless offline start` for `stage` as a child process and resolves once it says
 * "Server ready". The child gets the sandbox endpoint and dummy credentials, so the bundled
 * handlers run unchanged against the sandbox; `serverless.yml` turns its wall-clock schedules off
 * in the local stage because the sandbox's event router owns time.
 */
export async function startServerlessOffline(options: OfflineOptions): Promise<OfflineProcess> {
  const child = spawn(
    process.execPath,
    [
      join(options.projectDir, 'node_modules/serverless/bin/serverless.js'),
      'offline',
      'start',
      '--stage',
      options.stage,
    ],
    {
      cwd: options.projectDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: options.awsEndpointUrl,
        AWS_ACCESS_KEY_ID: SANDBOX_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: SANDBOX_CREDENTIALS.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        OFFLINE_HTTP_PORT: String(options.httpPort),
        OFFLINE_LAMBDA_PORT: String(options.lambdaPort),
        ESBUILD_WORK_FOLDER: options.workFolder,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        SLS_DEPRECATION_DISABLE: '*',
      },
    },
  );
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const tail: string[] = [];
  const abort = () => void stopChild(child, exited);
  options.signal?.addEventListener('abort', abort, { once: true });
  if (options.signal?.aborted) abort();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`serverless offline did not start in ${OFFLINE_START_TIMEOUT_MS} ms:\n${tail.join('\n')}`),
      );
    }, OFFLINE_START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        options.onLine?.(line);
        if (line.includes('Server ready')) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `serverless offline exited with ${code ?? signal} before it was ready:\n${tail.join('\n')}`,
        ),
      );
    });
  }).finally(() => options.signal?.removeEventListener('abort', abort));
  return {
    httpUrl: `http://127.0.0.1:${options.httpPort}`,
    lambdaUrl: `http://127.0.0.1:${options.lambdaPort}`,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}
