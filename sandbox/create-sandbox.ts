/**
 * Builds the whole sandbox in-process — clock, event bus, the service emulations, DynamoDB through
 * dynalite, faults, the Slack sink and the email outbox — behind one HTTP front. Tests and the demo
 * call this; `main.ts` wraps it for `npm run sandbox`.
 */

import { loadScenarioFile, parseScenario, type Scenario } from '../shared/simulation/scenario-schema';
import { createSandboxClock, DEFAULT_SPEED, type SandboxClock } from './clock';
import { createEventBus, type EventBus } from './event-bus';
import { createEventRouter, type EventRouter } from './event-router';
import { createFaults, type Faults } from './faults';
import type { LambdaInvoker } from './lambda-invoker';
import { createOutbox, DEFAULT_OUTBOX_DIR, type Outbox } from './outbox';
import { createQuotas, type QuotaOptions, type Quotas } from './quotas';
import { type ControlRoute, DEFAULT_SANDBOX_HOST, DEFAULT_SANDBOX_PORT, startSandboxServer } from './server';
import { type CloudWatch, createCloudWatch } from './services/cloudwatch/create-cloudwatch';
import { type DynamoDbProxy, startDynamoDbProxy } from './services/dynamodb/dynamodb-proxy';
import {
  createSageMaker,
  DEFAULT_ENDPOINT_DELAY_MS,
  type SageMakerEmulation,
} from './services/sagemaker/sagemaker-emulation';
import { createSns, type SnsEmulation } from './services/sns/sns-emulation';
import { createSsm } from './services/ssm/ssm-emulation';
import { createHookReceivers, type HookReceivers } from './hook-receivers';
import { SANDBOX_ACCOUNT_ID } from './service';
import { createSlackSink, type SlackSink } from './slack-sink';
import { startTraffic, type TrafficHandle, type TrafficOptions } from './traffic';

export interface CreateSandboxOptions {
  /** Default {@link DEFAULT_SANDBOX_PORT}; 0 → a free port (tests). */
  port?: number;
  host?: string;
  /**
   * Simulated time. Default: a running clock at {@link DEFAULT_SPEED}× the wall clock, started
   * here and stopped by `close()`. A clock passed in is left as it is (tests use a manual one).
   */
  clock?: SandboxClock;
  /** Where SNS email deliveries go. Default {@link DEFAULT_OUTBOX_DIR}. */
  outboxDir?: string;
  /** Reaches the functions SNS lambda subscriptions name. Without it lambda deliveries are recorded as failed. */
  lambdaInvoker?: LambdaInvoker;
  /** How long endpoints stay `Creating`/`Updating`, simulated ms. Default {@link DEFAULT_ENDPOINT_DELAY_MS}. */
  endpointDelayMs?: number;
  /**
   * How long an `UpdateEndpoint` to a new endpoint config stays `Updating`, simulated ms (AWS
   * provisions a new fleet for it). Default: `endpointDelayMs`.
   */
  endpointUpdateDelayMs?: number;
  /**
   * Instance types SageMaker cannot provision, by region, for the sandbox's whole life
   * (`{ 'us-east-1': ['ml.g5.xlarge'] }`): a create or update to a config using one fails with
   * `FailureReason`. `faults.exhaustCapacity` does the same for a while (and `clear()` undoes it).
   */
  unavailableInstanceTypes?: Readonly<Record<string, readonly string[]>>;
  /** SNS email subscriptions: `auto` (default) confirm at once, `manual` stay pending until confirmed. */
  emailConfirmation?: 'auto' | 'manual';
  /** Start dynalite behind `DynamoDB_20120810.*` (default true). */
  dynamodb?: boolean;
  faults?: Faults;
  /**
   * Per-operation rate quotas, answered with the service's throttling error beyond them. Default:
   * `DEFAULT_QUOTAS` in quotas.ts (GetMetricData 50/s, DescribeEndpoint and
   * UpdateEndpointWeightsAndCapacities 10/s each, per region). `limits` changes or lifts
   * (`null`) single quotas; `false` runs without any.
   */
  quotas?: QuotaOptions | false;
  /**
   * Deliver scheduled ticks and alarm events to the functions of `serverless.yml` through
   * `lambdaInvoker` (the sandbox's EventBridge). Off unless given; needs `lambdaInvoker`.
   */
  routeEvents?: {
    projectDir?: string;
    stage?: string;
    region?: string;
    synchronous?: boolean;
    /** What to do when no functions answer, in the one line the router prints then. */
    unreachableHint?: string;
    /** Where the router reports failed deliveries. Default: `console.error`. */
    log?: (line: string) => void;
  };
  /**
   * DynamoDB answered ResourceNotFoundException for `tableName`: returns a sentence added to the
   * error's message (e.g. how to create the stage's table), or nothing.
   */
  onMissingTable?: (tableName: string) => string | undefined;
  /**
   * Play this scenario's traffic against every endpoint as soon as it exists (the baseline is the
   * variant the scenario names, else the first; the canary likewise, else the second), so an
   * independent client sees metrics with no further setup. Off unless given.
   */
  autoTraffic?: { scenario: Scenario; seed?: number };
  /** Unexpected errors inside the sandbox (answered as InternalFailure). Default: `console.error`. */
  onInternalError?: (error: unknown) => void;
}

export interface Sandbox {
  /** Base URL for `AWS_ENDPOINT_URL`. */
  readonly url: string;
  readonly port: number;
  readonly clock: SandboxClock;
  readonly bus: EventBus;
  readonly faults: Faults;
  /** The per-operation rate quotas (not cleared with the faults). */
  readonly quotas: Quotas;
  readonly slack: SlackSink;
  readonly outbox: Outbox;
  readonly sagemaker: Pick<
    SageMakerEmulation,
    'getEndpointWeights' | 'getEndpointTraffic' | 'getEndpointStatus'
  >;
  readonly sns: Pick<SnsEmulation, 'publishToSns' | 'confirm' | 'deliveries' | 'idle'>;
  readonly cloudwatch: CloudWatch;
  /** Plays a scenario's traffic against an endpoint (metrics into this sandbox's CloudWatch). */
  playScenario(options: PlayScenarioOptions): TrafficHandle;
  /** Traffic being played, by `region/endpointName`. */
  traffic(): ReadonlyMap<string, TrafficHandle>;
  /** The event router, when `routeEvents` was given. */
  readonly events: EventRouter | undefined;
  /** The hook receivers (HTTP at `<url>/_sandbox/hooks/<name>`, Lambda `Invoke` of registered functions), scripted per hook. */
  readonly hooks: HookReceivers;
  /** URL of the HTTP receiver of hook `name`. */
  hookUrl(name: string): string;
  /** Webhook URL of a Slack sink hook (`<url>/_sandbox/slack/<hookId>`). */
  slackWebhookUrl(hookId: string): string;
  /** Stops the server, dynalite, and the clock if this sandbox started it. */
  close(): Promise<void>;
}

export type PlayScenarioOptions = Omit<
  TrafficOptions,
  'clock' | 'store' | 'getEndpointWeights' | 'getEndpointTraffic'
>;

/**
 * Starts a sandbox. `clock` decides how simulated time moves, `endpointDelayMs` how long endpoint
 * changes take on it, `lambdaInvoker` where SNS lambda deliveries go, and `port` where it listens.
 */
export async function createSandbox(options: CreateSandboxOptions = {}): Promise<Sandbox> {
  const ownClock = options.clock === undefined;
  const clock = options.clock ?? createSandboxClock({ mode: 'running', speed: DEFAULT_SPEED });
  const bus = createEventBus();
  const faults = options.faults ?? createFaults();
  const quotas = createQuotas(options.quotas ?? {});
  const slack = createSlackSink();
  const outbox = createOutbox(options.outboxDir ?? DEFAULT_OUTBOX_DIR);
  let baseUrl = `http://${options.host ?? DEFAULT_SANDBOX_HOST}:${options.port ?? DEFAULT_SANDBOX_PORT}`;

  const sagemaker = createSageMaker({
    now: clock.now,
    endpointDelayMs: options.endpointDelayMs ?? DEFAULT_ENDPOINT_DELAY_MS,
    ...(options.endpointUpdateDelayMs !== undefined
      ? { endpointUpdateDelayMs: options.endpointUpdateDelayMs }
      : {}),
    ...(options.unavailableInstanceTypes
      ? { unavailableInstanceTypes: options.unavailableInstanceTypes }
      : {}),
    faults,
    // Blue/green deployments read the rollback alarms of this sandbox's CloudWatch (created below).
    alarmState: (region, alarmName) => cloudwatch.alarms.get(region, alarmName)?.state.value,
  });
  const sns = createSns({
    now: clock.now,
    outbox,
    faults,
    ...(options.lambdaInvoker ? { lambdaInvoker: options.lambdaInvoker } : {}),
    emailConfirmation: options.emailConfirmation ?? 'auto',
    baseUrl: () => baseUrl,
  });
  const ssm = createSsm();
  const hooks = createHookReceivers({
    now: clock.now,
    readSecret: async (region, name) => {
      try {
        const out = (await ssm.emulation.operations.GetParameter!(
          { Name: name, WithDecryption: true },
          { region, accountId: SANDBOX_ACCOUNT_ID, now: clock.now },
        )) as { Parameter?: { Value?: string } };
        return out.Parameter?.Value;
      } catch {
        return undefined;
      }
    },
  });
  const cloudwatch = createCloudWatch({
    clock,
    bus,
    publishToSns: async (region, topicArn, { subject, message }) => {
      await sns.publishToSns(region, topicArn, { subject, message });
    },
  });

  // Subscribed after CloudWatch: in each period's `evaluate` phase SageMaker polls the alarms
  // CloudWatch has just evaluated for that period, as it would poll them shortly after.
  const stopDeploymentPolls = clock.onPeriodClosed(() => sagemaker.pollDeployments(), 'evaluate');

  let events: EventRouter | undefined;
  if (options.routeEvents) {
    if (!options.lambdaInvoker) throw new TypeError('routeEvents needs a lambdaInvoker to deliver to');
    const { projectDir, stage, region, synchronous, unreachableHint, log } = options.routeEvents;
    events = createEventRouter({
      clock,
      bus,
      invoker: options.lambdaInvoker,
      faults,
      ...(projectDir !== undefined ? { projectDir } : {}),
      ...(stage !== undefined ? { stage } : {}),
      ...(region !== undefined ? { region } : {}),
      ...(synchronous !== undefined ? { synchronous } : {}),
      ...(unreachableHint !== undefined ? { unreachableHint } : {}),
      ...(log !== undefined ? { log } : {}),
    });
  }

  const playing = new Map<string, TrafficHandle>();
  const playScenario = (play: PlayScenarioOptions): TrafficHandle => {
    const key = `${play.region}/${play.endpointName}`;
    playing.get(key)?.stop();
    const handle = startTraffic({
      ...play,
      clock,
      store: cloudwatch.store,
      getEndpointTraffic: sagemaker.getEndpointTraffic,
    });
    playing.set(key, handle);
    return handle;
  };
  let stopAutoTraffic = () => {};
  if (options.autoTraffic) {
    const { scenario, seed } = options.autoTraffic;
    // Checked in the `produce` phase before traffic publishes, so a new endpoint gets the minute that just closed.
    stopAutoTraffic = clock.onPeriodClosed(() => {
      for (const { region, endpointName, variantNames } of sagemaker.endpoints()) {
        if (playing.has(`${region}/${endpointName}`)) continue;
        const pick = (named: string, index: number) =>
          variantNames.includes(named) ? named : variantNames[index];
        const baselineVariant = pick(scenario.endpoint.baselineVariant, 0);
        const canaryVariant = pick(scenario.endpoint.canaryVariant, 1);
        if (!baselineVariant || !canaryVariant || baselineVariant === canaryVariant) continue;
        playScenario({
          scenario,
          region,
          endpointName,
          baselineVariant,
          canaryVariant,
          ...(seed !== undefined ? { seed } : {}),
        });
      }
    }, 'produce');
  }

  let dynamodb: DynamoDbProxy | undefined;
  if (options.dynamodb !== false) {
    dynamodb = await startDynamoDbProxy(
      options.onMissingTable ? { onMissingTable: options.onMissingTable } : {},
    );
  }

  const regionsOf = () => [...new Set(['us-east-1', ...sagemaker.regions()])];
  const controlRoutes: ControlRoute[] = [
    hooks.controlRoute,
    async ({ method, segments }) => {
      if (method !== 'GET' || segments[0] !== 'outbox') return undefined;
      if (segments.length === 1) return { body: await outbox.list() };
      if (segments.length === 2) {
        const text = await outbox.read(segments[1]!).catch(() => undefined);
        return text === undefined
          ? { status: 404, body: { error: `no outbox file ${segments[1]}` } }
          : { headers: { 'content-type': 'message/rfc822' }, body: text };
      }
      return undefined;
    },
    ({ method, segments, query, body }) => {
      if (segments[0] !== 'sns') return undefined;
      if (method === 'GET' && segments[1] === 'deliveries') return { body: sns.deliveries() };
      if (segments[1] === 'confirm') {
        const key =
          query.get('SubscriptionArn') ??
          (body && typeof body === 'object' ? (body as Record<string, unknown>).subscriptionArn : undefined);
        if (typeof key !== 'string') throw new TypeError('SubscriptionArn is required');
        const region = query.get('region') ?? key.split(':')[3] ?? 'us-east-1';
        return sns.confirm(region, key)
          ? { body: { confirmed: key } }
          : { status: 404, body: { error: `no subscription ${key}` } };
      }
      return undefined;
    },
    ({ method, segments, query }) => {
      if (method !== 'GET' || segments[0] !== 'state') return undefined;
      const region = query.get('region') ?? undefined;
      const regions = region ? [region] : regionsOf();
      const pick = (dump: (r: string) => unknown) => Object.fromEntries(regions.map((r) => [r, dump(r)]));
      const services: Record<string, () => unknown> = {
        sagemaker: () => pick((r) => sagemaker.dump(r)),
        sns: () => pick((r) => sns.dump(r)),
        ssm: () => pick((r) => ssm.dump(r)),
        events: () => ({ bus: bus.recent(), deliveries: events?.deliveries() ?? [] }),
        faults: () => faults.snapshot(),
      };
      const service = segments[1];
      if (service === undefined)
        return { body: Object.fromEntries(Object.entries(services).map(([k, f]) => [k, f()])) };
      const dump = services[service];
      return dump ? { body: dump() } : { status: 404, body: { error: `no state for ${service}` } };
    },
    ({ method, segments, body }) => {
      if (segments[0] !== 'traffic') return undefined;
      if (method === 'GET' && segments.length === 1) {
        return {
          body: [...playing.entries()].map(([key, handle]) => ({
            key,
            minutesPlayed: handle.minutesPlayed(),
          })),
        };
      }
      if (method === 'POST' && segments.length === 1) {
        const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
        let scenario: Scenario | undefined;
        if (typeof b.scenarioFile === 'string') {
          try {
            scenario = loadScenarioFile(b.scenarioFile);
          } catch (error) {
            throw new TypeError(`cannot load scenario: ${(error as Error).message}`, { cause: error });
          }
        } else if (b.scenario !== undefined) {
          const parsed = parseScenario(b.scenario);
          if (!parsed.ok) throw new TypeError(`invalid scenario: ${parsed.problems.join('; ')}`);
          scenario = parsed.scenario;
        }
        if (!scenario) throw new TypeError('expected { scenarioFile | scenario, region, endpointName, ... }');
        if (typeof b.region !== 'string' || typeof b.endpointName !== 'string') {
          throw new TypeError('region and endpointName are required');
        }
        playScenario({
          scenario,
          region: b.region,
          endpointName: b.endpointName,
          ...(typeof b.baselineVariant === 'string' ? { baselineVariant: b.baselineVariant } : {}),
          ...(typeof b.canaryVariant === 'string' ? { canaryVariant: b.canaryVariant } : {}),
          ...(typeof b.seed === 'number' ? { seed: b.seed } : {}),
          ...(typeof b.startMinute === 'number' ? { startMinute: b.startMinute } : {}),
        });
        return { status: 201, body: { playing: `${b.region}/${b.endpointName}`, scenario: scenario.name } };
      }
      return undefined;
    },
    async ({ method, segments, body }) => {
      if (segments[0] !== 'clock') return undefined;
      if (method === 'GET' && segments.length === 1) {
        return { body: { now: clock.now(), iso: clock.isoNow(), mode: clock.mode } };
      }
      if (method === 'POST' && segments[1] === 'advance') {
        const ms = body && typeof body === 'object' ? (body as Record<string, unknown>).ms : undefined;
        if (typeof ms !== 'number') throw new TypeError('expected { "ms": <simulated milliseconds> }');
        await clock.advance(ms);
        return { body: { now: clock.now(), iso: clock.isoNow() } };
      }
      return undefined;
    },
  ];

  let server: Awaited<ReturnType<typeof startSandboxServer>>;
  try {
    server = await startSandboxServer({
      host: options.host ?? DEFAULT_SANDBOX_HOST,
      port: options.port ?? DEFAULT_SANDBOX_PORT,
      services: [sagemaker.emulation, sns.emulation, ssm.emulation, cloudwatch.emulation],
      ...(dynamodb ? { dynamodb } : {}),
      faults,
      quotas,
      slack,
      now: clock.now,
      controlRoutes,
      restRoutes: [hooks.lambdaRoute],
      ...(options.onInternalError ? { onInternalError: options.onInternalError } : {}),
    });
  } catch (error) {
    await dynamodb?.close();
    cloudwatch.dispose();
    events?.dispose();
    stopAutoTraffic();
    stopDeploymentPolls();
    throw error;
  }
  baseUrl = server.url;
  if (ownClock) clock.start();

  let closed = false;
  return {
    url: server.url,
    port: server.port,
    clock,
    bus,
    faults,
    quotas,
    slack,
    outbox,
    sagemaker,
    sns,
    cloudwatch,
    events,
    playScenario,
    traffic: () => playing,
    hooks,
    hookUrl: (name) => `${server.url}/_sandbox/hooks/${encodeURIComponent(name)}`,
    slackWebhookUrl: (hookId) => `${server.url}/_sandbox/slack/${encodeURIComponent(hookId)}`,
    async close() {
      if (closed) return;
      closed = true;
      if (ownClock) clock.stop();
      stopAutoTraffic();
      stopDeploymentPolls();
      for (const handle of playing.values()) handle.stop();
      cloudwatch.dispose();
      events?.dispose();
      await sns.idle();
      await server.close();
      await dynamodb?.close();
    },
  };
}
