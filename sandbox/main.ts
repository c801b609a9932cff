/**
 * `npm run sandbox`: starts the local AWS sandbox on 127.0.0.1:4566 (or `--port` / `SANDBOX_PORT`),
 * prints what it serves and the environment to export, and stays up until Ctrl-C.
 *
 * The AWS APIs only: the functions are not started here (`npm run dev` starts the whole local
 * stage). Unless `--without-events`, scheduled ticks and alarm events go to the functions at
 * `--lambda-endpoint`; while nothing answers there the router says so once and retries quietly.
 * `--provision` creates the stage's table, topic and parameters, as `npm run dev` does, so
 * functions started by hand (`npx serverless offline start --stage local`) find them.
 */
import { parseArgs } from 'node:util';
import { loadScenarioFile } from '../shared/simulation/scenario-schema';
import { createSandboxClock, DEFAULT_SPEED } from './clock';
import { createSandbox } from './create-sandbox';
import { DEFAULT_ROUTER_STAGE } from './event-router';
import { createHttpLambdaInvoker, DEFAULT_LAMBDA_ENDPOINT } from './lambda-invoker';
import { LOCAL_REGION, LOCAL_SLACK_HOOK } from './local-stack/start-local-stack';
import { provisionWatchdog } from './local-stack/provision-watchdog';
import { DEFAULT_OUTBOX_DIR } from './outbox';
import { DEFAULT_QUOTAS } from './quotas';
import { DEFAULT_SANDBOX_HOST, DEFAULT_SANDBOX_PORT } from './server';
import { DEFAULT_ENDPOINT_DELAY_MS } from './services/sagemaker/sagemaker-emulation';

const USAGE = `usage: npm run sandbox -- [--port N] [--host H] [--speed X] [--endpoint-delay-ms MS]
                             [--outbox DIR] [--lambda-endpoint URL] [--manual-email-confirmation]
                             [--stage S] [--without-events] [--provision] [--scenario FILE]
                             [--quota SERVICE.OPERATION=N ...] [--no-quotas]
  --quota           change one per-second quota (sagemaker.DescribeEndpoint=5; =off lifts it);
                    defaults: ${Object.entries(DEFAULT_QUOTAS)
                      .map(([key, limit]) => `${key} ${limit}/s`)
                      .join(', ')}
  --no-quotas       no rate quotas at all
  --without-events  do not deliver scheduled ticks and alarm events to the functions
  --provision       create the stage's table, topic and parameters (for functions started by hand)
The functions are not started here: \`npm run dev\` runs the whole local stage.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      speed: { type: 'string' },
      'endpoint-delay-ms': { type: 'string' },
      outbox: { type: 'string' },
      'lambda-endpoint': { type: 'string' },
      'manual-email-confirmation': { type: 'boolean' },
      stage: { type: 'string' },
      'without-events': { type: 'boolean' },
      provision: { type: 'boolean' },
      scenario: { type: 'string' },
      quota: { type: 'string', multiple: true },
      'no-quotas': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const number = (raw: string | undefined, fallback: number, what: string): number => {
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`${what} must be a non-negative number, got "${raw}"`);
    return value;
  };
  const port = number(values.port ?? process.env.SANDBOX_PORT, DEFAULT_SANDBOX_PORT, '--port');
  const speed = number(values.speed, DEFAULT_SPEED, '--speed');
  const lambdaEndpoint =
    values['lambda-endpoint'] ?? process.env.SANDBOX_LAMBDA_ENDPOINT ?? DEFAULT_LAMBDA_ENDPOINT;
  const outboxDir = values.outbox ?? DEFAULT_OUTBOX_DIR;
  const clock = createSandboxClock({ mode: 'running', speed });
  const stage = values.stage ?? process.env.STAGE ?? DEFAULT_ROUTER_STAGE;
  const routeEvents = values['without-events']
    ? undefined
    : {
        projectDir: process.cwd(),
        stage,
        unreachableHint: `start them (\`npx serverless offline start --stage ${stage}\` after restarting this sandbox with --provision, or \`npm run dev\` for the whole local stage instead of this sandbox), or restart the sandbox with --without-events`,
      };
  const tableName = `rollout-watchdog-${stage}`;
  const reportedTables = new Set<string>();
  const onMissingTable = (name: string): string | undefined => {
    if (!name.startsWith('rollout-watchdog-')) return undefined;
    const hint = `the sandbox has no table ${name}: the stage is not provisioned. Restart the sandbox with \`npm run sandbox -- --provision${name === tableName ? '' : ` --stage ${name.slice('rollout-watchdog-'.length)}`}\` (creates the table, topic and parameters the functions use), or run \`npm run dev\`, which provisions and starts everything`;
    if (!reportedTables.has(name)) {
      reportedTables.add(name);
      console.error(
        `sandbox: a function asked DynamoDB for table ${name}, which does not exist: ${hint.slice(hint.indexOf(': ') + 2)}.`,
      );
    }
    return hint;
  };
  const scenario = values.scenario ? loadScenarioFile(values.scenario) : undefined;
  const quotaLimits = Object.fromEntries((values.quota ?? []).map(parseQuotaFlag));
  const sandbox = await createSandbox({
    quotas: values['no-quotas'] ? false : { limits: quotaLimits },
    ...(scenario ? { autoTraffic: { scenario } } : {}),
    ...(routeEvents ? { routeEvents } : {}),
    port,
    host: values.host ?? DEFAULT_SANDBOX_HOST,
    clock,
    outboxDir,
    // Not `Event`: serverless-offline does not await those, and a handler that throws stops it.
    lambdaInvoker: createHttpLambdaInvoker(lambdaEndpoint, { asyncInvocations: 'background' }),
    onMissingTable,
    endpointDelayMs: number(values['endpoint-delay-ms'], DEFAULT_ENDPOINT_DELAY_MS, '--endpoint-delay-ms'),
    emailConfirmation: values['manual-email-confirmation'] ? 'manual' : 'auto',
  });
  clock.start();
  const provisioned = values.provision
    ? await provisionWatchdog({
        endpoint: sandbox.url,
        region: LOCAL_REGION,
        stage,
        slackWebhookUrl: sandbox.slackWebhookUrl(LOCAL_SLACK_HOOK),
        alertEmail: 'dev@localhost',
      })
    : undefined;

  const health = (await (await fetch(`${sandbox.url}/_sandbox/health`)).json()) as {
    services: Record<string, string[]>;
  };
  console.log(`rollout-watchdog sandbox listening on ${sandbox.url}`);
  console.log(`simulated time ${clock.isoNow()}, running ${speed}x the wall clock`);
  console.log('\nserves:');
  for (const [service, operations] of Object.entries(health.services)) {
    console.log(`  ${service.padEnd(10)} ${operations.join(', ')}`);
  }
  console.log(`\nemail outbox: ${outboxDir}   SNS lambda deliveries: ${lambdaEndpoint}`);
  const { limits } = sandbox.quotas.snapshot();
  console.log(
    `quotas (calls/s per region): ${
      Object.entries(limits)
        .map(([key, limit]) => `${key} ${limit}`)
        .join(', ') || 'none'
    }`,
  );
  if (scenario) console.log(`traffic: scenario "${scenario.name}" plays against every endpoint created`);
  if (sandbox.events) {
    const routed =
      sandbox.events.functions
        .filter((f) => f.schedules.length + f.patterns.length > 0)
        .map((f) => f.functionName)
        .join(', ') || 'none';
    console.log(`scheduled ticks and alarm events (stage ${stage}) go to: ${routed}`);
    console.log(`  at ${lambdaEndpoint}; not running here: start them, or pass --without-events`);
  }
  if (provisioned) {
    console.log(
      `stage ${stage} provisioned: table ${provisioned.tableName}, topic ${provisioned.topicArn}, ${provisioned.parameterPrefix}/slack-webhook-url -> ${sandbox.slackWebhookUrl(LOCAL_SLACK_HOOK)}`,
    );
  } else {
    console.log(`stage ${stage} not provisioned (no table ${tableName}): --provision creates it`);
  }
  console.log(
    `control routes: ${sandbox.url}/_sandbox/{health,faults,quotas,slack/<hook>,outbox,state,clock,traffic,sns/deliveries}`,
  );
  console.log('\nexport these to point the AWS SDK at it:');
  console.log(`  export AWS_ENDPOINT_URL=${sandbox.url}`);
  console.log('  export AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox AWS_REGION=us-east-1');
  console.log('\nCtrl-C to stop.');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping sandbox...');
    clock.stop();
    await sandbox.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/** `--quota sagemaker.DescribeEndpoint=5` → `['sagemaker.DescribeEndpoint', 5]`; `=off` lifts the quota. */
function parseQuotaFlag(flag: string): [string, number | null] {
  const match = /^([^=]+)=(\d+|off)$/.exec(flag);
  if (!match) throw new RangeError(`--quota takes SERVICE.OPERATION=N or =off, got "${flag}"`);
  return [match[1]!, match[2] === 'off' ? null : Number(match[2])];
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(USAGE);
  process.exit(1);
});
