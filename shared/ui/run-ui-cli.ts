import { parseArgs } from 'node:util';
import { apiSigner } from '../cli-client/api-signer';
import { describeArgsError } from '../cli-client/describe-args-error';
import { API_URL_ENV, EXIT } from '../cli-client/run-operator-cli';
import { DEFAULT_REFRESH_SECONDS, DEFAULT_UI_PORT, startUiServer, type UiServer } from './ui-server';

export const UI_USAGE = `usage: rollout-watchdog ui [--port N] [--api URL] [--refresh SECONDS]
  serves the live rollout page on http://127.0.0.1:PORT/ (default ${DEFAULT_UI_PORT}; 0 picks a free one):
  every active and recent rollout, and per rollout its traffic split, per-variant error rate and
  p99 with each decision marked, the step of the plan, the history, the endpoint and the regions.
  Like \`kubectl proxy\`, it calls the control API for the page, signed with your AWS credentials
  when the API is an execute-api host (unsigned against the local stage). Ctrl-C stops it.
  --api       the control API (default $${API_URL_ENV})
  --refresh   how often the page reloads, seconds (default ${DEFAULT_REFRESH_SECONDS})`;

export interface UiCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env?: Readonly<Record<string, string | undefined>>;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  stopped?: Promise<unknown>;
  /** Called once the server listens (tests). */
  onListening?: (server: UiServer) => void;
}

/** Runs `rollout-watchdog ui ARGS...` until stopped; resolves to the exit code. */
export async function runUiCommand(args: string[], io: UiCliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${UI_USAGE}\n`);
    return EXIT.ok;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { port: { type: 'string' }, api: { type: 'string' }, refresh: { type: 'string' } },
    }));
  } catch (error) {
    io.stderr.write(`${describeArgsError(error)}\n${UI_USAGE}\n`);
    return EXIT.usage;
  }
  const env = io.env ?? process.env;
  const api = values.api ?? env[API_URL_ENV];
  if (!api) {
    io.stderr.write(`--api URL is required (or set ${API_URL_ENV})\n${UI_USAGE}\n`);
    return EXIT.usage;
  }
  const port = values.port === undefined ? DEFAULT_UI_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr.write(`--port must be a port number (0 picks a free one), got "${values.port}"\n`);
    return EXIT.usage;
  }
  const refreshSeconds = values.refresh === undefined ? DEFAULT_REFRESH_SECONDS : Number(values.refresh);
  if (!(Number.isFinite(refreshSeconds) && refreshSeconds >= 1)) {
    io.stderr.write(`--refresh must be a number of seconds, at least 1, got "${values.refresh}"\n`);
    return EXIT.usage;
  }
  const signRequest = apiSigner(api);
  const operator = signRequest ? undefined : env.USER || env.USERNAME;
  let server: UiServer;
  try {
    server = await startUiServer({
      api,
      port,
      refreshSeconds,
      ...(signRequest ? { signRequest } : {}),
      ...(operator ? { operator } : {}),
    });
  } catch (error) {
    io.stderr.write(`cannot serve the rollout page on port ${port}: ${(error as Error).message}\n`);
    return EXIT.unavailable;
  }
  io.stdout.write(
    `rollout page: ${server.url}  (control API ${api}${signRequest ? ', signed with your AWS credentials' : ''}; Ctrl-C stops)\n`,
  );
  io.onListening?.(server);
  await (io.stopped ??
    new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    }));
  await server.close();
  return EXIT.ok;
}
