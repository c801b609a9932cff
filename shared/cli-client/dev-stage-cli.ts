/**
 * `rollout-watchdog dev ...`: steers the local stage `npm run dev` runs, through its routes under
 * `/_dev/` on the same URL as the control API (`ROLLOUT_WATCHDOG_API`): switch the traffic
 * scenario, make the canary fail or slow, inject AWS faults, take a canary left serving back to 0 %.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeArgsError } from './describe-args-error';
// The operator commands' exit codes: 0 done, 1 refused, 2 usage, 3 stage unreachable or failing.
import { API_URL_ENV, EXIT } from './run-operator-cli';

/** How long one call to the stage may take, ms (a reset may step the endpoint through an update). */
const DEV_CALL_TIMEOUT_MS = 30_000;

export const DEV_USAGE = `usage (against the local stage \`npm run dev\` prints; ENDPOINT defaults to demo-endpoint):
  rollout-watchdog dev status                                the stage: time, endpoint, traffic, faults
  rollout-watchdog dev scenarios                             the scenarios traffic can play
  rollout-watchdog dev traffic SCENARIO [--from-minute N] [--with-policy] [--endpoint E]
                                   play a scenario (a name in scenarios/ or a file) from minute N;
                                   --with-policy also stores the scenario's policy for the endpoint
  rollout-watchdog dev fault canary-5xx RATE [--endpoint E]  the canary fails RATE (0..1) of requests from now on
  rollout-watchdog dev fault canary-latency P99_MS [--p50 MS] [--endpoint E]
                                                             the canary's latency from now on
  rollout-watchdog dev fault throttle|error|latency [--service S] [--operation OP] [--region R]
                                   [--times N] [--fraction F] [--code C] [--latency-ms MS]
                                                             make AWS calls fail or slow down
  rollout-watchdog dev fault hold-endpoint|release-endpoint [--endpoint E]
                                                             keep the endpoint Updating, or let it go
  rollout-watchdog dev fault region-down|region-up --region R [--mode reset|unavailable]
  rollout-watchdog dev fault drop-deliveries|duplicate-deliveries [--count N] [--channel events|sns]
  rollout-watchdog dev fault clear                           every fault off
  rollout-watchdog dev reset [--endpoint E]                  a canary left serving after a final rollout back to 0%
                                   (usually nothing to do: the watchdog retires and removes variants)
options: --api URL (default $${API_URL_ENV}), --json (print the stage's JSON answer)`;

export interface DevCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export interface DevCliOptions {
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: typeof fetch;
  /** Folder relative scenario files are read from. Default: the current directory. */
  cwd?: string;
}

interface DevRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: Record<string, unknown>;
}

/** Runs `rollout-watchdog dev ARGS...` (`args` without `dev`); resolves to the exit code. */
export async function runDevCommand(
  args: string[],
  io: DevCliIo,
  options: DevCliOptions = {},
): Promise<number> {
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    (args.length === 0 ? io.stderr : io.stdout).write(`${DEV_USAGE}\n`);
    return args.length === 0 ? EXIT.usage : EXIT.ok;
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    io.stderr.write(`${describeArgsError(error)}\n${DEV_USAGE}\n`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const api = values.api ?? (options.env ?? process.env)[API_URL_ENV];
  if (!api) {
    io.stderr.write(
      `--api URL is required (or set ${API_URL_ENV} to the URL \`npm run dev\` prints)\n${DEV_USAGE}\n`,
    );
    return EXIT.usage;
  }
  let request: DevRequest;
  try {
    request = toRequest(positionals, values, options.cwd ?? process.cwd());
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n('rollout-watchdog dev --help' lists the commands)\n`);
    return EXIT.usage;
  }
  const url = `${api.replace(/\/+$/, '')}/_dev${request.path}`;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: request.method,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      ...(request.body ? { body: JSON.stringify(request.body) } : {}),
      signal: AbortSignal.timeout(DEV_CALL_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    io.stderr.write(`cannot reach the local stage at ${url} (${cause}): is \`npm run dev\` running?\n`);
    return EXIT.unavailable;
  }
  const text = await response.text();
  let body: { message?: unknown; error?: unknown } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (response.status === 404 && typeof body?.message !== 'string') {
    io.stderr.write(
      `${api} has no local-stage routes (${request.method} ${url} answered 404): \`rollout-watchdog dev\` works against the URL \`npm run dev\` prints\n`,
    );
    return EXIT.refused;
  }
  if (values.json) {
    (response.ok ? io.stdout : io.stderr).write(`${text.trimEnd()}\n`);
  } else {
    const message =
      typeof body?.message === 'string' ? body.message : text.trim() || `HTTP ${response.status}`;
    if (response.ok) io.stdout.write(`${message}\n`);
    else io.stderr.write(`error ${response.status}: ${message}\n`);
  }
  if (response.ok) return EXIT.ok;
  return response.status >= 500 ? EXIT.unavailable : EXIT.refused;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      api: { type: 'string' },
      json: { type: 'boolean' },
      endpoint: { type: 'string' },
      'from-minute': { type: 'string' },
      'with-policy': { type: 'boolean' },
      p50: { type: 'string' },
      service: { type: 'string' },
      operation: { type: 'string' },
      region: { type: 'string' },
      times: { type: 'string' },
      fraction: { type: 'string' },
      code: { type: 'string' },
      'latency-ms': { type: 'string' },
      mode: { type: 'string' },
      count: { type: 'string' },
      channel: { type: 'string' },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

const AWS_FAULTS = new Set([
  'throttle',
  'error',
  'latency',
  'hold-endpoint',
  'release-endpoint',
  'region-down',
  'region-up',
  'drop-deliveries',
  'duplicate-deliveries',
]);

function toRequest(positionals: string[], values: Values, cwd: string): DevRequest {
  const [command, ...rest] = positionals;
  const endpoint = values.endpoint ? { endpoint: values.endpoint } : {};
  const none = (what: string) => {
    if (rest.length > 0) throw new Error(`${what} takes no arguments, got: ${rest.join(' ')}`);
  };
  switch (command) {
    case 'status':
      none('dev status');
      return { method: 'GET', path: '' };
    case 'scenarios':
      none('dev scenarios');
      return { method: 'GET', path: '/scenarios' };
    case 'reset':
      none('dev reset');
      return { method: 'POST', path: '/reset', body: endpoint };
    case 'traffic': {
      const [scenario, ...extra] = rest;
      if (!scenario) throw new Error('dev traffic needs a SCENARIO (try `rollout-watchdog dev scenarios`)');
      if (extra.length > 0) throw new Error(`unexpected arguments: ${extra.join(' ')}`);
      // A file is read by the stage, which may run elsewhere: send it as an absolute path.
      const isFile =
        scenario.includes('/') || (scenario.endsWith('.json') && existsSync(resolve(cwd, scenario)));
      return {
        method: 'POST',
        path: '/traffic',
        body: {
          scenario: isFile ? resolve(cwd, scenario) : scenario,
          ...endpoint,
          ...(values['from-minute'] !== undefined
            ? { fromMinute: number(values['from-minute'], '--from-minute') }
            : {}),
          ...(values['with-policy'] ? { withPolicy: true } : {}),
        },
      };
    }
    case 'fault':
      return faultRequest(rest, values, endpoint);
    default:
      throw new Error(`unknown dev command ${command ?? '(none)'}`);
  }
}

function faultRequest(rest: string[], values: Values, endpoint: { endpoint?: string }): DevRequest {
  const [kind, value, ...extra] = rest;
  if (extra.length > 0) throw new Error(`unexpected arguments: ${extra.join(' ')}`);
  switch (kind) {
    case 'clear':
      if (value !== undefined) throw new Error('dev fault clear takes no value');
      return { method: 'DELETE', path: '/faults' };
    case 'canary-5xx': {
      if (value === undefined)
        throw new Error('dev fault canary-5xx needs a RATE between 0 and 1 (0.2 = 20%)');
      return { method: 'POST', path: '/faults', body: { kind, rate: number(value, 'RATE'), ...endpoint } };
    }
    case 'canary-latency': {
      if (value === undefined) throw new Error('dev fault canary-latency needs the p99 in ms (900)');
      return {
        method: 'POST',
        path: '/faults',
        body: {
          kind,
          p99Ms: number(value, 'P99_MS'),
          ...(values.p50 !== undefined ? { p50Ms: number(values.p50, '--p50') } : {}),
          ...endpoint,
        },
      };
    }
    default: {
      if (!kind || !AWS_FAULTS.has(kind)) {
        throw new Error(
          `unknown fault ${kind ?? '(none)'}: canary-5xx, canary-latency, clear, or one of ${[...AWS_FAULTS].join(', ')}`,
        );
      }
      if (value !== undefined) throw new Error(`unexpected argument: ${value}`);
      const numbers = { times: values.times, fraction: values.fraction, count: values.count };
      return {
        method: 'POST',
        path: '/faults',
        body: {
          kind,
          ...endpoint,
          ...(values.service ? { service: values.service } : {}),
          ...(values.operation ? { operation: values.operation } : {}),
          ...(values.region ? { region: values.region } : {}),
          ...(values.code ? { code: values.code } : {}),
          ...(values.mode ? { mode: values.mode } : {}),
          ...(values.channel ? { channel: values.channel } : {}),
          ...(values['latency-ms'] !== undefined
            ? { latencyMs: number(values['latency-ms'], '--latency-ms') }
            : {}),
          ...Object.fromEntries(
            Object.entries(numbers)
              .filter(([, raw]) => raw !== undefined)
              .map(([key, raw]) => [key, number(raw as string, `--${key}`)]),
          ),
        },
      };
    }
  }
}

function number(raw: string, what: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new Error(`${what} must be a number, got "${raw}"`);
  return value;
}
