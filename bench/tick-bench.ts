/**
 * Benchmark of the canary tick and the alarm path against the sandbox (in-process, real SDK
 * clients) under the sandbox's default rate quotas (DescribeEndpoint and
 * UpdateEndpointWeightsAndCapacities 10/s, GetMetricData 50/s): the first tick over 1, 100 and
 * 1,000 active rollouts after they all started, then the steady-state tick a minute later, each
 * with its wall time, its API calls by operation, the throttles the sandbox answered and the
 * clients retried, and its errors (a tick with errors fails the benchmark); and the time from an
 * alarm event reaching the handler to the weight change. `runTickBench()` is what `bench/run.ts`
 * calls; `tsx bench/tick-bench.ts [sizes...]` runs it alone.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createSandboxClock } from '../sandbox/clock';
import { createSandbox } from '../sandbox/create-sandbox';
import { createFaults, type Faults } from '../sandbox/faults';
import type { Quotas } from '../sandbox/quotas';
import { startTraffic, type TrafficHandle } from '../sandbox/traffic';
import { processCallPacer } from '../shared/aws/call-pacer';
import { rolloutTableDefinition } from '../shared/aws/rollout-table';
import { processThrottleCounter, type ThrottleCounts } from '../shared/aws/throttle-counter';
import { startRollout } from '../shared/domain/index';
import { parsePolicyText } from '../shared/events/policy-text';
import { catalogueScenarioFile, STANDARD_POLICY_FILE } from '../shared/simulation/scenario-catalogue';
import { loadScenarioFile, type Scenario } from '../shared/simulation/scenario-schema';
import { handleAlarmEvent } from '../shared/watchdog/handle-alarm-event';
import { mapPool, runTick, type TickSummary } from '../shared/watchdog/run-tick';
import { createWatchdogRuntime } from '../shared/runtime/compose-canary-tick';
import { policyTextHash } from '../shared/domain/policy-text-hash';
import type { EndpointWeights } from '../shared/ports/endpoint-weights';

/** Rollout counts judged by default. Rollouts. */
export const DEFAULT_TICK_BENCH_SIZES = [1, 100, 1000] as const;

/** Requests per simulated minute per benchmark endpoint (enough canary traffic for conclusive judgements). */
const BENCH_REQUESTS_PER_MINUTE = 3000;

const REGION = 'us-east-1';
const START = Date.parse('2026-01-01T00:00:00Z');
const MINUTE = 60_000;

/** The tick's budget: it runs once a minute and must be done before the next. Wall ms. */
const TICK_BUDGET_MS = MINUTE;

export interface TickMeasurement {
  wallMs: number;
  /** API calls (attempts that reached the sandbox, throttled ones included) per service (sigv4 signing name) and per `service.Operation`. */
  calls: Record<string, number>;
  /** Calls the sandbox answered with a throttle, by `service.Operation`. */
  throttledBySandbox: Record<string, number>;
  /** Throttled attempts the clients retried, and throttles that reached the tick, by `ClientService.Operation`. */
  throttles: Record<string, ThrottleCounts>;
  /** Time calls waited for their slot in the client-side pacer, summed over calls, by `ClientService.Operation`. Wall ms. */
  pacedWaitMs: Record<string, number>;
  judged: number;
  outcomes: TickSummary['outcomes'];
  /** Rollouts the tick reported an error for. */
  errors: TickSummary['errors'];
}

export interface TickBenchSize {
  rollouts: number;
  /** The sandbox's quotas during the run, calls per second by `service.Operation`. */
  quotas: Record<string, number>;
  /** First tick after all rollouts started at once (may describe every endpoint). */
  first: TickMeasurement;
  /** The tick a minute later, same runtime (warm clients and policy cache): the steady state. */
  steady: TickMeasurement;
  /** Alarm event into the handler → UpdateEndpointWeightsAndCapacities answered, wall ms. */
  alarmToWeightsMs: number;
  /** Alarm event into the handler → handler returned (state confirmed, notification sent), wall ms. */
  alarmHandledMs: number;
  setupMs: number;
}

export interface TickBenchResult {
  sizes: TickBenchSize[];
}

function countingFaults(): { faults: Faults; calls: Map<string, number> } {
  const faults = createFaults();
  const calls = new Map<string, number>();
  const beforeCall = faults.beforeCall.bind(faults);
  faults.beforeCall = (call) => {
    calls.set(call.service, (calls.get(call.service) ?? 0) + 1);
    const key = `${call.service}.${call.operation}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    return beforeCall(call);
  };
  return { faults, calls };
}

function lowTrafficScenario(): Scenario {
  const scenario = loadScenarioFile(catalogueScenarioFile('healthy-steady'));
  return {
    ...scenario,
    traffic: scenario.traffic.map((t) => ({ ...t, requestsPerMinute: BENCH_REQUESTS_PER_MINUTE })),
  };
}

/** Runs the benchmark for each size in `sizes` (a fresh sandbox per size). */
export async function runTickBench(
  options: { sizes?: ReadonlyArray<number>; log?: (line: string) => void } = {},
): Promise<TickBenchResult> {
  const sizes: TickBenchSize[] = [];
  for (const n of options.sizes ?? DEFAULT_TICK_BENCH_SIZES) {
    const size = await benchSize(n);
    sizes.push(size);
    options.log?.(formatSize(size));
    // A tick that lost a rollout to an error (a throttle included) is a failed benchmark.
    const errors = size.first.errors.length + size.steady.errors.length;
    if (errors > 0) throw new Error(`the tick over ${n} rollout(s) reported ${errors} error(s)`);
  }
  return { sizes };
}

async function benchSize(n: number): Promise<TickBenchSize> {
  const setupStarted = performance.now();
  const clock = createSandboxClock({ mode: 'manual', startTime: START });
  const { faults, calls } = countingFaults();
  const sandbox = await createSandbox({
    port: 0,
    clock,
    faults,
    endpointDelayMs: 1_000,
    outboxDir: mkdtempSync(join(tmpdir(), 'tick-bench-')),
    onInternalError: () => undefined,
  });
  const traffic: TrafficHandle[] = [];
  try {
    const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
    const config = { region: REGION, endpoint: sandbox.url, credentials };
    const tableName = `tick-bench-${n}`;
    const prefix = `/rollout-watchdog/bench${n}`;
    await new DynamoDBClient(config).send(new CreateTableCommand(rolloutTableDefinition(tableName)));
    const topic = await new SNSClient(config).send(new CreateTopicCommand({ Name: `tick-bench-${n}` }));
    const sagemaker = new SageMakerClient(config);
    const ssm = new SSMClient(config);
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'bench-model',
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sagemaker',
        PrimaryContainer: { Image: '000000000000.dkr.ecr.us-east-1.amazonaws.com/model:1' },
      }),
    );
    // Endpoints start at the first step's split, so the rollouts begin with nothing to apply.
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'bench-config',
        ProductionVariants: [
          {
            VariantName: 'primary',
            ModelName: 'bench-model',
            InitialInstanceCount: 1,
            InstanceType: 'ml.m5.large',
            InitialVariantWeight: 95,
          },
          {
            VariantName: 'canary',
            ModelName: 'bench-model',
            InitialInstanceCount: 1,
            InstanceType: 'ml.m5.large',
            InitialVariantWeight: 5,
          },
        ],
      }),
    );
    const template = readFileSync(STANDARD_POLICY_FILE, 'utf8');
    const names = Array.from({ length: n }, (_, i) => `bench-${n}-${i}`);
    const makeDeps = () =>
      createWatchdogRuntime(
        {
          stage: 'bench',
          homeRegion: REGION,
          tableName,
          topicArn: topic.TopicArn ?? '',
          parameterPrefix: prefix,
          slackWebhookParameter: `${prefix}/slack`,
        },
        { clientConfig: { endpoint: sandbox.url, credentials }, alarmApplyWaitMs: 0 },
      );
    const deps = makeDeps();
    const scenario = lowTrafficScenario();
    await mapPool(names, 16, async (name) => {
      const text = template
        .replace(/name: demo-endpoint/, `name: ${name}`)
        .replace(/alarmName: demo-canary-5xx/, `alarmName: ${name}-5xx`);
      const parsed = parsePolicyText(text);
      if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
      await sagemaker.send(
        new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: 'bench-config' }),
      );
      await ssm.send(
        new PutParameterCommand({ Name: `${prefix}/policies/${name}`, Value: text, Type: 'String' }),
      );
      await deps.store.create(
        {
          endpointName: name,
          region: REGION,
          policyText: text,
          policy: parsed.policy,
          state: startRollout(parsed.policy, clock.now()).state,
          appliedCanaryWeight: 5,
          // As the control API records it at start (saves the tick a first-sight write).
          storedPolicyHash: policyTextHash(text),
        },
        clock.now(),
      );
      traffic.push(
        startTraffic({
          scenario,
          region: REGION,
          endpointName: name,
          clock,
          store: sandbox.cloudwatch.store,
          getEndpointWeights: (region, endpoint) => sandbox.sagemaker.getEndpointWeights(region, endpoint),
          stopAtEnd: false,
        }),
      );
    });
    await clock.advance(5 * MINUTE);
    const setupMs = performance.now() - setupStarted;

    const measure = async (): Promise<TickMeasurement> => {
      calls.clear();
      processThrottleCounter.reset();
      const throttledBefore = sandbox.quotas.snapshot().throttled;
      const waitedBefore = processCallPacer.waited();
      const started = performance.now();
      const summary = await runTick(deps, { now: clock.now(), correlationId: `bench-${clock.now()}` });
      const wallMs = performance.now() - started;
      return {
        wallMs,
        calls: Object.fromEntries(calls),
        throttledBySandbox: difference(sandbox.quotas.snapshot().throttled, throttledBefore),
        throttles: processThrottleCounter.snapshot(),
        pacedWaitMs: difference(processCallPacer.waited(), waitedBefore),
        judged: summary.judged,
        outcomes: summary.outcomes,
        errors: summary.errors,
      };
    };
    // The first tick after all rollouts started at once (same runtime that created them), then
    // the steady state a minute later.
    const first = await measure();
    await clock.advance(MINUTE);
    const steady = await measure();

    // Alarm path: the event reaches the handler; time until the weights call is answered.
    const alarmName = `${names[0]}-5xx`;
    let weightsAt = Number.NaN;
    const endpoints = deps.endpoints.bind(deps);
    deps.endpoints = (region) => {
      const adapter = endpoints(region);
      return {
        describe: (name: string) => adapter.describe(name),
        setWeights: async (...args: Parameters<EndpointWeights['setWeights']>) => {
          await adapter.setWeights(...args);
          weightsAt = performance.now();
        },
      } as EndpointWeights;
    };
    await clock.advance(MINUTE);
    const at = new Date(clock.now()).toISOString();
    const received = performance.now();
    await handleAlarmEvent(deps, {
      version: '0',
      id: 'bench-alarm',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '000000000000',
      time: at,
      region: REGION,
      resources: [`arn:aws:cloudwatch:${REGION}:000000000000:alarm:${alarmName}`],
      detail: {
        alarmName,
        state: { value: 'ALARM', reason: 'bench', timestamp: at },
        previousState: { value: 'OK', reason: 'bench', timestamp: at },
        configuration: { metrics: [] },
      },
    });
    const handled = performance.now();
    return {
      rollouts: n,
      quotas: quotasOf(sandbox.quotas),
      first,
      steady,
      alarmToWeightsMs: weightsAt - received,
      alarmHandledMs: handled - received,
      setupMs,
    };
  } finally {
    for (const t of traffic) t.stop();
    await sandbox.close();
  }
}

const ms = (v: number): string => `${Math.round(v).toLocaleString('en-US')} ms`;
const count = (v: number): string => v.toLocaleString('en-US');

function quotasOf(quotas: Quotas): Record<string, number> {
  return quotas.snapshot().limits;
}

/** `after - before` per key, keeping the keys that changed. */
function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([key, value]) => [key, value - (before[key] ?? 0)] as const)
      .filter(([, value]) => value > 0),
  );
}

/** `service.Operation N` for every operation called, most called first. */
const callsByOperation = (calls: Record<string, number>): string =>
  Object.entries(calls)
    .filter(([key]) => key.includes('.'))
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([key, n]) => `${key} ${count(n)}`)
    .join(', ') || 'none';

const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);

function formatTick(label: string, t: TickMeasurement): string[] {
  const retried = sum(Object.values(t.throttles).map((c) => c.retried));
  const failed = sum(Object.values(t.throttles).map((c) => c.failed));
  const byOperation = (values: Record<string, number>, unit: (v: number) => string) =>
    Object.entries(values)
      .map(([key, v]) => `${key} ${unit(v)}`)
      .join(', ');
  const lines = [
    `  ${label} ${ms(t.wallMs)} (${t.wallMs <= TICK_BUDGET_MS ? 'within' : 'over'} its minute); judged ${count(t.judged)}; errors ${t.errors.length}`,
    `    calls: ${callsByOperation(t.calls)}`,
    `    throttled by the sandbox ${count(sum(Object.values(t.throttledBySandbox)))}; retried by the clients ${count(retried)}; reached the tick ${count(failed)}` +
      (retried + failed > 0
        ? ` (${Object.entries(t.throttles)
            .map(([key, c]) => `${key} ${c.retried} retried, ${c.failed} failed`)
            .join('; ')})`
        : ''),
  ];
  if (Object.keys(t.pacedWaitMs).length > 0)
    lines.push(
      `    paced (wait summed over calls): ${byOperation(t.pacedWaitMs, (v) => `${count(Math.round(v / 1000))} s`)}`,
    );
  for (const error of t.errors.slice(0, 3)) lines.push(`    error: ${error.endpointName}: ${error.error}`);
  return lines;
}

function formatSize(s: TickBenchSize): string {
  return [
    `tick over ${count(s.rollouts)} active rollout(s), quotas ${Object.entries(s.quotas)
      .map(([key, limit]) => `${key} ${limit}/s`)
      .join(', ')}:`,
    ...formatTick('first', s.first),
    ...formatTick('steady', s.steady),
    `  alarm event → weights changed ${ms(s.alarmToWeightsMs)}; handler done ${ms(s.alarmHandledMs)} (setup ${ms(s.setupMs)})`,
  ].join('\n');
}

/** Human-readable report of a run. */
export function formatTickBench(result: TickBenchResult): string {
  return result.sizes.map(formatSize).join('\n');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((v) => Number.isInteger(v) && v > 0);
  await runTickBench({
    sizes: sizes.length > 0 ? sizes : DEFAULT_TICK_BENCH_SIZES,
    log: (line) => console.log(line),
  });
}
