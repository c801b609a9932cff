import { parseArgs } from 'node:util';
import { apiSigner } from './api-signer';
import { describeArgsError } from './describe-args-error';
import { renderStats } from './render-stats';
import { API_URL_ENV, EXIT } from './run-operator-cli';
import type { AwsCredentials } from './sign-request';
import { ApiRequestError, WatchdogApiClient } from './watchdog-api-client';

export const STATS_USAGE = `usage: rollout-watchdog stats [--since 30d] [--endpoint NAME] [--json] [--api URL]
  deployment analytics over the rollouts that ended in the period: how many were promoted, rolled
  back or aborted, the median and p90 duration, the median time to detect a bad canary, the top
  rollback reasons, and the same per endpoint.
  --since   an age (30d, 12h, 90m; default 30d, at most 400d) or an ISO day or time (2026-03-01)
  --api     the control API (default $${API_URL_ENV}); AWS hosts are signed with your credentials
exit codes: 0 done, 1 refused by the control API, 2 bad usage, 3 the control API could not be reached or failed`;

export interface StatsCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: typeof fetch;
  credentials?: () => Promise<AwsCredentials>;
}

/** Runs `rollout-watchdog stats ARGS...` (`args` without `stats`); resolves to the exit code. */
export async function runStatsCommand(args: string[], io: StatsCliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${STATS_USAGE}\n`);
    return EXIT.ok;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        since: { type: 'string' },
        endpoint: { type: 'string' },
        json: { type: 'boolean' },
        api: { type: 'string' },
      },
    }));
  } catch (error) {
    io.stderr.write(`${describeArgsError(error)}\n${STATS_USAGE}\n`);
    return EXIT.usage;
  }
  const api = values.api ?? io.env?.[API_URL_ENV];
  if (!api) {
    io.stderr.write(`--api URL is required (or set ${API_URL_ENV})\n${STATS_USAGE}\n`);
    return EXIT.usage;
  }
  const signRequest = apiSigner(api, io.credentials);
  const client = new WatchdogApiClient(api, {
    ...(io.fetch ? { fetch: io.fetch } : {}),
    ...(signRequest ? { signRequest } : {}),
  });
  try {
    const response = await client.stats({
      ...(values.since !== undefined ? { since: values.since } : {}),
      ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}),
    });
    if (!response.ok) {
      const problems = response.problems.map((p) => `\n  ${p}`).join('');
      io.stderr.write(`error ${response.status}: ${response.error}${problems}\n`);
      return response.status >= 500 ? EXIT.unavailable : EXIT.refused;
    }
    io.stdout.write(`${values.json ? JSON.stringify(response.body, null, 2) : renderStats(response.body)}\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ApiRequestError)) throw error;
    const cause = (error.cause as { message?: string } | undefined)?.message;
    io.stderr.write(`${error.message}${cause ? ` (${cause})` : ''}\n`);
    return EXIT.unavailable;
  }
}
