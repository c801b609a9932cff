import { readFile as readFileFromDisk } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { describeArgsError } from './describe-args-error';
import { renderRegions } from './render-regions';
import { isOperatorCommand } from './operator-commands';
import { normaliseText, parseDecimalInteger } from '../domain/normalise-text';
import { redactSecrets } from '../middleware/redact-secrets';
import type { OperatorCommand } from '../domain/types';
import type { CommandOutcome } from '../control/control-contract';
import { parseDuration } from '../domain/parse-duration';
import {
  renderDeploymentFailure,
  renderHistory,
  renderList,
  renderOutcome,
  renderStatus,
} from './render-rollout';
import { type AwsCredentials, createSigV4Signer, defaultCredentials, regionFromHost } from './sign-request';
import {
  ApiRequestError,
  type ApiResponse,
  type OutgoingRequest,
  WatchdogApiClient,
} from './watchdog-api-client';
import {
  DEFAULT_DEPLOY_POLL_INTERVAL_MS,
  DEFAULT_DEPLOY_WAIT_TIMEOUT_SECONDS,
  type DeploymentWaitResult,
  formatElapsed,
  waitForCanaryDeployment,
} from './wait-for-canary-deployment';

/** Environment variable read when `--api` is not given (the notifications name it too). */
export const API_URL_ENV = 'ROLLOUT_WATCHDOG_API';

/** Exit codes: 0 done, 1 refused by the API (4xx), 2 usage error, 3 API unreachable or failing (5xx). */
export const EXIT = { ok: 0, refused: 1, usage: 2, unavailable: 3 } as const;
/*
 * `start --model` that stops watching at --wait-timeout exits 0: the start was accepted and the
 * watchdog carries the deployment on without the CLI; only a deployment that failed (or a rollout
 * that ended before its canary was deployed) is a 1.
 */

/** What the CLI prints and how it exits: `stdout` on success, `stderr` otherwise. */
export interface CliOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface OperatorCliIo {
  env?: Readonly<Record<string, string | undefined>>;
  readFile?: (path: string) => Promise<string>;
  fetch?: typeof fetch;
  /**
   * Request signer; default: SigV4 (`execute-api`) with the SDK's default credential chain when the
   * API URL is an `execute-api.<region>.amazonaws.com` host, none otherwise (local API).
   */
  signRequest?: (request: OutgoingRequest) => Promise<Record<string, string>>;
  /** Credentials for the default signer (tests); default: the SDK's default chain. */
  credentials?: () => Promise<AwsCredentials>;
  /**
   * Extra headers on every request, e.g. `{ 'x-watchdog-now': <sandbox time> }` so that, against the
   * local stage, commands are timed on the sandbox's simulated clock like the ticks are.
   */
  headers?: Record<string, string>;
  /**
   * Where `start --model` reports the canary deployment's progress while it waits, one line at a
   * time as it happens (the `rollout-watchdog` command writes them to stderr). Absent: silent.
   */
  progress?: (line: string) => void;
  /** How often `start --model` reads the status while it waits, ms; default DEFAULT_DEPLOY_POLL_INTERVAL_MS. */
  pollIntervalMs?: number;
  /** Waits between status reads (tests); default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Wall clock for the wait's timeout, epoch ms (tests); default Date.now. */
  now?: () => number;
}

function isAwsApiHost(api: string): boolean {
  try {
    return regionFromHost(new URL(api).hostname) !== undefined;
  } catch {
    return false;
  }
}

export const OPERATOR_USAGE = `usage:
  rollout-watchdog start ENDPOINT [--policy FILE] [--reason TEXT] [--force --reason TEXT]
      (--force: start although an alarm the policy names is in ALARM, missing or unreadable;
       the override is recorded with who and why)
  rollout-watchdog start ENDPOINT --model MODEL_NAME [--no-wait] [--wait-timeout DURATION] [...]
      (deploy MODEL_NAME as the canary variant beside the baseline, then begin the steps; waits
       for the deployment with progress on stderr, until it is done (exit 0) or failed (exit 1);
       --wait-timeout 30m by default (then exit 0: the watchdog carries on), --no-wait returns at once)
  rollout-watchdog status [ENDPOINT]            (no ENDPOINT: list rollouts)
  rollout-watchdog list
  rollout-watchdog history ENDPOINT [--limit N]
  rollout-watchdog regions ENDPOINT             (the promoted model's region ladder: model, status, bake)
  rollout-watchdog pause|resume|promote|abort ENDPOINT [--reason TEXT]
  rollout-watchdog rollback ENDPOINT --reason TEXT
  rollout-watchdog stats [--since 30d] [--endpoint NAME]   (deployment analytics; stats --help)
  rollout-watchdog ui [--port N]                 (the live rollout page; ui --help)
options: --api URL (default $${API_URL_ENV}), --operator NAME (local stage; default $USER),
  --json (print the API's JSON)
exit codes: 0 done, 1 refused by the control API (the reason is printed) or the canary deployment
  failed, 2 bad usage or unreadable file, 3 the control API could not be reached or failed`;

/**
 * Runs one operator subcommand against the control API. `argv` starts with the subcommand
 * (`['rollback', 'fraud-prod', '--reason', 'p99 up', '--api', 'http://...']`). Returns what to
 * print and the exit code; never throws (usage errors, refusals and unreachable APIs are outputs).
 * What it prints on stderr goes through the logger's redaction step (`redactSecrets`): an API
 * error or a network failure that echoes a webhook URL, a token or a signed header prints
 * `[redacted]` in its place.
 */
export async function runOperatorCli(
  argv: ReadonlyArray<string>,
  io: OperatorCliIo = {},
): Promise<CliOutput> {
  const output = await runUnredacted(argv, io);
  return output.stderr ? { ...output, stderr: redactSecrets(output.stderr) } : output;
}

async function runUnredacted(argv: ReadonlyArray<string>, io: OperatorCliIo): Promise<CliOutput> {
  const [command, ...rest] = argv;
  if (!isOperatorCommand(command)) return usage(`unknown command ${command ?? '(none)'}`);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rest);
  } catch (error) {
    return usage(describeArgsError(error));
  }
  const { values, positionals } = parsed;
  const api = values.api ?? io.env?.[API_URL_ENV];
  if (!api) return usage(`--api URL is required (or set ${API_URL_ENV})`);
  const endpoint = positionals[0];
  if (positionals.length > 1) return usage(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
  const needsEndpoint = command !== 'list' && command !== 'status';
  if (needsEndpoint && !endpoint) return usage(`${command} needs an ENDPOINT`);
  // NFC and trimmed of whitespace and invisible characters, as the control API reads it: a reason
  // made only of zero-width characters is no reason.
  const reason = values.reason === undefined ? undefined : normaliseText(values.reason);
  if (command === 'rollback' && !reason) return usage('rollback needs --reason TEXT (say why)');
  const force = values.force === true;
  if (force && command !== 'start') return usage('--force is an option of start only');
  if (force && !reason)
    return usage('start --force needs --reason TEXT (say why the alarm check is overridden)');
  const model = values.model === undefined ? undefined : normaliseText(values.model);
  if (model !== undefined && command !== 'start') return usage('--model is an option of start only');
  if (model === '') return usage('--model needs a MODEL_NAME (the SageMaker model to deploy as the canary)');
  const noWait = values['no-wait'] === true;
  if ((noWait || values['wait-timeout'] !== undefined) && model === undefined)
    return usage('--no-wait and --wait-timeout go with start --model');
  let waitTimeoutSeconds = DEFAULT_DEPLOY_WAIT_TIMEOUT_SECONDS;
  if (values['wait-timeout'] !== undefined) {
    const parsedTimeout = parseDuration(values['wait-timeout']);
    if (parsedTimeout === null) return usage('--wait-timeout must be a duration such as 90s, 30m or 1h');
    waitTimeoutSeconds = parsedTimeout;
  }

  // The deployed API has IAM auth on every route: sign requests to AWS hosts unless told how.
  const signRequest =
    io.signRequest ??
    (isAwsApiHost(api)
      ? createSigV4Signer({ credentials: io.credentials ?? defaultCredentials })
      : undefined);
  // Where no IAM identity names the caller (the local stage), history says who acted: the
  // login name unless --operator says otherwise. A deployed API takes the signed identity.
  const operator = values.operator ?? (signRequest ? undefined : io.env?.USER || io.env?.USERNAME);
  const client = new WatchdogApiClient(api, {
    ...(io.fetch ? { fetch: io.fetch } : {}),
    ...(operator ? { operator } : {}),
    ...(signRequest ? { signRequest } : {}),
    ...(io.headers ? { headers: io.headers } : {}),
  });
  const json = values.json === true;
  try {
    switch (command) {
      case 'list':
        return print(await client.list(), json, renderList);
      case 'status':
        return endpoint
          ? print(await client.status(endpoint), json, renderStatus)
          : print(await client.list(), json, renderList);
      case 'regions':
        return print(await client.status(endpoint as string), json, renderRegions);
      case 'history': {
        let limit: number | undefined;
        if (values.limit !== undefined) {
          limit = parseDecimalInteger(values.limit);
          if (limit === undefined || limit < 1) return usage('--limit must be a whole number >= 1');
        }
        return print(await client.history(endpoint as string, limit), json, renderHistory);
      }
      case 'start': {
        let policy: string | undefined;
        if (values.policy) {
          try {
            policy = await (io.readFile ?? ((path) => readFileFromDisk(path, 'utf8')))(values.policy);
          } catch (error) {
            return usage(`${values.policy}: cannot read the policy file: ${(error as Error).message}`);
          }
        }
        const response = await client.start({
          endpointName: endpoint as string,
          ...(policy === undefined ? {} : { policy }),
          ...(reason ? { reason } : {}),
          ...(force ? { force } : {}),
          ...(model === undefined ? {} : { model }),
        });
        const startedText = (body: CommandOutcome) => withOverride(renderOutcome('started', body), body);
        const change = response.ok ? response.body.rollout.endpointChange : undefined;
        const deploying =
          (change?.kind === 'add-canary' || change?.kind === 'add-shadow') &&
          (change.status === 'waiting' || change.status === 'updating');
        if (!response.ok || !deploying || noWait) return print(response, json, startedText);
        const waited = await waitForCanaryDeployment(client, {
          endpointName: endpoint as string,
          rolloutId: response.body.rollout.rolloutId,
          initial: change,
          intervalMs: io.pollIntervalMs ?? DEFAULT_DEPLOY_POLL_INTERVAL_MS,
          timeoutMs: waitTimeoutSeconds * 1000,
          sleep: io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
          now: io.now ?? Date.now,
          progress: io.progress ?? (() => {}),
        });
        return afterDeployment(response.body, waited, json, startedText);
      }
      default: {
        const response = await client.command(endpoint as string, command as OperatorCommand['type'], reason);
        return print(response, json, (body) =>
          renderOutcome(PAST_TENSE[command as OperatorCommand['type']], body),
        );
      }
    }
  } catch (error) {
    if (error instanceof ApiRequestError) {
      const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
      return { exitCode: EXIT.unavailable, stdout: '', stderr: `${error.message}${cause}` };
    }
    throw error;
  }
}

const PAST_TENSE: Readonly<Record<OperatorCommand['type'], string>> = {
  pause: 'paused',
  resume: 'resumed',
  promote: 'promoted',
  abort: 'aborted',
  rollback: 'rolled back',
};

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      api: { type: 'string' },
      policy: { type: 'string' },
      model: { type: 'string' },
      'no-wait': { type: 'boolean' },
      'wait-timeout': { type: 'string' },
      reason: { type: 'string' },
      limit: { type: 'string' },
      operator: { type: 'string' },
      json: { type: 'boolean' },
      force: { type: 'boolean' },
    },
  });
}

/** A forced start says what it overrode, so the operator sees it without reading history. */
function withOverride(text: string, body: CommandOutcome): string {
  const override = body.override;
  if (!override) return text;
  const found = [
    override.alarmsInAlarm.length > 0 ? `in ALARM: ${override.alarmsInAlarm.join(', ')}` : '',
    override.missingAlarms.length > 0 ? `missing: ${override.missingAlarms.join(', ')}` : '',
    override.unreadable ? `states unreadable: ${override.unreadable}` : '',
  ].filter(Boolean);
  return `${text}\nalarm check overridden (${found.join('; ')}); recorded in history`;
}

/**
 * What `start --model` prints once it stops waiting: the rollout as it stands now (the start's
 * answer with the latest status in it) and, on a failure or a timeout, what happened and what
 * to do next on stderr.
 */
function afterDeployment(
  started: CommandOutcome,
  waited: DeploymentWaitResult,
  json: boolean,
  render: (body: CommandOutcome) => string,
): CliOutput {
  if (waited.kind === 'refused') {
    return {
      exitCode: EXIT.refused,
      stdout: json ? JSON.stringify(started, null, 2) : render(started),
      stderr: [
        `the rollout was started, but its status could not be read: error ${waited.httpStatus}: ${waited.error}`,
        ...waited.problems.map((p) => `  - ${p}`),
      ].join('\n'),
    };
  }
  const body: CommandOutcome = waited.status ? { ...started, rollout: waited.status } : started;
  const stdout = json ? JSON.stringify(body, null, 2) : render(body);
  const endpointName = started.rollout.endpointName;
  switch (waited.kind) {
    case 'done':
      return { exitCode: EXIT.ok, stdout, stderr: '' };
    case 'failed':
      return {
        exitCode: EXIT.refused,
        stdout,
        stderr: renderDeploymentFailure(body.rollout),
      };
    case 'ended':
      return {
        exitCode: EXIT.refused,
        stdout,
        stderr:
          body.rollout.rolloutId !== started.rollout.rolloutId
            ? `the rollout of ${endpointName} was replaced by another one while the CLI waited (now ${body.rollout.phase}): see \`rollout-watchdog history ${endpointName}\``
            : `the rollout of ${endpointName} is ${body.rollout.phase} already (ended during or right after its canary's deployment, before the CLI saw the steps begin): see \`rollout-watchdog history ${endpointName}\``,
      };
    case 'timeout':
      return {
        exitCode: EXIT.ok,
        stdout,
        stderr: `stopped waiting after ${formatElapsed(waited.waitedMs)}: ${body.rollout.endpointChange?.description ?? 'the canary deployment is still under way'}. The watchdog carries on without this command; follow it with \`rollout-watchdog status ${endpointName}\`.`,
      };
  }
}

function print<T>(response: ApiResponse<T>, json: boolean, render: (body: T) => string): CliOutput {
  if (response.ok) {
    return {
      exitCode: EXIT.ok,
      stdout: json ? JSON.stringify(response.body, null, 2) : render(response.body),
      stderr: '',
    };
  }
  const lines = [`error ${response.status}: ${response.error}`, ...response.problems.map((p) => `  - ${p}`)];
  return {
    exitCode: response.status >= 500 ? EXIT.unavailable : EXIT.refused,
    stdout: '',
    stderr: lines.join('\n'),
  };
}

function usage(message: string): CliOutput {
  return { exitCode: EXIT.usage, stdout: '', stderr: `${message}\n${OPERATOR_USAGE}` };
}
