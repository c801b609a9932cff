/**
 * Benchmark of the canary tick and the alarm path against the sandbox (in-process, real SDK
 * clients): one tick judging 1, 100 and 1,000 active rollouts (wall time and API calls per
 * service, with a cold and a warm policy cache), and the time from an alarm event reaching the
 * handler to the weight change. `runTickBench()` is what `bench/run.ts` calls;
 * `tsx bench/tick-bench.ts [sizes...]` runs it alone.
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
import { startTraffic, type TrafficHandle } from '../sandbox/traffic';
import { rolloutTableDefinition } from '../shared/aws/rollout-table';
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

export interface TickMeasurement {
  wallMs: number;
  /** API calls per service (sigv4 signing name) and per operation. */
  calls: Record<string, number>;
  judged: number;
  outcomes: TickSummary['outcomes'];
}

export interface TickBenchSize {
  rollouts: number;
  /** First tick after all rollouts started at once. */
  first: TickMeasurement;
  /** First tick of a fresh runtime: every policy read from SSM. */
  cold: TickMeasurement;
  /** Next tick, policies cached. */
  warm: TickMeasurement;
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
    sizes.push(await benchSize(n));
    options.log?.(formatSize(sizes[sizes.length - 1] as TickBenchSize));
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
    let deps = makeDeps();
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
      const started = performance.now();
      const summary = await runTick(deps, { now: clock.now(), correlationId: `bench-${clock.now()}` });
      const wallMs = performance.now() - started;
      if (summary.errors.length > 0)
        throw new Error(`tick errors: ${JSON.stringify(summary.errors.slice(0, 3))}`);
      return { wallMs, calls: Object.fromEntries(calls), judged: summary.judged, outcomes: summary.outcomes };
    };
    // The first tick after all rollouts started at once (same runtime that created them).
    const first = await measure();
    await clock.advance(MINUTE);
    deps = makeDeps(); // a fresh runtime: cold policy cache, as after a Lambda cold start
    const cold = await measure();
    await clock.advance(MINUTE);
    const warm = await measure();

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
      first,
      cold,
      warm,
      alarmToWeightsMs: weightsAt - received,
      alarmHandledMs: handled - received,
      setupMs,
    };
  } finally {
    for (const t of traffic) t.stop();
    await sandbox.close();
  }
}

const ms = (v: number): string => `${Math.round(v)} ms`;
const callSummary = (calls: Record<string, number>): string =>
  ['dynamodb', 'monitoring', 'sagemaker', 'ssm', 'sns'].map((s) => `${s} ${calls[s] ?? 0}`).join(', ');

function formatSize(s: TickBenchSize): string {
  return [
    `tick over ${s.rollouts} active rollout(s):`,
    `  first ${ms(s.first.wallMs)} (judged ${s.first.judged}; calls: ${callSummary(s.first.calls)})`,
    `  cold ${ms(s.cold.wallMs)} (judged ${s.cold.judged}; calls: ${callSummary(s.cold.calls)}; GetMetricData ${s.cold.calls['monitoring.GetMetricData'] ?? 0})`,
    `  warm ${ms(s.warm.wallMs)} (judged ${s.warm.judged}; calls: ${callSummary(s.warm.calls)})`,
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
