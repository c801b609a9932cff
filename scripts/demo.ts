/**
 * `npm start`: the watchdog end to end on one machine. The local AWS sandbox comes up, the real
 * Lambda functions are bundled and hosted by serverless-offline, and a demo SageMaker endpoint is
 * created in us-east-1 serving model v1 alone. Two rollouts follow back to back, each started
 * through the control API from a model name, so the watchdog owns the whole lifecycle and the
 * demo never touches the endpoint itself: v2 is deployed as the canary, played with
 * `healthy-steady` traffic to promotion, and its baseline (v1) retired; then the promoted v2 takes
 * the region ladder to the regional copies, us-west-2 and then eu-west-1, each made from its own
 * region's image and baked on its own metrics before the next; v3 is deployed beside it,
 * played with `canary-5xx-spike`, rolled back, and its canary removed. Simulated time moves a
 * minute at a time, as fast as the functions answer; each minute prints the traffic split, both
 * variants' numbers and the tick's decision, and each lifecycle step its configs and the
 * instances it adds or releases. Then the Slack messages and emails that were delivered, and a
 * summary. Exits 0 when both rollouts end as expected, the endpoint cleaned up after each.
 *
 * `DEMO_PACE_MS` slows each minute down for a person watching (milliseconds, default 0).
 * `npm start -- --keep` keeps the email outbox folder for reading afterwards; without it the
 * folder is removed when the demo ends, so a run leaves nothing behind.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createSandboxClock } from '../sandbox/clock';
import type { InvokeResult } from '../sandbox/lambda-invoker';
import { sandboxApiClient } from '../sandbox/local-stack/sandbox-clients';
import { configureScenario, createBaselineEndpoint } from '../sandbox/local-stack/scenario-endpoint';
import { LOCAL_SLACK_HOOK, type LocalStack, startLocalStack } from '../sandbox/local-stack/start-local-stack';
import type { TrafficMinuteRecord } from '../sandbox/traffic';
import type { WatchdogApiClient } from '../shared/cli-client/watchdog-api-client';
import { renderRegions } from '../shared/cli-client/render-regions';
import type { EndpointChangeView, RegionSyncView } from '../shared/control/control-contract';
import { describePolicy } from '../shared/domain/index';
import { parsePolicyText } from '../shared/events/policy-text';
import { loadDemoScenario } from '../shared/simulation/demo-scenarios';
import type { Scenario } from '../shared/simulation/scenario-schema';
import { timeToDetectMinutes } from '../shared/simulation/time-to-detect';
import { formatCount, formatMs, formatPercent } from '../shared/wording/format-values';

const ENDPOINT = 'demo-endpoint';
const REGION = 'us-east-1';
const MINUTE = 60_000;
/** Endpoint updates stay `Updating` this long, simulated ms (well inside a minute). */
const ENDPOINT_DELAY_MS = 15_000;
/** Pause between printed minutes, milliseconds. */
const PACE_MS = Number(process.env.DEMO_PACE_MS ?? 0) || 0;
/** Longest reason printed on a minute line, characters (the full text is in history and emails). */
const REASON_WIDTH = 120;
const FINAL = new Set(['Promoted', 'RolledBack', 'Aborted']);

/** The team's model versions: v1 serves when the demo begins, v2 and v3 are rolled out in turn. */
const MODELS = ['demo-model-v1', 'demo-model-v2', 'demo-model-v3'] as const;
/**
 * The lifecycle the demo's policies use: short delays so the retirement and the clean-up show
 * within a few simulated minutes (the defaults are 10m and 30m).
 */
const DEMO_LIFECYCLE = {
  canary: { instanceType: 'ml.m5.large', instanceCount: 1 },
  retireBaseline: { after: '1m' },
  cleanUpAfterRollback: { after: '1m' },
};
/** Most minutes the demo waits, once a rollout is final, for its lifecycle step to finish. Minutes. */
const LIFECYCLE_MINUTES = 10;

/**
 * The DR and regional copies of the endpoint: after a promotion the watchdog takes the promoted
 * model to them one region at a time, in this order (the region ladder), each from its own
 * region's ECR image, and bakes each on its own metrics before the next.
 */
const DEMO_REGIONS = [
  { region: 'us-west-2', endpointName: `${ENDPOINT}-dr` },
  { region: 'eu-west-1', endpointName: `${ENDPOINT}-eu` },
] as const;
/** How long each region is watched on its own metrics before the next one takes the model. */
const DEMO_BAKE = '5m';
/** Most minutes the demo follows the region ladder after the promotion (region sync runs every 5). */
const LADDER_MINUTES = 45;
/** A region the ladder is finished with. */
const LADDER_FINISHED = new Set(['done', 'rolled-back', 'halted', 'aborted']);

interface TickView {
  action?: string;
  reason?: string;
  outcome?: string;
}

interface RolloutRun {
  scenario: Scenario;
  outcome: string;
  minutes: number;
  /** Scenario minute whose decision was the rollback (made at that minute's end). */
  firstRollbackMinute: number | null;
  promotedMinute: number | null;
  blastRadius: number;
  /** The endpoint change the rollout's end called for, as it finished (or stood when the demo gave up). */
  lifecycle: EndpointChangeView | undefined;
}

/** What a final phase should leave behind: the baseline retired, or the canary removed. */
const EXPECTED_CHANGE: Readonly<Record<string, EndpointChangeView['kind']>> = {
  Promoted: 'retire-baseline',
  RolledBack: 'remove-canary',
  Aborted: 'remove-canary',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function variantText(v: TrafficMinuteRecord['baseline']): string {
  const rate = formatPercent(v.invocations > 0 ? v.errors5xx / v.invocations : null, 2);
  return `${v.variantName} ${formatCount(v.invocations).padStart(5)} req ${rate.padStart(6)} 5xx p99 ${formatMs(v.latencyP99Ms).padStart(7)}`;
}

function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 3)}...` : text;
}

const USAGE = `usage: npm start [-- --keep]
  --keep   keep the folder of the emails the demo sent (removed at the end otherwise)`;

async function main(argv: string[]): Promise<number> {
  let keepOutbox = false;
  for (const arg of argv) {
    if (arg === '--keep') keepOutbox = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      return 0;
    } else {
      console.error(`demo: unknown argument ${arg}\n${USAGE}`);
      return 2;
    }
  }
  const projectDir = resolve(import.meta.dirname, '..');
  const outboxDir = mkdtempSync(join(tmpdir(), 'rollout-watchdog-outbox-'));
  try {
    return await runDemo(projectDir, outboxDir);
  } finally {
    if (keepOutbox) console.log(`\nthe emails are kept in ${outboxDir}`);
    else rmSync(outboxDir, { recursive: true, force: true });
  }
}

async function runDemo(projectDir: string, outboxDir: string): Promise<number> {
  const start = Math.floor(Date.now() / MINUTE) * MINUTE;
  const clock = createSandboxClock({ mode: 'manual', startTime: start });
  const tickViews: TickView[] = [];
  const alarmEvents: string[] = [];
  const onInvocation = (functionName: string, event: unknown, result: InvokeResult) => {
    if (functionName.endsWith('-canaryTick')) {
      const perRollout = (result.payload as { perRollout?: Array<TickView & { endpointName: string }> })
        ?.perRollout;
      const mine = perRollout?.find((r) => r.endpointName === ENDPOINT);
      if (mine) tickViews.push(mine);
    }
    if (functionName.endsWith('-alarmRollback')) {
      const detail = (event as { detail?: { alarmName?: string; state?: { value?: string } } }).detail;
      alarmEvents.push(`${detail?.alarmName} -> ${detail?.state?.value}`);
    }
  };

  console.log('rollout-watchdog demo: the real Lambda functions against the local AWS sandbox\n');
  console.log('starting the sandbox and serverless-offline (bundling the functions takes a few seconds)...');
  const stack = await startLocalStack({
    clock,
    projectDir,
    synchronousEvents: true,
    endpointDelayMs: ENDPOINT_DELAY_MS,
    outboxDir,
    onInvocation,
  });
  try {
    console.log(`  sandbox (AWS APIs):   ${stack.sandbox.url}`);
    console.log(`  control API:          ${stack.apiUrl}`);
    console.log(`  table / topic:        ${stack.provisioned.tableName} / ${stack.provisioned.topicArn}`);
    console.log(`  emails go to:         ${outboxDir}`);
    console.log(`  Slack webhook:        ${stack.sandbox.slackWebhookUrl(LOCAL_SLACK_HOOK)}`);
    console.log(`  functions bundled in: ${relative(projectDir, stack.workFolder)} (removed at the end)`);
    const api = sandboxApiClient(stack.apiUrl, clock, 'demo');

    const healthy = loadDemoScenario('healthy-steady').scenario;
    await createBaselineEndpoint({
      sandboxUrl: stack.sandbox.url,
      region: REGION,
      endpointName: ENDPOINT,
      baselineVariant: healthy.endpoint.baselineVariant,
      models: [...MODELS],
    });
    // The regional copies serve v1 too; each region registers its model from its own ECR.
    for (const target of DEMO_REGIONS) {
      await createBaselineEndpoint({
        sandboxUrl: stack.sandbox.url,
        region: target.region,
        endpointName: target.endpointName,
        baselineVariant: healthy.endpoint.baselineVariant,
        models: [MODELS[0]],
      });
    }
    await clock.advance(ENDPOINT_DELAY_MS);
    console.log(
      `\nSageMaker endpoint ${ENDPOINT} (${REGION}) is InService on config ${ENDPOINT}-initial: ` +
        `${healthy.endpoint.baselineVariant} runs ${MODELS[0]} alone (2 × ml.m5.xlarge); ` +
        `models ${MODELS[1]} and ${MODELS[2]} are registered, not deployed.`,
    );
    console.log(
      `Regional copies ${DEMO_REGIONS.map((t) => `${t.endpointName} (${t.region})`).join(' and ')} serve ${MODELS[0]}: ` +
        `after a promotion the watchdog takes the promoted model to them one region at a time, ` +
        `each from its own region's ECR image, baked ${DEMO_BAKE} on its own metrics.`,
    );

    const runs: RolloutRun[] = [];
    runs.push(await playRollout(stack, api, 'healthy-steady', MODELS[1], tickViews, alarmEvents));
    const ladder = await followRegionLadder(stack, api, MODELS[1], healthy);
    runs.push(await playRollout(stack, api, 'canary-5xx-spike', MODELS[2], tickViews, alarmEvents));

    await stack.sandbox.sns.idle();
    await printNotifications(stack);
    console.log('\n=== summary');
    let ok = true;
    for (const run of runs) {
      const expected = run.scenario.expect?.outcome;
      const cleanedUp =
        run.lifecycle?.kind === EXPECTED_CHANGE[run.outcome] && run.lifecycle?.status === 'done';
      const matches = run.outcome === expected && cleanedUp;
      ok &&= matches;
      const detect = timeToDetectMinutes({
        regressionFromMinute: run.scenario.expect?.regressionFromMinute,
        rollbackMinute: run.firstRollbackMinute,
        periodSeconds: run.scenario.periodSeconds,
      });
      const detail =
        run.outcome === 'Promoted'
          ? `promoted after ${run.promotedMinute} min (the steps allow 40 at the earliest)`
          : run.firstRollbackMinute !== null
            ? `rolled back on minute ${run.firstRollbackMinute}${detect === null ? '' : `: time to detect ${detect} min`}; ${formatCount(run.blastRadius)} canary requests failed or were slow meanwhile`
            : '';
      console.log(
        `  ${run.scenario.name.padEnd(18)} ${run.outcome.padEnd(11)} expected ${expected} ${matches ? 'ok' : 'MISMATCH'}  ${detail}`,
      );
      console.log(
        `  ${''.padEnd(18)} ${run.lifecycle ? run.lifecycle.description : 'no lifecycle step followed'}`,
      );
    }
    const reached = ladder.filter((r) => r.status === 'done' && r.model === MODELS[1]).map((r) => r.region);
    const ladderOk = reached.join(',') === DEMO_REGIONS.map((t) => t.region).join(',');
    ok &&= ladderOk;
    console.log(
      `  ${'region ladder'.padEnd(18)} ${MODELS[1]} reached ${reached.length > 0 ? reached.join(', then ') : 'no region'} ${ladderOk ? 'ok' : 'MISMATCH'}`,
    );
    return ok ? 0 : 1;
  } finally {
    await stack.close();
  }
}

async function playRollout(
  stack: LocalStack,
  api: WatchdogApiClient,
  name: 'healthy-steady' | 'canary-5xx-spike',
  model: string,
  tickViews: TickView[],
  alarmEvents: string[],
): Promise<RolloutRun> {
  const { scenario, policyText, source } = loadDemoScenario(name);
  const clock = stack.sandbox.clock;
  console.log(`\n=== rollout of ${model}: ${scenario.name}: ${scenario.description}`);
  const setup = await configureScenario({
    sandboxUrl: stack.sandbox.url,
    region: REGION,
    parameterPrefix: stack.provisioned.parameterPrefix,
    scenario,
    endpointName: ENDPOINT,
    policyText: withDemoLifecycle(policyText),
  });
  console.log(`scenario: ${source}`);
  const parsed = parsePolicyText(setup.policyText);
  if (parsed.ok) console.log(`policy stored in SSM: ${describePolicy(parsed.policy)}`);
  console.log(
    `lifecycle: canary on 1 × ml.m5.large, baseline retired 1m after a promotion, canary removed 1m after a rollback`,
  );
  const traffic = stack.sandbox.playScenario({
    scenario,
    region: REGION,
    endpointName: ENDPOINT,
    stopAtEnd: false,
  });
  const started = await api.start({ endpointName: ENDPOINT, model, reason: `demo: ${scenario.name}` });
  if (!started.ok)
    throw new Error(`POST /rollouts answered ${started.status}: ${started.error} ${started.problems}`);
  const w = started.body.rollout.weights;
  console.log(
    `POST /rollouts {model: ${model}} -> ${started.body.rollout.phase}, weights ${JSON.stringify(w)}`,
  );
  const lifecycle = lifecyclePrinter();
  lifecycle.show(started.body.rollout.endpointChange);
  console.log(
    '\nmin  split    traffic in the minute (requests, 5XX rate, p99)                      -> tick decision',
  );

  let phase = started.body.rollout.phase as string;
  let firstRollbackMinute: number | null = null;
  let promotedMinute: number | null = null;
  let minute = 0;
  for (; minute < scenario.durationMinutes && !FINAL.has(phase); minute++) {
    tickViews.length = 0;
    alarmEvents.length = 0;
    await clock.advance(MINUTE);
    const record = traffic.records().at(-1);
    const view = tickViews.at(-1);
    const status = await api.status(ENDPOINT);
    if (status.ok) phase = status.body.phase;
    const split = record
      ? `${100 - (record.canaryWeightPercent ?? 0)}/${record.canaryWeightPercent ?? 0}`
      : '-';
    const trafficText = record?.published
      ? `${variantText(record.baseline)} | ${variantText(record.canary)}`
      : '(no datapoints this minute)';
    const alarms = alarmEvents.length > 0 ? `  [alarm ${alarmEvents.join(', ')}]` : '';
    const decision = view
      ? `${view.action ?? view.outcome} ${clip(view.reason ?? '', REASON_WIDTH)}`
      : `(no tick decision: the rollout is ${phase})`;
    console.log(`${String(minute).padStart(3)}  ${split.padEnd(7)}  ${trafficText}${alarms}  -> ${decision}`);
    if (status.ok) lifecycle.show(status.body.endpointChange);
    // Each step of this loop closes one simulated minute (`record.minute`, counted like the
    // scenario's minutes) and the tick judges it: a rollback seen now was decided on that minute.
    if (phase === 'RolledBack' && firstRollbackMinute === null)
      firstRollbackMinute = record?.minute ?? minute;
    if (phase === 'Promoted') promotedMinute = minute;
    if (PACE_MS > 0) await sleep(PACE_MS);
  }

  // The watchdog, not the demo, makes the endpoint ready for the next model: the ticks confirm
  // the final weights, then retire the baseline or remove the canary once the policy's delay is up.
  let change: EndpointChangeView | undefined;
  for (let waited = 0; waited <= LIFECYCLE_MINUTES; waited++) {
    const status = await api.status(ENDPOINT);
    change = status.ok ? status.body.endpointChange : undefined;
    if (status.ok) lifecycle.show(change);
    const finished = change?.status === 'done' || change?.status === 'failed';
    const settled =
      status.ok && !status.body.pendingWeights && change?.kind === EXPECTED_CHANGE[phase] && finished;
    if (settled || waited === LIFECYCLE_MINUTES) break;
    await clock.advance(MINUTE);
    if (PACE_MS > 0) await sleep(PACE_MS);
  }
  traffic.stop();
  const status = await api.status(ENDPOINT);
  if (status.ok) {
    // The rollout's weights name both variants; what the endpoint runs now is the line after.
    console.log(`\n${ENDPOINT}: ${status.body.phase}`);
    console.log(`  ${status.body.message}`);
    const endpoint = status.body.endpoint;
    if ('runs' in endpoint && endpoint.runs) {
      const variants = endpoint.runs.variants
        .map((v) => `${v.variantName} runs ${v.modelName} on ${v.instanceCount} × ${v.instanceType}`)
        .join(', ');
      console.log(`  the endpoint now: config ${endpoint.runs.configName}: ${variants}`);
    }
  }
  const regression = scenario.expect?.regressionFromMinute;
  const blastRadius =
    regression === undefined
      ? 0
      : traffic
          .records()
          .filter((r) => r.minute >= regression)
          .reduce((sum, r) => sum + r.canaryBadRequests, 0);
  return {
    scenario,
    outcome: phase,
    minutes: minute,
    firstRollbackMinute,
    promotedMinute,
    blastRadius,
    lifecycle: change,
  };
}

/** The scenario's policy with the demo's short lifecycle delays, and its regions with their artifacts. */
function withDemoLifecycle(policyText: string): string {
  const policy = parseYaml(policyText) as Record<string, unknown>;
  policy.lifecycle = DEMO_LIFECYCLE;
  // Each region's copy is made from the image in its own region's ECR (SageMaker requires it).
  policy.artifacts = {
    modelDataUrl: 's3://demo-models-{region}/{key}',
    image: '000000000000.dkr.ecr.{region}.amazonaws.com/{repository}:{tag}',
  };
  policy.regions = DEMO_REGIONS.map((target) => ({ ...target, bake: DEMO_BAKE }));
  return stringifyYaml(policy);
}

/**
 * After a promotion: follows the region ladder through the control API's status minute by
 * minute, with the same healthy traffic on the regional copies so each bake is judged, printing
 * each region's step as it changes, until every region is finished; then the `regions` view.
 */
async function followRegionLadder(
  stack: LocalStack,
  api: WatchdogApiClient,
  model: string,
  scenario: Scenario,
): Promise<RegionSyncView[]> {
  console.log(
    `\n=== the region ladder: ${model} to ${DEMO_REGIONS.map((t) => t.region).join(', then ')} (region sync runs every 5 minutes)`,
  );
  const traffic = DEMO_REGIONS.map((target) =>
    stack.sandbox.playScenario({
      scenario,
      region: target.region,
      endpointName: target.endpointName,
      stopAtEnd: false,
    }),
  );
  const shown = new Map<string, string>();
  let regions: RegionSyncView[] = [];
  try {
    for (let minute = 0; minute <= LADDER_MINUTES; minute++) {
      const status = await api.status(ENDPOINT);
      regions = status.ok ? (status.body.regions ?? []) : [];
      for (const r of regions) {
        const bake =
          r.bake && r.bake.verdict !== 'skipped' ? `, bake ${r.bake.verdict}: ${r.bake.summary}` : '';
        const line = `${r.status}${r.status === 'pending' ? '' : ` (${r.model ?? model}${bake})`}`;
        if (shown.get(r.region) === line) continue;
        shown.set(r.region, line);
        console.log(
          `  +${String(minute).padStart(2)} min  [regions] ${r.region.padEnd(10)} ${r.targetEndpointName}: ${line}`,
        );
      }
      if (regions.length === DEMO_REGIONS.length && regions.every((r) => LADDER_FINISHED.has(r.status)))
        break;
      await stack.sandbox.clock.advance(MINUTE);
      if (PACE_MS > 0) await sleep(PACE_MS);
    }
  } finally {
    for (const handle of traffic) handle.stop();
  }
  const status = await api.status(ENDPOINT);
  if (status.ok) console.log(`\n${renderRegions(status.body)}`);
  return regions;
}

/** Prints a lifecycle line each time the endpoint change's words change (config names, instances). */
function lifecyclePrinter() {
  let shown = '';
  return {
    show(change: EndpointChangeView | undefined): void {
      if (!change || change.description === shown) return;
      shown = change.description;
      console.log(`     [lifecycle] ${change.description}`);
    },
  };
}

async function printNotifications(stack: LocalStack): Promise<void> {
  const posts = stack.sandbox.slack.posts(LOCAL_SLACK_HOOK);
  console.log(`\n=== Slack: ${posts.length} messages posted to the webhook`);
  // Slack's text is escaped for mrkdwn (`&gt;`); unescape it for the terminal.
  const plain = (text: string) => text.replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
  for (const post of posts) console.log(`  - ${clip(plain(post.text ?? '').replace(/\s+/g, ' '), 150)}`);
  const emails = await stack.sandbox.outbox.list();
  console.log(`\n=== email: ${emails.length} messages in ${stack.sandbox.outbox.dir}`);
  for (const mail of emails) console.log(`  - ${mail.subject}`);
  const rollback = emails.find((m) => /roll/i.test(m.subject) && /back/i.test(m.subject));
  if (rollback) {
    console.log(`\n--- the rollback email (${rollback.file}) ---`);
    const text = readFileSync(join(stack.sandbox.outbox.dir, rollback.file), 'utf8');
    console.log(
      text
        .split(/\r?\n\r?\n/)
        .slice(1)
        .join('\n\n')
        .trim(),
    );
    console.log('--- end ---');
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('demo failed:', error);
    process.exit(1);
  },
);
