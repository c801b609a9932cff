/**
 * The local stage that stays up (`npm run dev`): the sandbox, the stage's resources provisioned
 * in it, the real functions on serverless-offline and the event router, on a running clock
 * (`speed` times the wall clock). A demo endpoint serving its first model alone (the baseline
 * variant), the team's next models registered beside it, its policy in SSM (with short lifecycle
 * delays) and its alarms are created, and a traffic scenario plays against it: people start each
 * rollout from a model name and the watchdog deploys, retires and cleans up as it does in AWS.
 *
 * In front of the control API sits one HTTP server, the URL operators use
 * (`ROLLOUT_WATCHDOG_API`): it forwards every request to serverless-offline with the sandbox's
 * simulated time in `x-watchdog-now` (so commands and ticks share one clock whatever the speed),
 * and serves the stage's own routes under `/_dev/` (switch the traffic scenario, inject faults,
 * take a canary left serving after a final rollout back to 0 %). `close()` stops everything and removes what it created.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  SageMakerClient,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { CLOCK_HEADER } from '../../shared/http/control-api-router';
import { describePolicy } from '../../shared/domain/index';
import { parsePolicyText } from '../../shared/events/policy-text';
import type { Scenario } from '../../shared/simulation/scenario-schema';
import { formatCount, formatMs, formatWeight } from '../../shared/wording/format-values';
import { createSandboxClock, type SandboxClock } from '../clock';
import type { InvokeResult, LambdaInvokeError } from '../lambda-invoker';
import { applyFaultRequest } from '../server';
import {
  type CanaryOverride,
  DevTraffic,
  describeOverride,
  findScenario,
  ScenarioLookupError,
  scenarioNames,
} from './dev-traffic';
import type { TrafficVariantRecord } from '../traffic';
import { sandboxClientConfig } from './sandbox-clients';
import { configureScenario, createBaselineEndpoint } from './scenario-endpoint';
import { LOCAL_SLACK_HOOK, type LocalStack, startLocalStack } from './start-local-stack';

/** The endpoint the stage creates for people to try rollouts on. */
export const DEV_ENDPOINT = 'demo-endpoint';
/** Scenario played when none is named. */
export const DEV_DEFAULT_SCENARIO = 'healthy-steady';
/** Where the control API (and the stage's routes) listen unless told: serverless-offline's usual port. */
export const DEFAULT_DEV_API_PORT = 3000;
/** How long endpoint changes stay `Updating`, simulated ms. */
export const DEV_ENDPOINT_DELAY_MS = 10_000;
/** Path prefix of the stage's own routes on the API URL. */
export const DEV_ROUTE_PREFIX = '/_dev';
/**
 * The team's model versions on the stage: the first serves when the stage comes up, the others
 * are registered (CreateModel) for people to roll out in turn with `start --model`.
 */
export const DEV_MODELS = [
  'demo-model-v1',
  'demo-model-v2',
  'demo-model-v3',
  'demo-model-v4',
  'demo-model-v5',
] as const;
/**
 * The lifecycle the stage's stored policies use: delays short enough to watch the baseline
 * retired and a rolled-back canary removed a minute or two later (the defaults are 10m and 30m),
 * and a small canary, as the demo (`npm start`) does.
 */
export const DEV_LIFECYCLE = {
  canary: { instanceType: 'ml.m5.large', instanceCount: 1 },
  retireBaseline: { after: '1m' },
  cleanUpAfterRollback: { after: '1m' },
} as const;
/** DEV_LIFECYCLE in words, for the banner and the docs. */
export const DEV_LIFECYCLE_SUMMARY =
  'baseline retired 1m after a promotion, canary removed 1m after a rollback (short, to try it; the defaults are 10m and 30m); canary on 1 × ml.m5.large';

const FINAL_PHASES = new Set(['Promoted', 'RolledBack', 'Aborted']);

export interface DevStageOptions {
  /** Folder holding serverless.yml. */
  projectDir: string;
  /** Simulated time runs this many times the wall clock. */
  speed: number;
  /** Port of the API URL; 0 picks a free one. */
  apiPort: number;
  /** Port of the sandbox (AWS_ENDPOINT_URL); 0 picks a free one. */
  sandboxPort: number;
  /** Scenario name (in the project's scenario folders) or file to play on the demo endpoint. */
  scenario: string;
  /** Activity: decisions, alarm changes, commands, function failures (one line each). */
  log: (line: string) => void;
  /** Every line serverless-offline prints. */
  onOfflineLine?: (line: string) => void;
  /** Each minute of traffic played (for a verbose display). */
  onTrafficMinute?: (line: string) => void;
  /** Aborting stops a start in progress. */
  signal?: AbortSignal;
}

export interface DevStage {
  /** The URL for `ROLLOUT_WATCHDOG_API`: the control API, plus the stage's routes under `/_dev/`. */
  readonly apiUrl: string;
  /** The sandbox (`AWS_ENDPOINT_URL`). */
  readonly sandboxUrl: string;
  /** serverless-offline's own HTTP server (no simulated time on requests sent there directly). */
  readonly functionsUrl: string;
  readonly region: string;
  readonly stage: string;
  readonly speed: number;
  readonly endpointName: string;
  readonly scenario: Scenario;
  /** The stored policy in words. */
  readonly policySummary: string;
  /** The models registered on the stage; the first is the one the endpoint serves at the start. */
  readonly models: readonly string[];
  /** SSM parameter holding the demo endpoint's policy. */
  readonly policyParameter: string;
  /** Where emails land (a temporary folder, removed by `close()`). */
  readonly outboxDir: string;
  /** serverless-esbuild's work folder (removed by `close()`). */
  readonly workFolder: string;
  /** The Slack webhook's messages: `GET` this URL. */
  readonly slackUrl: string;
  readonly clock: SandboxClock;
  /** Settles if serverless-offline exits while the stage runs (it should not). */
  readonly functionsExited: Promise<number | string | null>;
  /** Stops everything and removes the stage's folders. Idempotent. */
  close(): Promise<void>;
  /**
   * For a process that must exit now (a second Ctrl-C during `close()`): kills serverless-offline
   * and removes the stage's folders, synchronously.
   */
  abandon(): void;
}

/** A reply of the stage's routes: JSON with a `message` for people. */
interface DevReply {
  status: number;
  body: { message: string } & Record<string, unknown>;
}

class DevRouteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the local stage; resolves once the demo endpoint is InService and traffic plays. */
export async function startDevStage(options: DevStageOptions): Promise<DevStage> {
  const projectDir = resolve(options.projectDir);
  const scenario = findScenario(projectDir, options.scenario);
  const esbuildDir = join(projectDir, '.esbuild');
  const esbuildExisted = existsSync(esbuildDir);
  const clock = createSandboxClock({ mode: 'running', speed: options.speed, startTime: Date.now() });
  const simTime = () => clock.isoNow().slice(11, 19);
  const log = (line: string) => options.log(`${simTime()}  ${line}`);

  let stack: LocalStack | undefined;
  let traffic: DevTraffic | undefined;
  const endpointVariants = {
    baselineVariant: scenario.endpoint.baselineVariant,
    canaryVariant: scenario.endpoint.canaryVariant,
  };
  const endpointName = DEV_ENDPOINT;
  /** Models a start has deployed (`POST /rollouts` with a model, accepted): `dev reset` names the one after. */
  const startedModels = new Set<string>();

  const proxy = http.createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolveListen, reject) => {
    proxy.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `port ${options.apiPort} is in use (another \`npm run dev\` or serverless offline?): stop it, or pass --port N (0 picks a free port)`,
            )
          : error,
      ),
    );
    proxy.listen(options.apiPort, '127.0.0.1', () => resolveListen());
  });
  const apiUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const outboxDir = mkdtempSync(join(tmpdir(), 'rollout-watchdog-dev-'));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clock.stop();
      traffic?.stop();
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      await stack?.close();
      await rm(outboxDir, { recursive: true, force: true });
      // The work folder's parent, when this stage made it and nothing else is in it now.
      if (!esbuildExisted) await rmdir(esbuildDir).catch(() => undefined);
    })();
    return closing;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', apiUrl);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (!stack || !traffic) {
      send(res, { status: 503, body: { message: 'the local stage is starting', error: 'starting' } });
      return;
    }
    if (url.pathname === DEV_ROUTE_PREFIX || url.pathname.startsWith(`${DEV_ROUTE_PREFIX}/`)) {
      let reply: DevReply;
      try {
        reply = await devRoute(req.method ?? 'GET', url, body, stack, traffic);
      } catch (error) {
        const status =
          error instanceof DevRouteError
            ? error.status
            : error instanceof ScenarioLookupError ||
                error instanceof TypeError ||
                error instanceof RangeError
              ? 400
              : 500;
        const message = error instanceof Error ? error.message : String(error);
        reply = { status, body: { message, error: message } };
      }
      send(res, reply);
      return;
    }
    forward(req, res, url, body, stack);
  }

  /** Forwards one control API request to serverless-offline, stamped with simulated time. */
  function forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    body: Buffer,
    target: LocalStack,
  ): void {
    const upstream = new URL(`${url.pathname}${url.search}`, target.apiUrl);
    const headers: http.OutgoingHttpHeaders = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    headers['content-length'] = String(body.length);
    headers[CLOCK_HEADER] = String(clock.now());
    const method = req.method ?? 'GET';
    // `agent: false`: no idle keep-alive connection holds serverless-offline open when it stops.
    const model = method === 'POST' && url.pathname === '/rollouts' ? modelOf(body) : undefined;
    const request = http.request(upstream, { method, headers, agent: false }, (answer) => {
      if (method !== 'GET') log(`api     ${method} ${url.pathname} -> ${answer.statusCode}`);
      if (model && answer.statusCode === 201) startedModels.add(model);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    request.on('error', (error) => {
      if (res.headersSent) {
        res.destroy(error);
        return;
      }
      send(res, {
        status: 502,
        body: {
          message: `the functions (serverless-offline at ${target.apiUrl}) did not answer: ${error.message}`,
          error: 'functions unreachable',
        },
      });
    });
    request.end(body);
  }

  async function devRoute(
    method: string,
    url: URL,
    raw: Buffer,
    target: LocalStack,
    playing: DevTraffic,
  ): Promise<DevReply> {
    const path = url.pathname.slice(DEV_ROUTE_PREFIX.length).replace(/^\/+|\/+$/g, '');
    let body: Record<string, unknown> = {};
    if (raw.length > 0) {
      try {
        const parsed: unknown = JSON.parse(raw.toString('utf8'));
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
          body = parsed as Record<string, unknown>;
        else throw new TypeError('not an object');
      } catch {
        throw new DevRouteError(400, 'the body must be a JSON object');
      }
    }
    const endpoint = typeof body.endpoint === 'string' ? body.endpoint : endpointName;
    const route = `${method} /${path}`;
    switch (route) {
      case 'GET /':
        return { status: 200, body: await describeStage(target, playing) };
      case 'GET /scenarios':
        return {
          status: 200,
          body: {
            message: `scenarios: ${scenarioNames(projectDir).join(', ')}`,
            scenarios: scenarioNames(projectDir),
          },
        };
      case 'POST /traffic':
        return switchTraffic(body, endpoint, target, playing);
      case 'POST /faults':
        return addFault(body, endpoint, target, playing);
      case 'DELETE /faults': {
        for (const t of playing.all()) playing.clearFaults(t.endpointName);
        target.sandbox.faults.clear();
        log('fault   cleared: canary faults and AWS faults');
        return {
          status: 200,
          body: {
            message: 'faults cleared: every canary plays its scenario again, and AWS calls pass',
          },
        };
      }
      case 'POST /reset':
        return resetEndpoint(endpoint, target);
      default:
        throw new DevRouteError(
          404,
          `no route ${route} on the local stage; routes: GET ${DEV_ROUTE_PREFIX}, GET ${DEV_ROUTE_PREFIX}/scenarios, POST ${DEV_ROUTE_PREFIX}/traffic, POST|DELETE ${DEV_ROUTE_PREFIX}/faults, POST ${DEV_ROUTE_PREFIX}/reset`,
        );
    }
  }

  async function describeStage(target: LocalStack, playing: DevTraffic): Promise<DevReply['body']> {
    const endpoints = await Promise.all(
      playing.all().map(async (t) => {
        const status = target.sandbox.sagemaker.getEndpointStatus(t.region, t.endpointName) ?? 'missing';
        const weights = target.sandbox.sagemaker.getEndpointWeights(t.region, t.endpointName) ?? {};
        const models = await variantModels(target, t.region, t.endpointName).catch(() => ({}));
        const last = t.handle.records().at(-1);
        return {
          endpointName: t.endpointName,
          status,
          weights,
          models,
          scenario: t.scenario.name,
          minute: t.handle.minutesPlayed(),
          canaryFaults: describeOverride(t.override),
          lastMinute: last
            ? {
                baseline: last.baseline,
                canary: last.canary,
                canaryWeightPercent: last.canaryWeightPercent,
              }
            : null,
        };
      }),
    );
    const faults = target.sandbox.faults.snapshot();
    const awsFaults =
      faults.rules.length +
      faults.heldEndpoints.length +
      Object.keys(faults.regionsDown).length +
      faults.deliveries.length;
    const lines = [
      `local stage "${target.stage}" (${target.region}), simulated time ${clock.isoNow()}, ${options.speed}x the wall clock`,
      `control API ${apiUrl}   sandbox ${target.sandbox.url}`,
      ...endpoints.map(
        (e) =>
          `${e.endpointName}: ${e.status}, ${describeVariants(e.weights, e.models)}; traffic ${e.scenario} minute ${e.minute}; canary faults: ${e.canaryFaults}`,
      ),
      `AWS faults: ${awsFaults === 0 ? 'none' : JSON.stringify(faults)}`,
    ];
    return {
      message: lines.join('\n'),
      apiUrl,
      sandboxUrl: target.sandbox.url,
      stage: target.stage,
      region: target.region,
      speed: options.speed,
      now: clock.isoNow(),
      endpoints,
      faults,
    };
  }

  async function switchTraffic(
    body: Record<string, unknown>,
    endpoint: string,
    target: LocalStack,
    playing: DevTraffic,
  ): Promise<DevReply> {
    const name = typeof body.scenario === 'string' ? body.scenario : undefined;
    if (!name) throw new DevRouteError(400, 'expected { "scenario": "<name or file>" }');
    const fromMinute = body.fromMinute ?? 0;
    if (typeof fromMinute !== 'number' || !Number.isInteger(fromMinute) || fromMinute < 0)
      throw new DevRouteError(400, 'fromMinute must be a whole minute >= 0');
    if (!playing.has(endpoint)) throw new DevRouteError(404, `no endpoint ${endpoint} on the local stage`);
    const next = findScenario(projectDir, name, projectDir);
    const withPolicy = body.withPolicy === true;
    await configureScenario({
      sandboxUrl: target.sandbox.url,
      region: target.region,
      parameterPrefix: target.provisioned.parameterPrefix,
      scenario: next,
      endpointName: endpoint,
      storePolicy: withPolicy,
      ...(withPolicy ? { policyText: withDevLifecycle(next) } : {}),
    });
    playing.play(endpoint, target.region, next, fromMinute);
    const message = `${endpoint} plays ${next.name} from minute ${fromMinute}: ${next.description}${withPolicy ? ' (its policy is stored for the endpoint)' : ''}`;
    log(`traffic ${message}`);
    return { status: 200, body: { message, scenario: next.name, fromMinute, endpoint } };
  }

  function addFault(
    body: Record<string, unknown>,
    endpoint: string,
    target: LocalStack,
    playing: DevTraffic,
  ): DevReply {
    const kind = body.kind;
    if (kind === 'canary-5xx' || kind === 'canary-latency') {
      if (!playing.has(endpoint)) throw new DevRouteError(404, `no endpoint ${endpoint} on the local stage`);
      let override: CanaryOverride;
      if (kind === 'canary-5xx') {
        const rate = body.rate;
        if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
          throw new DevRouteError(
            400,
            'canary-5xx needs "rate" between 0 and 1 (0.2 = 20% of requests fail)',
          );
        override = { errorRate5xx: rate };
      } else {
        const p99 = body.p99Ms;
        const p50 = body.p50Ms;
        if (typeof p99 !== 'number' || !(p99 > 0))
          throw new DevRouteError(400, 'canary-latency needs "p99Ms" > 0');
        if (p50 !== undefined && (typeof p50 !== 'number' || !(p50 > 0 && p50 < p99)))
          throw new DevRouteError(400, '"p50Ms" must be > 0 and below p99Ms');
        override = { latencyMs: { p99, ...(typeof p50 === 'number' ? { p50 } : {}) } };
      }
      const { traffic: now, fromMinute } = playing.fault(endpoint, override);
      const message = `${endpoint}: canary ${describeOverride(now.override)} from scenario minute ${fromMinute} (${now.scenario.name} goes on under it)`;
      log(`fault   ${message}`);
      return { status: 201, body: { message, endpoint, fromMinute, canaryFaults: now.override } };
    }
    if (typeof kind !== 'string') {
      throw new DevRouteError(
        400,
        'expected { "kind": canary-5xx | canary-latency | throttle | error | latency | hold-endpoint | release-endpoint | region-down | region-up | drop-deliveries | duplicate-deliveries, ... }',
      );
    }
    const request: Record<string, unknown> = { ...body };
    delete request.endpoint;
    if (kind === 'hold-endpoint' || kind === 'release-endpoint') {
      request.endpointName ??= endpoint;
      request.region ??= target.region;
    }
    const result = applyFaultRequest(target.sandbox.faults, request);
    const scope = ['service', 'operation', 'region', 'endpointName', 'times', 'fraction', 'code', 'latencyMs']
      .filter((key) => request[key] !== undefined)
      .map((key) => `${key} ${String(request[key])}`)
      .join(', ');
    const message = `AWS fault ${kind}${scope ? ` (${scope})` : ''} added: ${JSON.stringify(result)}`;
    log(`fault   ${message}`);
    return { status: 201, body: { message, ...result } };
  }

  /**
   * `dev reset`, kept for the flows written before the watchdog owned the endpoint's lifecycle.
   * The watchdog now retires the baseline after a promotion and removes the canary after a
   * rollback, so there is usually nothing to reset: this says so and names the next start. Only a
   * canary still serving after a final rollout, one the watchdog will not take down (its policy's
   * lifecycle says `never`, or the change failed), is put back to 0 %.
   */
  async function resetEndpoint(endpoint: string, target: LocalStack): Promise<DevReply> {
    const status = target.sandbox.sagemaker.getEndpointStatus(target.region, endpoint);
    if (status === undefined) throw new DevRouteError(404, `no endpoint ${endpoint} on the local stage`);
    const rollout = await getJson(new URL(`/rollouts/${encodeURIComponent(endpoint)}`, target.apiUrl), {
      [CLOCK_HEADER]: String(clock.now()),
    });
    const view = (rollout.status === 200 ? rollout.body : {}) as {
      phase?: unknown;
      endpointChange?: { status?: unknown; description?: unknown };
    };
    if (typeof view.phase === 'string' && !FINAL_PHASES.has(view.phase)) {
      throw new DevRouteError(
        409,
        `the rollout on ${endpoint} is ${view.phase}: promote, roll back or abort it first`,
      );
    }
    const change = view.endpointChange;
    if (change && (change.status === 'waiting' || change.status === 'updating')) {
      const next = nextModel(await variantModels(target, target.region, endpoint), startedModels);
      throw new DevRouteError(
        409,
        `nothing for dev reset to do on ${endpoint}: the watchdog is on it (${String(change.description)}); \`rollout-watchdog status ${endpoint}\` shows when it is done, then start the next model: \`rollout-watchdog start ${endpoint} --model ${next}\``,
      );
    }
    // The endpoint must be InService to take new weights; the sandbox's updates finish on
    // simulated time, so step the clock over what is in flight instead of waiting for it.
    const settle = async () => {
      for (
        let i = 0;
        i < 5 && target.sandbox.sagemaker.getEndpointStatus(target.region, endpoint) !== 'InService';
        i++
      )
        await clock.advance(DEV_ENDPOINT_DELAY_MS);
    };
    await settle();
    const { baselineVariant, canaryVariant } = endpointVariants;
    const models = await variantModels(target, target.region, endpoint);
    const weights = target.sandbox.sagemaker.getEndpointWeights(target.region, endpoint) ?? {};
    const canaryModel = models[canaryVariant];
    if (canaryModel === undefined || !weights[canaryVariant]) {
      const next =
        canaryModel === undefined
          ? `start the next rollout from a model name: \`rollout-watchdog start ${endpoint} --model ${nextModel(models, startedModels)}\``
          : `\`rollout-watchdog start ${endpoint} --model ${canaryModel}\` runs the canary it has again`;
      const message = `nothing to reset: ${endpoint} serves ${describeVariants(weights, models)} (the watchdog deploys, retires and removes variants itself); ${next}`;
      log(`reset   ${message}`);
      return { status: 200, body: { message, endpoint, reset: false } };
    }
    const sagemaker = new SageMakerClient(sandboxClientConfig(target.sandbox.url, target.region));
    try {
      await sagemaker.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: endpoint,
          DesiredWeightsAndCapacities: [
            { VariantName: baselineVariant, DesiredWeight: 1 },
            { VariantName: canaryVariant, DesiredWeight: 0 },
          ],
        }),
      );
    } finally {
      sagemaker.destroy();
    }
    await settle();
    const after = target.sandbox.sagemaker.getEndpointWeights(target.region, endpoint) ?? {};
    const message = `${endpoint}: ${describeVariants(after, models)}: the canary the last rollout left serving is back to 0% (the watchdog will not take it down: its policy's lifecycle says never, or the change failed); \`rollout-watchdog start ${endpoint} --model ${canaryModel}\` runs it again`;
    log(`reset   ${message}`);
    return { status: 200, body: { message, endpoint, reset: true } };
  }

  const onInvocation = (functionName: string, event: unknown, result: InvokeResult) => {
    const key = functionName.replace(/^rollout-watchdog-[^-]+-/, '');
    if (result.functionError) {
      const payload = result.payload as { errorMessage?: string; errorType?: string } | undefined;
      log(
        `error   ${key} failed: ${payload?.errorType ?? 'Error'}: ${payload?.errorMessage ?? 'no message'}`,
      );
      return;
    }
    if (key === 'canaryTick') {
      const perRollout = (
        result.payload as {
          perRollout?: Array<{ endpointName: string; outcome: string; action?: string; reason?: string }>;
        }
      )?.perRollout;
      for (const r of perRollout ?? []) {
        if ((r.action && r.action !== 'hold') || r.outcome === 'error' || r.outcome === 'stopped')
          log(`tick    ${r.endpointName}: ${r.action ?? r.outcome}${r.reason ? `: ${r.reason}` : ''}`);
      }
    } else if (key === 'alarmRollback') {
      const detail = (
        event as {
          detail?: { alarmName?: string; state?: { value?: string }; previousState?: { value?: string } };
        }
      ).detail;
      log(`alarm   ${detail?.alarmName}: ${detail?.previousState?.value ?? '?'} -> ${detail?.state?.value}`);
    }
  };
  const onInvocationError = (functionName: string, error: LambdaInvokeError) => {
    if (closing) return;
    log(`error   ${functionName}: ${error.message}`);
  };

  try {
    stack = await startLocalStack({
      clock,
      projectDir,
      sandboxPort: options.sandboxPort,
      outboxDir,
      endpointDelayMs: DEV_ENDPOINT_DELAY_MS,
      asyncInvocations: 'background',
      onInvocation,
      onInvocationError,
      onRouterLine: (line) => {
        if (!closing) options.log(line);
      },
      unreachableHint:
        'serverless-offline, started by `npm run dev`, has stopped: stop `npm run dev` (Ctrl-C) and start it again',
      ...(options.onOfflineLine ? { onOfflineLine: options.onOfflineLine } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    options.signal?.throwIfAborted();
    const target = stack;
    await createBaselineEndpoint({
      sandboxUrl: target.sandbox.url,
      region: target.region,
      endpointName,
      baselineVariant: endpointVariants.baselineVariant,
      models: [...DEV_MODELS],
    });
    await clock.advance(DEV_ENDPOINT_DELAY_MS); // InService
    const setup = await configureScenario({
      sandboxUrl: target.sandbox.url,
      region: target.region,
      parameterPrefix: target.provisioned.parameterPrefix,
      scenario,
      endpointName,
      policyText: withDevLifecycle(scenario),
    });
    traffic = new DevTraffic({
      play: (play) => target.sandbox.playScenario(play),
      variantsOf: () => endpointVariants,
      ...(options.onTrafficMinute
        ? {
            onMinute: (name, r) =>
              options.onTrafficMinute?.(
                `${simTime()}  minute ${String(r.minute).padStart(3)} ${name}: canary ${formatWeight(r.canaryWeightPercent)}  ${minuteOf(r.baseline)} | ${minuteOf(r.canary)}`,
              ),
          }
        : {}),
    });
    traffic.play(endpointName, target.region, scenario);
    options.signal?.throwIfAborted();
    clock.start();
    const parsed = parsePolicyText(setup.policyText);
    return {
      apiUrl,
      sandboxUrl: target.sandbox.url,
      functionsUrl: target.offline.httpUrl,
      region: target.region,
      stage: target.stage,
      speed: options.speed,
      endpointName,
      scenario,
      policySummary: parsed.ok ? describePolicy(parsed.policy) : '(the stored policy does not parse)',
      models: DEV_MODELS,
      policyParameter: `${target.provisioned.parameterPrefix}/policies/${endpointName}`,
      outboxDir,
      workFolder: target.workFolder,
      slackUrl: target.sandbox.slackWebhookUrl(LOCAL_SLACK_HOOK),
      clock,
      functionsExited: target.offline.exited,
      close,
      abandon() {
        target.offline.kill();
        rmSync(target.workFolder, { recursive: true, force: true });
        rmSync(outboxDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await close();
    const { code, port } = error as { code?: unknown; port?: unknown };
    if (code === 'EADDRINUSE') {
      throw new Error(
        `port ${String(port)} is in use (another \`npm run dev\` or \`npm run sandbox\`?): stop it, or pass --sandbox-port N (0 picks a free port)`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** The scenario's policy with the stage's short lifecycle delays (DEV_LIFECYCLE). */
export function withDevLifecycle(scenario: Scenario): string {
  const policy = parseYaml(readFileSync(scenario.policyPath ?? scenario.policy, 'utf8')) as Record<
    string,
    unknown
  >;
  policy.lifecycle = DEV_LIFECYCLE;
  return stringifyYaml(policy);
}

/** GET with a connection of its own (no keep-alive left behind); the body parsed when it is JSON. */
function getJson(url: URL, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  return new Promise((resolveGet, reject) => {
    const request = http.request(url, { method: 'GET', headers, agent: false }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('error', reject);
      answer.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
        resolveGet({ status: answer.statusCode ?? 0, body });
      });
    });
    request.on('error', reject);
    request.end();
  });
}

/** The model each variant of the endpoint's config in service runs, by variant name. */
async function variantModels(
  target: LocalStack,
  region: string,
  endpointName: string,
): Promise<Record<string, string>> {
  const sagemaker = new SageMakerClient(sandboxClientConfig(target.sandbox.url, region));
  try {
    const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    const config = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
    );
    return Object.fromEntries(
      (config.ProductionVariants ?? []).map((v) => [v.VariantName ?? '?', v.ModelName ?? '?']),
    );
  } finally {
    sagemaker.destroy();
  }
}

/** The model a start request names, if any. */
function modelOf(body: Buffer): string | undefined {
  try {
    const model = (JSON.parse(body.toString('utf8')) as { model?: unknown }).model;
    return typeof model === 'string' ? model : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The registered model after the newest one the endpoint runs or a start deployed (`MODEL_NAME`
 * once all are used).
 */
function nextModel(models: Readonly<Record<string, string>>, started: ReadonlySet<string>): string {
  const order: readonly string[] = DEV_MODELS;
  const newest = Math.max(-1, ...[...Object.values(models), ...started].map((m) => order.indexOf(m)));
  return order[newest + 1] ?? 'MODEL_NAME';
}

/** `primary 95% (demo-model-v1) / canary 5% (demo-model-v2)`. */
function describeVariants(
  weights: Readonly<Record<string, number>>,
  models: Readonly<Record<string, string>>,
): string {
  return Object.entries(weights)
    .map(([v, w]) => `${v} ${formatWeight(w)}${models[v] ? ` (${models[v]})` : ''}`)
    .join(' / ');
}

function send(res: http.ServerResponse, reply: DevReply): void {
  const text = `${JSON.stringify(reply.body, null, 2)}\n`;
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** One variant's minute on the activity line: `primary 2,850 req 6 5xx p99 183 ms`. */
function minuteOf(variant: TrafficVariantRecord): string {
  return `${variant.variantName} ${formatCount(variant.invocations)} req ${formatCount(variant.errors5xx)} 5xx p99 ${formatMs(variant.latencyP99Ms)}`;
}
