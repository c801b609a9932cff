/**
 * `npm run dev`: the local stage, up until Ctrl-C. The AWS sandbox, the stage's table, topic and
 * parameters, the real functions on serverless-offline and the event router come up on a running
 * clock (`--speed X`: simulated time runs X times the wall clock); a demo endpoint serving its
 * first model alone, with the next models registered and a stored policy (short lifecycle
 * delays), gets traffic from a scenario. It prints the control API's URL, the `export` line for the
 * operator CLI and the commands to try from another terminal, then one line per event (decisions,
 * alarms, commands). Ctrl-C or SIGTERM stops every process it started and removes its folders.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeArgsError } from '../shared/cli-client/describe-args-error';
import {
  DEFAULT_DEV_API_PORT,
  DEV_DEFAULT_SCENARIO,
  DEV_LIFECYCLE_SUMMARY,
  DEV_ROUTE_PREFIX,
  type DevStage,
  startDevStage,
} from '../sandbox/local-stack/dev-stage';
import { DEFAULT_SANDBOX_PORT } from '../sandbox/server';
import { API_URL_ENV } from '../shared/cli-client/run-operator-cli';
import { DEFAULT_UI_PORT, startUiServer, type UiServer } from '../shared/ui/ui-server';

// The SDK's notice about Node 20 support would print in the middle of the banner.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A signal this soon after the first is the same Ctrl-C delivered twice, not a second one. Milliseconds. */
const REPEATED_SIGNAL_MS = 2_000;

const USAGE = `usage: npm run dev -- [--speed X] [--scenario NAME|FILE] [--port N] [--sandbox-port N] [--verbose]
  --speed X          simulated time runs X times the wall clock (default 1; 60 = a minute a second)
  --scenario NAME    traffic on the demo endpoint (default ${DEV_DEFAULT_SCENARIO}; a name in scenarios/ or a file)
  --port N           the control API's port (default ${DEFAULT_DEV_API_PORT}; 0 picks a free one)
  --sandbox-port N   the AWS sandbox's port (default ${DEFAULT_SANDBOX_PORT}; 0 picks a free one)
  --verbose          also print serverless-offline's output and every minute of traffic`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      speed: { type: 'string' },
      scenario: { type: 'string' },
      port: { type: 'string' },
      'sandbox-port': { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const port = (raw: string | undefined, fallback: number, what: string): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65535)
      throw new RangeError(`${what} must be a port number (0 picks a free one), got "${raw}"`);
    return value;
  };
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!(Number.isFinite(speed) && speed > 0))
    throw new RangeError(`--speed must be a number above 0, got "${values.speed}"`);
  return {
    help: values.help === true,
    speed,
    scenario: values.scenario ?? DEV_DEFAULT_SCENARIO,
    apiPort: port(values.port, DEFAULT_DEV_API_PORT, '--port'),
    sandboxPort: port(values['sandbox-port'], DEFAULT_SANDBOX_PORT, '--sandbox-port'),
    verbose: values.verbose === true,
  };
}

function banner(stage: DevStage, projectDir: string, ui: UiServer | undefined): string {
  const e = stage.endpointName;
  const { baselineVariant } = stage.scenario.endpoint;
  const [first, next, bad] = stage.models;
  const cli = 'npx rollout-watchdog';
  return `
rollout-watchdog local stage is up (stage ${stage.stage}, ${stage.region})

  control API      ${stage.apiUrl}
  rollout page     ${ui ? `${ui.url}  (open it in a browser; or \`${cli} ui\` against any control API)` : 'not served (see above)'}
  AWS sandbox      ${stage.sandboxUrl}
  simulated time   ${stage.clock.isoNow()}, running ${stage.speed}x the wall clock
  demo endpoint    ${e}: InService, ${baselineVariant} runs ${first} alone (100%)
  models           registered, not deployed: ${stage.models.slice(1).join(', ')}
  policy           ${stage.policyParameter}: ${stage.policySummary}
  lifecycle        ${DEV_LIFECYCLE_SUMMARY}
  traffic          ${stage.scenario.name}: ${stage.scenario.description}
  Slack messages   curl ${stage.slackUrl}
  emails           ${stage.outboxDir}
  functions        ${stage.functionsUrl}, bundled in ${relative(projectDir, stage.workFolder)}
  (the emails and bundle folders are removed when the stage stops)

In another terminal, point the CLI at the stage:

  export ${API_URL_ENV}=${stage.apiUrl}

then roll out the next model (the watchdog deploys it as the canary beside ${first}):

  ${cli} start ${e} --model ${next} --reason "try the watchdog"
  ${cli} status ${e}
  ${cli} pause ${e} --reason "looking at dashboards"
  ${cli} resume ${e}
  ${cli} promote ${e}
  ${cli} history ${e}
  ${cli} status ${e}               # a minute after the promotion: ${first} retired, ${next} alone

then break the model after it and watch the watchdog roll it back on its own:

  ${cli} start ${e} --model ${bad} --reason "a bad canary"
  ${cli} dev fault canary-5xx 0.2      # the canary fails 20% of its requests from now on
  ${cli} status ${e}               # RolledBack; a minute later the canary is removed
  ${cli} dev fault clear

(\`${cli} rollback ${e} --reason "canary looks wrong"\` rolls back by hand while a rollout runs.)

and change the traffic or the canary while it runs:

  ${cli} dev traffic canary-5xx-spike --from-minute 20
  ${cli} dev fault canary-latency 900
  ${cli} dev status
  curl -X POST ${stage.apiUrl}${DEV_ROUTE_PREFIX}/traffic -d '{"scenario":"canary-5xx-spike"}'

To call the sandbox's AWS APIs yourself (aws CLI, SDK):

  export AWS_ENDPOINT_URL=${stage.sandboxUrl} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=${stage.region}

Ctrl-C stops everything. What happens (simulated time):`;
}

/** The parent of process `pid` (Linux `/proc`), or undefined where that cannot be read. */
function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * Calls `onGone` once the processes that launched this one go away without a signal reaching it:
 * `npm run dev` runs `sh -c tsx scripts/dev.ts`, and `sh` does not pass on the SIGTERM npm
 * forwards, so killing npm alone would leave the stage running, orphaned.
 */
function watchLauncher(onGone: () => void): void {
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  const timer = setInterval(() => {
    const orphaned = process.ppid !== parent;
    const launcherGone = grandparent !== undefined && parentOf(parent) !== grandparent;
    if (orphaned || launcherGone) {
      clearInterval(timer);
      onGone();
    }
  }, 1_000);
  timer.unref();
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions();
  } catch (error) {
    console.error(`${describeArgsError(error)}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const projectDir = resolve(import.meta.dirname, '..');
  const controller = new AbortController();
  let starting: Promise<DevStage> | undefined;
  let stage: DevStage | undefined;
  // Set once the stage is up; `stop` closes it.
  let ui: UiServer | undefined = undefined;
  let stopping: Promise<number> | undefined;
  const stop = (why: string, code: number): Promise<number> => {
    stopping ??= (async () => {
      console.log(`\n${why}: stopping the local stage...`);
      controller.abort();
      await ui?.close();
      // A start in progress cleans up after itself once aborted; wait for it to finish doing so.
      stage ??= await starting?.catch(() => undefined);
      await stage?.close();
      if (stage) {
        console.log(
          `stopped: serverless-offline, the sandbox; removed ${relative(projectDir, stage.workFolder)} and ${stage.outboxDir}`,
        );
      }
      return code;
    })();
    return stopping;
  };
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      void stop(signal, 0).then((code) => process.exit(code));
      return;
    }
    // One Ctrl-C can arrive twice: from the terminal and relayed by a wrapper (`npx tsx`).
    if (Date.now() - firstSignalAt < REPEATED_SIGNAL_MS) return;
    // A second Ctrl-C: stop waiting, but leave no process or folder behind.
    console.error(`${signal} again: exiting now`);
    stage?.abandon();
    process.exit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  watchLauncher(
    () => void stop('the command that started it has gone', 0).then((code) => process.exit(code)),
  );

  console.log(
    'rollout-watchdog local stage: the real functions on serverless-offline against the AWS sandbox',
  );
  console.log('starting (bundling the functions takes a few seconds)...');
  try {
    starting = startDevStage({
      projectDir,
      speed: options.speed,
      apiPort: options.apiPort,
      sandboxPort: options.sandboxPort,
      scenario: options.scenario,
      log: (line) => console.log(line),
      signal: controller.signal,
      ...(options.verbose
        ? {
            onOfflineLine: (line: string) => console.log(`  | ${line}`),
            onTrafficMinute: (line: string) => console.log(line),
          }
        : {}),
    });
    stage = await starting;
  } catch (error) {
    if (controller.signal.aborted) return stopping ?? 0;
    console.error(`npm run dev could not start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (stopping) return stopping;
  // The rollout page, on the stage's own API (which adds the simulated clock): its usual port, or
  // any free one when that is taken.
  const apiUrl = stage.apiUrl;
  ui = await startUiServer({ api: apiUrl, port: DEFAULT_UI_PORT })
    .catch(() => startUiServer({ api: apiUrl, port: 0 }))
    .catch((error: unknown) => {
      console.error(`the rollout page could not be served: ${String(error)}`);
      return undefined;
    });
  console.log(banner(stage, projectDir, ui));
  const exited = await stage.functionsExited;
  if (stopping) return stopping;
  console.error(`serverless-offline exited on its own (${exited}); run with --verbose to see why`);
  return stop('the functions stopped', 1);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('npm run dev failed:', error);
    process.exit(1);
  },
);
