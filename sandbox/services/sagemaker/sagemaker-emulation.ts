/**
 * SageMaker (AWS JSON 1.1) for the calls the watchdog makes: models, endpoint configs, endpoints
 * and their variant weights. Endpoints go `Creating`/`Updating` → `InService` after a delay on the
 * sandbox clock; while an update is in flight `CurrentWeight` and `DesiredWeight` differ and a
 * second update is refused as AWS refuses it. A deployment of a new config (CreateEndpoint,
 * UpdateEndpoint) shows as `PendingDeploymentSummary` until it completes; one that needs an
 * instance type without capacity ends as SageMaker ends it: a create `Failed`, an update back
 * `InService` on the old config, both with `FailureReason`.
 *
 * Endpoints may carry a shadow variant (`ShadowProductionVariants`), and `UpdateEndpoint` with a
 * `DeploymentConfig` runs SageMaker's blue/green deployment over the sandbox clock (the stages are
 * in blue-green-deployment.ts): the green fleet is provisioned (`endpointUpdateDelayMs`, variant
 * status `Creating`), traffic shifts (`ActivatingTraffic`, `Baking`), the final bake runs, and the
 * endpoint is `InService` on the new config. From the first shift to the end of the final bake
 * SageMaker polls the rollback alarms; the sandbox polls them once per sandbox clock step (each
 * period close, one simulated minute, right after CloudWatch has evaluated its alarms for that
 * period), through `alarmState`, so an alarm that goes into ALARM at a period close rolls the
 * deployment back at that same close. A rollback (an alarm, or `MaximumExecutionTimeoutInSeconds`
 * passed) moves all traffic back to the old fleet at once, shows `RollingBack` for
 * `rollbackDelayMs`, and ends `InService` on the old config with a `FailureReason` naming the
 * alarm; `faults.failRollback` makes it end `UpdateRollbackFailed` instead. `faults.holdEndpoint`
 * keeps a blue/green deployment provisioning; traffic starts shifting once it is released.
 */
import { AwsError } from '../../aws-error';
import type { Faults } from '../../faults';
import type { Operation, RequestContext, ServiceEmulation } from '../../service';
import { SANDBOX_ACCOUNT_ID } from '../../service';
import { foreignArtifact } from './artifact-region';
import { asMember, type ConfigVariant, parseConfigVariants } from './config-variants';
import {
  type BlueGreenPlan,
  DEFAULT_TRAFFIC_ACTIVATION_MS,
  parseDeploymentConfig,
  stageAt,
  type TrafficStage,
  trafficStages,
} from './blue-green-deployment';
import type { EndpointTraffic, FleetTraffic } from './endpoint-traffic';
import { excludedProperties, retainVariantProperties } from './retain-variant-properties';
import {
  capacityCheck,
  firstVariantShortOfCapacity,
  INSUFFICIENT_CAPACITY_REASON,
} from './instance-capacity';

/** Default time an endpoint stays `Creating`/`Updating`, simulated ms (real endpoints take minutes). */
export const DEFAULT_ENDPOINT_DELAY_MS = 60_000;

interface Model {
  ModelName: string;
  ModelArn: string;
  ExecutionRoleArn?: unknown;
  PrimaryContainer?: unknown;
  Containers?: unknown;
  CreationTime: number;
}

interface EndpointConfig {
  EndpointConfigName: string;
  EndpointConfigArn: string;
  ProductionVariants: ConfigVariant[];
  /** At most one, beside exactly one production variant (SageMaker's limits for shadow testing). */
  ShadowProductionVariants?: ConfigVariant[];
  CreationTime: number;
}

interface Variant {
  VariantName: string;
  CurrentWeight: number;
  DesiredWeight: number;
  CurrentInstanceCount: number;
  DesiredInstanceCount: number;
}

interface PendingChange {
  /** Simulated ms at which the change began. */
  startedAt: number;
  /** Simulated ms at which the endpoint becomes `InService` (or `Failed`). */
  readyAt: number;
  /** Variants after the change (weights become current). */
  variants: Variant[];
  /** Shadow variants after the change. */
  shadowVariants: Variant[];
  configName: string;
  /** The config being deployed, when the change is a new config rather than new weights on the current one. */
  newConfig?: EndpointConfig;
  /** The deployment cannot succeed: the `FailureReason` it ends with when due. */
  failureReason?: string;
  /** A blue/green deployment (UpdateEndpoint with `DeploymentConfig`): `readyAt` ends its provisioning. */
  blueGreen?: BlueGreenRun;
}

/** A blue/green deployment in flight. Simulated epoch ms. */
interface BlueGreenRun {
  plan: BlueGreenPlan;
  /** Traffic stages, fixed once the green fleet is provisioned. */
  stages?: TrafficStage[];
  /** A hold (fault) kept provisioning going: traffic starts when it is first seen released. */
  heldSeen?: boolean;
  rollback?: {
    startedAt: number;
    readyAt: number;
    /** The `FailureReason` the endpoint ends with. */
    reason: string;
    /** `faults.failRollback` was set when the rollback began. */
    fails: boolean;
    /** The green share when the rollback began (kept when the rollback fails). */
    greenShareAtStart: number;
  };
}

interface Endpoint {
  EndpointName: string;
  EndpointArn: string;
  EndpointConfigName: string;
  status: 'Creating' | 'Updating' | 'InService' | 'Failed' | 'RollingBack' | 'UpdateRollbackFailed';
  variants: Variant[];
  /** The shadow variants (ShadowProductionVariants) of the config in service. */
  shadowVariants: Variant[];
  CreationTime: number;
  LastModifiedTime: number;
  pending?: PendingChange;
  /** Why the last create or update failed; cleared by the next update. */
  FailureReason?: string;
  /** The `DeploymentConfig` of the last UpdateEndpoint that had one (DescribeEndpoint's `LastDeploymentConfig`). */
  LastDeploymentConfig?: unknown;
  /**
   * Models a completed blue/green deployment brought onto the endpoint: while the config in
   * service runs one of them, the new model serves (whatever later config changes kept it).
   */
  newModels: Set<string>;
  /** After `UpdateRollbackFailed`: the fleets left serving side by side. */
  strandedFleets?: FleetTraffic;
  /** The fleets of the last blue/green deployment and when it ended (completed or rolled back). */
  lastDeployment?: { fleets: FleetTraffic; endedAt: number };
}

interface RegionState {
  models: Map<string, Model>;
  configs: Map<string, EndpointConfig>;
  endpoints: Map<string, Endpoint>;
}

export interface SageMakerOptions {
  /** Simulated epoch ms. */
  now(): number;
  /** How long endpoints stay `Creating`/`Updating`, simulated ms. */
  endpointDelayMs?: number;
  /**
   * How long an `UpdateEndpoint` to a new config stays `Updating`, simulated ms (a new fleet is
   * provisioned, so in AWS it takes longer than a weights change). Default: `endpointDelayMs`.
   */
  endpointUpdateDelayMs?: number;
  /** Instance types each region cannot provision, for the emulation's whole life (region → types). */
  unavailableInstanceTypes?: Readonly<Record<string, readonly string[]>>;
  /** Consulted for endpoints held `Updating` on purpose, instance types out of capacity, and failing rollbacks. */
  faults?: Pick<Faults, 'isEndpointHeld'> &
    Partial<Pick<Faults, 'onEndpointHold' | 'isCapacityExhausted' | 'isRollbackFailing'>>;
  /**
   * The state of a CloudWatch alarm of the sandbox (`undefined`: no such alarm), for a blue/green
   * deployment's `AutoRollbackConfiguration`. Without it alarm names are not checked and never fire.
   */
  alarmState?(region: string, alarmName: string): string | undefined;
  /** How long a blue/green rollback shows `RollingBack`, simulated ms. Default: `endpointDelayMs`. */
  rollbackDelayMs?: number;
  /** How long each traffic shift shows `ActivatingTraffic`, simulated ms. Default {@link DEFAULT_TRAFFIC_ACTIVATION_MS}. */
  trafficActivationMs?: number;
}

export interface SageMakerEmulation {
  emulation: ServiceEmulation;
  /**
   * Current traffic share per variant in percent (from `CurrentWeight`, so during an update the
   * old split), or `undefined` when the endpoint does not exist or all current weights are zero.
   */
  getEndpointWeights(region: string, endpointName: string): Record<string, number> | undefined;
  /**
   * What the endpoint does with requests now, for the traffic player: the production weights
   * (as `getEndpointWeights`), the share copied to a shadow variant, and the fleets of a
   * blue/green deployment in flight; `undefined` when `getEndpointWeights` is.
   */
  getEndpointTraffic(region: string, endpointName: string): EndpointTraffic | undefined;
  /**
   * SageMaker's poll of the rollback alarms of every blue/green deployment in flight, at the
   * clock's now; the sandbox calls it on each period close after CloudWatch's evaluation.
   */
  pollDeployments(): void;
  /** Status as DescribeEndpoint would report it now, or `undefined` for an unknown endpoint. */
  getEndpointStatus(region: string, endpointName: string): string | undefined;
  /** Plain dump of one region's state, for `/_sandbox/state`. */
  dump(region: string): unknown;
  /** Regions that hold any SageMaker resource. */
  regions(): string[];
  /**
   * Every endpoint in every region with its variant names in config order, shadow variants last
   * (for auto-played traffic).
   */
  endpoints(): { region: string; endpointName: string; variantNames: string[] }[];
}

const arn = (region: string, kind: string, name: string) =>
  `arn:aws:sagemaker:${region}:${SANDBOX_ACCOUNT_ID}:${kind}/${name.toLowerCase()}`;

const validation = (message: string) => new AwsError('ValidationException', message, 400);

function requireName(input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '') {
    throw validation(
      `1 validation error detected: Value null at '${field.charAt(0).toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(value)) {
    throw validation(
      `1 validation error detected: Value '${value}' at '${field.charAt(0).toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`,
    );
  }
  return value;
}

/**
 * Creates the SageMaker emulation. `now` drives the `Creating`/`Updating` → `InService`
 * transitions, `endpointDelayMs` their length, and `faults.isEndpointHeld` keeps one in flight.
 */
export function createSageMaker(options: SageMakerOptions): SageMakerEmulation {
  const delayMs = options.endpointDelayMs ?? DEFAULT_ENDPOINT_DELAY_MS;
  const updateDelayMs = options.endpointUpdateDelayMs ?? delayMs;
  const rollbackDelayMs = options.rollbackDelayMs ?? delayMs;
  const activationMs = options.trafficActivationMs ?? DEFAULT_TRAFFIC_ACTIVATION_MS;
  const isExhausted = capacityCheck(options.unavailableInstanceTypes, options.faults?.isCapacityExhausted);
  const states = new Map<string, RegionState>();
  const state = (region: string): RegionState => {
    let s = states.get(region);
    if (!s) {
      s = { models: new Map(), configs: new Map(), endpoints: new Map() };
      states.set(region, s);
    }
    return s;
  };

  /** Applies a finished change lazily: status is a function of the clock, read whenever asked. */
  const settle = (region: string, endpoint: Endpoint, poll = false): Endpoint => {
    const { pending } = endpoint;
    if (!pending) return endpoint;
    if (pending.blueGreen) {
      advanceBlueGreen(region, endpoint, pending, pending.blueGreen, poll);
      return endpoint;
    }
    if (options.now() < pending.readyAt || options.faults?.isEndpointHeld(region, endpoint.EndpointName)) {
      return endpoint;
    }
    if (pending.failureReason !== undefined) {
      // A failed update leaves the old fleet serving on the old config; a failed create has nothing to go back to.
      endpoint.status = endpoint.status === 'Creating' ? 'Failed' : 'InService';
      endpoint.FailureReason = pending.failureReason;
    } else {
      const applied = (v: Variant): Variant => ({
        ...v,
        CurrentWeight: v.DesiredWeight,
        CurrentInstanceCount: v.DesiredInstanceCount,
      });
      endpoint.variants = pending.variants.map(applied);
      endpoint.shadowVariants = pending.shadowVariants.map(applied);
      endpoint.EndpointConfigName = pending.configName;
      endpoint.status = 'InService';
    }
    endpoint.LastModifiedTime = Math.max(pending.readyAt, endpoint.LastModifiedTime);
    endpoint.pending = undefined;
    return endpoint;
  };

  /** The green fleet's share of a deployment's traffic at `now`, 0..1. */
  const greenShare = (run: BlueGreenRun, now: number): number => {
    if (run.rollback) return run.rollback.fails ? run.rollback.greenShareAtStart : 0;
    return run.stages ? (stageAt(run.stages, now)?.greenShare ?? 0) : 0;
  };

  const startRollback = (
    region: string,
    endpoint: Endpoint,
    run: BlueGreenRun,
    at: number,
    reason: string,
  ): void => {
    run.rollback = {
      startedAt: at,
      readyAt: at + rollbackDelayMs,
      reason,
      fails: options.faults?.isRollbackFailing?.(region, endpoint.EndpointName) ?? false,
      greenShareAtStart: greenShare(run, at),
    };
    endpoint.status = 'RollingBack';
    // Said while rolling back already, so a reader learns why before the old fleet is back.
    endpoint.FailureReason = reason;
    endpoint.LastModifiedTime = at;
  };

  /**
   * Moves a blue/green deployment on to the clock's now: provisioning, then the traffic stages,
   * then completion, unless the execution timeout passes first or (`poll`, a clock step) one of
   * its alarms is in ALARM. Time-driven steps are exact whenever they are noticed; alarms are
   * read only at polls, as SageMaker reads them only when it polls.
   */
  const advanceBlueGreen = (
    region: string,
    endpoint: Endpoint,
    pending: PendingChange,
    run: BlueGreenRun,
    poll: boolean,
  ): void => {
    const now = options.now();
    if (run.rollback) {
      const { rollback } = run;
      if (now < rollback.readyAt) return;
      if (rollback.fails) {
        endpoint.status = 'UpdateRollbackFailed';
        endpoint.FailureReason = `${rollback.reason} The rollback to endpoint configuration "${endpoint.EndpointConfigName}" failed: the endpoint serves both fleets.`;
        endpoint.strandedFleets = {
          blueConfigName: endpoint.EndpointConfigName,
          greenConfigName: pending.configName,
          greenShare: rollback.greenShareAtStart,
        };
      } else {
        endpoint.status = 'InService';
        endpoint.FailureReason = rollback.reason;
      }
      endpoint.LastModifiedTime = rollback.readyAt;
      endpoint.lastDeployment = {
        fleets: {
          blueConfigName: endpoint.EndpointConfigName,
          greenConfigName: pending.configName,
          greenShare: greenShare(run, rollback.readyAt - 1),
        },
        endedAt: rollback.readyAt,
      };
      endpoint.pending = undefined;
      return;
    }
    const { maximumExecutionMs } = run.plan;
    const deadline = maximumExecutionMs === undefined ? Infinity : pending.startedAt + maximumExecutionMs;
    const timedOut = () => {
      startRollback(
        region,
        endpoint,
        run,
        deadline,
        `Deployment rolled back: it did not complete within MaximumExecutionTimeoutInSeconds (${(maximumExecutionMs ?? 0) / 1000} seconds).`,
      );
      advanceBlueGreen(region, endpoint, pending, run, false);
    };
    if (!run.stages) {
      const held = options.faults?.isEndpointHeld(region, endpoint.EndpointName) ?? false;
      if (held) run.heldSeen = true;
      const provisionedAt = held ? Infinity : run.heldSeen ? now : pending.readyAt;
      if (now >= deadline && deadline < provisionedAt) return timedOut();
      if (now < provisionedAt) return;
      if (pending.failureReason !== undefined) {
        endpoint.status = 'InService';
        endpoint.FailureReason = pending.failureReason;
        endpoint.LastModifiedTime = pending.readyAt;
        endpoint.pending = undefined;
        return;
      }
      const greenInstances = pending.variants.reduce((sum, v) => sum + v.DesiredInstanceCount, 0);
      run.stages = trafficStages(run.plan, greenInstances, provisionedAt, activationMs);
    }
    const firstShift = run.stages[0]?.from ?? pending.readyAt;
    const endsAt = run.stages[run.stages.length - 1]?.to ?? firstShift;
    if (now >= deadline && deadline < endsAt) return timedOut();
    if (poll && now >= firstShift && now <= endsAt) {
      const firing = run.plan.alarms.find((name) => options.alarmState?.(region, name) === 'ALARM');
      if (firing !== undefined) {
        startRollback(
          region,
          endpoint,
          run,
          now,
          `Deployment rolled back: CloudWatch alarm "${firing}" in AutoRollbackConfiguration is in ALARM.`,
        );
        return;
      }
    }
    if (now < endsAt) return;
    endpoint.variants = pending.variants.map((v) => ({
      ...v,
      CurrentWeight: v.DesiredWeight,
      CurrentInstanceCount: v.DesiredInstanceCount,
    }));
    endpoint.shadowVariants = pending.shadowVariants.map((v) => ({
      ...v,
      CurrentWeight: v.DesiredWeight,
      CurrentInstanceCount: v.DesiredInstanceCount,
    }));
    endpoint.lastDeployment = {
      fleets: {
        blueConfigName: endpoint.EndpointConfigName,
        greenConfigName: pending.configName,
        greenShare: greenShare(run, endsAt - 1),
      },
      endedAt: endsAt,
    };
    endpoint.EndpointConfigName = pending.configName;
    endpoint.status = 'InService';
    const blueModels = new Set(
      (
        state(region).configs.get(endpoint.lastDeployment.fleets.blueConfigName)?.ProductionVariants ?? []
      ).map((v) => v.ModelName),
    );
    for (const v of pending.newConfig?.ProductionVariants ?? []) {
      if (typeof v.ModelName === 'string' && !blueModels.has(v.ModelName))
        endpoint.newModels.add(v.ModelName);
    }
    endpoint.LastModifiedTime = endsAt;
    endpoint.pending = undefined;
  };

  // Status is computed lazily, so a change already due when a hold arrives must complete first.
  options.faults?.onEndpointHold?.((region, name) => {
    const endpoint = states.get(region)?.endpoints.get(name);
    if (endpoint) settle(region, endpoint);
  });

  const findEndpoint = (ctx: RequestContext, name: string): Endpoint => {
    const endpoint = state(ctx.region).endpoints.get(name);
    if (!endpoint) throw validation(`Could not find endpoint "${arn(ctx.region, 'endpoint', name)}".`);
    return settle(ctx.region, endpoint);
  };

  const findConfig = (ctx: RequestContext, name: string): EndpointConfig => {
    const config = state(ctx.region).configs.get(name);
    if (!config) {
      throw validation(
        `Could not find endpoint configuration "${arn(ctx.region, 'endpoint-config', name)}".`,
      );
    }
    return config;
  };

  const refuseInProgress = (endpoint: Endpoint) => {
    // SageMaker: "DeleteEndpoint is the only operation that can be performed on a failed endpoint."
    if (endpoint.status === 'Failed') {
      throw validation(
        `Cannot update endpoint "${endpoint.EndpointArn}" in status Failed: only DeleteEndpoint can be performed on a failed endpoint.`,
      );
    }
    // After UpdateRollbackFailed the endpoint serves, and an update is how a person repairs it.
    if (endpoint.status !== 'InService' && endpoint.status !== 'UpdateRollbackFailed') {
      throw validation(`Cannot update in-progress endpoint "${endpoint.EndpointArn}".`);
    }
  };

  const variantsFromConfig = (variants: readonly ConfigVariant[]): Variant[] =>
    variants.map((v) => ({
      VariantName: v.VariantName,
      CurrentWeight: v.InitialVariantWeight,
      DesiredWeight: v.InitialVariantWeight,
      CurrentInstanceCount: v.InitialInstanceCount ?? 1,
      DesiredInstanceCount: v.InitialInstanceCount ?? 1,
    }));

  const startChange = (
    ctx: RequestContext,
    endpoint: Endpoint,
    change: Omit<PendingChange, 'startedAt' | 'readyAt'>,
    changeMs: number,
  ) => {
    const now = ctx.now();
    endpoint.pending = { ...change, startedAt: now, readyAt: now + changeMs };
    endpoint.LastModifiedTime = now;
    // The reason of an earlier failure stays only until the next update is applied, as in AWS.
    delete endpoint.FailureReason;
  };

  /** A config deployment: decided when it starts, since that is when SageMaker asks for the instances. */
  const deployment = (
    ctx: RequestContext,
    config: EndpointConfig,
  ): Omit<PendingChange, 'startedAt' | 'readyAt'> => {
    const short = firstVariantShortOfCapacity(
      [...config.ProductionVariants, ...(config.ShadowProductionVariants ?? [])],
      ctx.region,
      isExhausted,
    );
    return {
      variants: variantsFromConfig(config.ProductionVariants),
      shadowVariants: variantsFromConfig(config.ShadowProductionVariants ?? []),
      configName: config.EndpointConfigName,
      newConfig: config,
      ...(short ? { failureReason: INSUFFICIENT_CAPACITY_REASON } : {}),
    };
  };

  /** What DescribeEndpoint shows of a new config being deployed (SageMaker's `PendingDeploymentSummary`). */
  const pendingDeploymentSummary = (change: PendingChange, config: EndpointConfig, now: number) => {
    const status = pendingStatus(change, now);
    // A blue/green fleet reports its instances once provisioned; a plain update only asks for them.
    const provisioned = change.blueGreen !== undefined && status.Status !== 'Creating';
    const pendingVariants = (variants: readonly ConfigVariant[], planned: readonly Variant[]) =>
      variants.map((v) => {
        const desired = planned.find((p) => p.VariantName === v.VariantName);
        const weight = desired?.DesiredWeight ?? v.InitialVariantWeight;
        const count = desired?.DesiredInstanceCount ?? v.InitialInstanceCount ?? 1;
        return {
          VariantName: v.VariantName,
          DeployedImages: [],
          ...(change.blueGreen
            ? { CurrentWeight: provisioned ? weight : 0, CurrentInstanceCount: provisioned ? count : 0 }
            : {}),
          DesiredWeight: weight,
          DesiredInstanceCount: count,
          ...(typeof v.InstanceType === 'string' ? { InstanceType: v.InstanceType } : {}),
          VariantStatus: [status],
        };
      });
    const shadows = config.ShadowProductionVariants ?? [];
    return {
      EndpointConfigName: change.configName,
      ProductionVariants: pendingVariants(config.ProductionVariants, change.variants),
      ...(shadows.length > 0
        ? { ShadowProductionVariants: pendingVariants(shadows, change.shadowVariants) }
        : {}),
      StartTime: new Date(change.startedAt),
    };
  };

  /** The new fleet's variant status: `Creating`, then the deployment's stage, then `Deleting` while rolled back. */
  const pendingStatus = (
    change: PendingChange,
    now: number,
  ): { Status: string; StartTime: Date; StatusMessage?: string } => {
    const run = change.blueGreen;
    if (run?.rollback) {
      return {
        Status: 'Deleting',
        StartTime: new Date(run.rollback.startedAt),
        StatusMessage: 'Rolling back: terminating the new fleet',
      };
    }
    const stage = run?.stages ? stageAt(run.stages, now) : undefined;
    if (stage) return { Status: stage.status, StartTime: new Date(stage.from), StatusMessage: stage.message };
    return { Status: 'Creating', StartTime: new Date(change.startedAt) };
  };

  const describeEndpoint = (region: string, endpoint: Endpoint) => {
    settle(region, endpoint);
    const change = endpoint.pending;
    // During an UpdateEndpoint the serving variants are the old config's, unchanged; the new
    // config shows only in the summary. A create or a weights change applies to these variants.
    const changesServing = change !== undefined && (endpoint.status === 'Creating' || !change.newConfig);
    const servingVariant = describeServingVariant(endpoint, change, changesServing);
    return {
      EndpointName: endpoint.EndpointName,
      EndpointArn: endpoint.EndpointArn,
      EndpointConfigName: endpoint.EndpointConfigName,
      EndpointStatus: endpoint.status,
      ...(endpoint.FailureReason !== undefined ? { FailureReason: endpoint.FailureReason } : {}),
      CreationTime: new Date(endpoint.CreationTime),
      LastModifiedTime: new Date(endpoint.LastModifiedTime),
      ...(change?.newConfig
        ? { PendingDeploymentSummary: pendingDeploymentSummary(change, change.newConfig, options.now()) }
        : {}),
      ...(endpoint.LastDeploymentConfig !== undefined
        ? { LastDeploymentConfig: endpoint.LastDeploymentConfig }
        : {}),
      ProductionVariants: endpoint.variants.map((v) => servingVariant(v, change?.variants)),
      ...(endpoint.shadowVariants.length > 0
        ? {
            ShadowProductionVariants: endpoint.shadowVariants.map((v) =>
              servingVariant(v, change?.shadowVariants),
            ),
          }
        : {}),
    };
  };

  /** A variant as DescribeEndpoint shows it: weights and counts now, and where a change in flight takes them. */
  const describeServingVariant =
    (endpoint: Endpoint, change: PendingChange | undefined, changesServing: boolean) =>
    (v: Variant, planned: readonly Variant[] | undefined) => {
      const desired = changesServing ? planned?.find((p) => p.VariantName === v.VariantName) : undefined;
      return {
        VariantName: v.VariantName,
        DeployedImages: [],
        CurrentWeight: v.CurrentWeight,
        DesiredWeight: desired?.DesiredWeight ?? v.DesiredWeight,
        CurrentInstanceCount: v.CurrentInstanceCount,
        DesiredInstanceCount: desired?.DesiredInstanceCount ?? v.DesiredInstanceCount,
        ...(changesServing
          ? {
              VariantStatus: [
                {
                  Status: endpoint.status === 'Creating' ? 'Creating' : 'Updating',
                  StartTime: new Date(endpoint.LastModifiedTime),
                },
              ],
            }
          : {}),
      };
    };

  const operations: Record<string, Operation> = {
    CreateModel(input, ctx) {
      const name = requireName(input, 'ModelName');
      const models = state(ctx.region).models;
      const modelArn = arn(ctx.region, 'model', name);
      if (models.has(name)) throw validation(`Cannot create already existing model "${modelArn}".`);
      const containers = [
        input.PrimaryContainer,
        ...(Array.isArray(input.Containers) ? input.Containers : []),
      ].filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null);
      const foreign = foreignArtifact(ctx.region, containers, input.ExecutionRoleArn);
      if (foreign) throw validation(foreign);
      models.set(name, {
        ModelName: name,
        ModelArn: modelArn,
        ExecutionRoleArn: input.ExecutionRoleArn,
        PrimaryContainer: input.PrimaryContainer,
        Containers: input.Containers,
        CreationTime: ctx.now(),
      });
      return { ModelArn: modelArn };
    },
    DescribeModel(input, ctx) {
      const name = requireName(input, 'ModelName');
      const model = state(ctx.region).models.get(name);
      if (!model) throw validation(`Could not find model "${arn(ctx.region, 'model', name)}".`);
      return { ...model, CreationTime: new Date(model.CreationTime) };
    },
    DeleteModel(input, ctx) {
      const name = requireName(input, 'ModelName');
      if (!state(ctx.region).models.delete(name)) {
        throw validation(`Could not find model "${arn(ctx.region, 'model', name)}".`);
      }
      return {};
    },
    CreateEndpointConfig(input, ctx) {
      const name = requireName(input, 'EndpointConfigName');
      const s = state(ctx.region);
      const configArn = arn(ctx.region, 'endpoint-config', name);
      if (s.configs.has(name))
        throw validation(`Cannot create already existing endpoint configuration "${configArn}".`);
      const variants = parseConfigVariants(input, (modelName) =>
        s.models.has(modelName) ? undefined : arn(ctx.region, 'model', modelName),
      );
      s.configs.set(name, {
        EndpointConfigName: name,
        EndpointConfigArn: configArn,
        ProductionVariants: variants.production,
        ...(variants.shadow.length > 0 ? { ShadowProductionVariants: variants.shadow } : {}),
        CreationTime: ctx.now(),
      });
      return { EndpointConfigArn: configArn };
    },
    DescribeEndpointConfig(input, ctx) {
      const config = findConfig(ctx, requireName(input, 'EndpointConfigName'));
      return { ...config, CreationTime: new Date(config.CreationTime) };
    },
    DeleteEndpointConfig(input, ctx) {
      const name = requireName(input, 'EndpointConfigName');
      const config = findConfig(ctx, name);
      const s = state(ctx.region);
      // SageMaker's docs say a config in use by a live endpoint, or by a create or update in
      // flight, must not be deleted (the endpoint then cannot be updated or scaled), but the call
      // is not documented to refuse; the sandbox refuses it so the mistake surfaces at the call
      // that makes it. A Failed endpoint is not live and holds nothing.
      const user = [...s.endpoints.values()]
        .map((e) => settle(ctx.region, e))
        .find(
          (e) => (e.EndpointConfigName === name && e.status !== 'Failed') || e.pending?.configName === name,
        );
      if (user) {
        throw validation(
          `Cannot delete endpoint configuration "${config.EndpointConfigArn}" while it is in use by endpoint "${user.EndpointArn}".`,
        );
      }
      s.configs.delete(name);
      return {};
    },
    CreateEndpoint(input, ctx) {
      const name = requireName(input, 'EndpointName');
      const configName = requireName(input, 'EndpointConfigName');
      const s = state(ctx.region);
      const endpointArn = arn(ctx.region, 'endpoint', name);
      if (s.endpoints.has(name))
        throw validation(`Cannot create already existing endpoint "${endpointArn}".`);
      const config = findConfig(ctx, configName);
      const now = ctx.now();
      const notYetServing = (v: Variant): Variant => ({ ...v, CurrentWeight: 0, CurrentInstanceCount: 0 });
      const endpoint: Endpoint = {
        EndpointName: name,
        EndpointArn: endpointArn,
        EndpointConfigName: configName,
        status: 'Creating',
        variants: variantsFromConfig(config.ProductionVariants).map(notYetServing),
        shadowVariants: variantsFromConfig(config.ShadowProductionVariants ?? []).map(notYetServing),
        newModels: new Set(),
        CreationTime: now,
        LastModifiedTime: now,
      };
      s.endpoints.set(name, endpoint);
      startChange(ctx, endpoint, deployment(ctx, config), delayMs);
      return { EndpointArn: endpointArn };
    },
    DescribeEndpoint(input, ctx) {
      return describeEndpoint(ctx.region, findEndpoint(ctx, requireName(input, 'EndpointName')));
    },
    DeleteEndpoint(input, ctx) {
      const endpoint = findEndpoint(ctx, requireName(input, 'EndpointName'));
      state(ctx.region).endpoints.delete(endpoint.EndpointName);
      return {};
    },
    ListEndpoints(input, ctx) {
      const nameContains = typeof input.NameContains === 'string' ? input.NameContains : undefined;
      const statusEquals = typeof input.StatusEquals === 'string' ? input.StatusEquals : undefined;
      const maxResults = input.MaxResults === undefined ? 10 : Number(input.MaxResults);
      if (!(Number.isInteger(maxResults) && maxResults >= 1 && maxResults <= 100)) {
        throw validation(
          `1 validation error detected: Value '${input.MaxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100`,
        );
      }
      const sortBy = input.SortBy === 'Name' ? 'Name' : input.SortBy === 'Status' ? 'Status' : 'CreationTime';
      const ascending = input.SortOrder === 'Ascending';
      const all = [...state(ctx.region).endpoints.values()]
        .map((e) => settle(ctx.region, e))
        .filter((e) =>
          nameContains ? e.EndpointName.toLowerCase().includes(nameContains.toLowerCase()) : true,
        )
        .filter((e) => (statusEquals ? e.status === statusEquals : true))
        .sort((a, b) => {
          const order =
            sortBy === 'Name'
              ? a.EndpointName.localeCompare(b.EndpointName)
              : sortBy === 'Status'
                ? a.status.localeCompare(b.status)
                : a.CreationTime - b.CreationTime;
          return ascending ? order : -order;
        });
      const start = decodeToken(input.NextToken);
      const page = all.slice(start, start + maxResults);
      const next = start + maxResults < all.length ? encodeToken(start + maxResults) : undefined;
      return {
        Endpoints: page.map((e) => ({
          EndpointName: e.EndpointName,
          EndpointArn: e.EndpointArn,
          CreationTime: new Date(e.CreationTime),
          LastModifiedTime: new Date(e.LastModifiedTime),
          EndpointStatus: e.status,
        })),
        ...(next ? { NextToken: next } : {}),
      };
    },
    UpdateEndpoint(input, ctx) {
      const endpoint = findEndpoint(ctx, requireName(input, 'EndpointName'));
      const configName = requireName(input, 'EndpointConfigName');
      const config = findConfig(ctx, configName);
      const sent = input.DeploymentConfig;
      const plan =
        sent === undefined || sent === null
          ? undefined
          : parseDeploymentConfig(
              sent,
              (name) =>
                options.alarmState === undefined || options.alarmState(ctx.region, name) !== undefined,
            );
      refuseInProgress(endpoint);
      if (plan) {
        // SageMaker's deployment guardrails swap fleets variant for variant.
        const names = (variants: readonly { VariantName: string }[]) =>
          variants
            .map((v) => v.VariantName)
            .sort()
            .join(',');
        if (names(config.ProductionVariants) !== names(endpoint.variants)) {
          throw validation(
            `The new endpoint configuration "${configName}" must have the same variant names as the current one for a blue/green deployment.`,
          );
        }
      }
      const change = deployment(ctx, config);
      change.variants = retainVariantProperties(
        change.variants,
        endpoint.variants,
        input.RetainAllVariantProperties === true,
        excludedProperties(input.ExcludeRetainedVariantProperties),
      );
      if (plan) {
        change.blueGreen = { plan };
        endpoint.LastDeploymentConfig = sent;
      }
      delete endpoint.strandedFleets;
      endpoint.status = 'Updating';
      startChange(ctx, endpoint, change, updateDelayMs);
      return { EndpointArn: endpoint.EndpointArn };
    },
    UpdateEndpointWeightsAndCapacities(input, ctx) {
      const endpoint = findEndpoint(ctx, requireName(input, 'EndpointName'));
      const desired = input.DesiredWeightsAndCapacities;
      if (!Array.isArray(desired) || desired.length === 0) {
        throw validation(
          "1 validation error detected: Value '[]' at 'desiredWeightsAndCapacities' failed to satisfy constraint: Member must have length greater than or equal to 1",
        );
      }
      const next = endpoint.variants.map((v) => ({ ...v }));
      // A shadow variant's weight (its sampling share) and instances change the same way.
      const nextShadows = endpoint.shadowVariants.map((v) => ({ ...v }));
      const seen = new Set<string>();
      for (const [index, value] of (desired as unknown[]).entries()) {
        const entry = asMember(value, `desiredWeightsAndCapacities.${index + 1}.member`);
        const variantName = entry.VariantName;
        const weight = entry.DesiredWeight;
        const count = entry.DesiredInstanceCount;
        if (typeof weight === 'number' && !(weight >= 0)) {
          throw validation(
            `1 validation error detected: Value '${weight}' at 'desiredWeightsAndCapacities.${index + 1}.member.desiredWeight' failed to satisfy constraint: Member must have value greater than or equal to 0`,
          );
        }
        if (typeof count === 'number' && !(Number.isInteger(count) && count >= 0)) {
          throw validation(
            `1 validation error detected: Value '${count}' at 'desiredWeightsAndCapacities.${index + 1}.member.desiredInstanceCount' failed to satisfy constraint: Member must have value greater than or equal to 0`,
          );
        }
        const variant = [...next, ...nextShadows].find((v) => v.VariantName === variantName);
        if (typeof variantName !== 'string' || !variant) {
          throw validation(
            `The variant name(s) "${String(variantName)}" is/are not present in endpoint "${endpoint.EndpointArn}".`,
          );
        }
        if (seen.has(variantName)) {
          throw validation(
            `The variant name "${variantName}" appears more than once in DesiredWeightsAndCapacities.`,
          );
        }
        seen.add(variantName);
        if (typeof weight === 'number') variant.DesiredWeight = weight;
        if (typeof count === 'number') variant.DesiredInstanceCount = count;
      }
      refuseInProgress(endpoint);
      if (next.every((v) => v.DesiredWeight === 0)) {
        throw validation(
          `The sum of the weights of all variants must be greater than zero for endpoint "${endpoint.EndpointArn}".`,
        );
      }
      endpoint.status = 'Updating';
      startChange(
        ctx,
        endpoint,
        { variants: next, shadowVariants: nextShadows, configName: endpoint.EndpointConfigName },
        delayMs,
      );
      return { EndpointArn: endpoint.EndpointArn };
    },
  };

  return {
    emulation: { signingName: 'sagemaker', operations },
    getEndpointWeights(region, endpointName) {
      const endpoint = states.get(region)?.endpoints.get(endpointName);
      if (!endpoint) return undefined;
      settle(region, endpoint);
      const total = endpoint.variants.reduce((sum, v) => sum + v.CurrentWeight, 0);
      if (total <= 0) return undefined;
      return Object.fromEntries(
        endpoint.variants.map((v) => [v.VariantName, (v.CurrentWeight / total) * 100]),
      );
    },
    getEndpointTraffic(region, endpointName) {
      const endpoint = states.get(region)?.endpoints.get(endpointName);
      if (!endpoint) return undefined;
      settle(region, endpoint);
      const total = endpoint.variants.reduce((sum, v) => sum + v.CurrentWeight, 0);
      if (total <= 0) return undefined;
      const weights = Object.fromEntries(
        endpoint.variants.map((v) => [v.VariantName, (v.CurrentWeight / total) * 100]),
      );
      const shadow = endpoint.shadowVariants.find((v) => v.CurrentWeight > 0);
      const run = endpoint.pending?.blueGreen;
      const now = options.now();
      // A deployment that ended at this very instant still served the minute now closing.
      const justEnded =
        endpoint.lastDeployment && endpoint.lastDeployment.endedAt >= now
          ? endpoint.lastDeployment.fleets
          : undefined;
      const fleets: FleetTraffic | undefined = run
        ? {
            blueConfigName: endpoint.EndpointConfigName,
            greenConfigName: endpoint.pending!.configName,
            // The share that served the minute now closing: one starting at this very instant has not served yet.
            greenShare: greenShare(run, now - 1),
          }
        : (justEnded ?? endpoint.strandedFleets);
      return {
        weights,
        ...(shadow
          ? { shadow: { variantName: shadow.VariantName, share: Math.min(1, shadow.CurrentWeight / total) } }
          : {}),
        ...(fleets ? { fleets } : {}),
        newModelServing: (
          state(region).configs.get(endpoint.EndpointConfigName)?.ProductionVariants ?? []
        ).some((v) => typeof v.ModelName === 'string' && endpoint.newModels.has(v.ModelName)),
      };
    },
    pollDeployments() {
      for (const [region, s] of states) {
        for (const endpoint of s.endpoints.values()) {
          if (endpoint.pending?.blueGreen) settle(region, endpoint, true);
        }
      }
    },
    getEndpointStatus(region, endpointName) {
      const endpoint = states.get(region)?.endpoints.get(endpointName);
      return endpoint ? settle(region, endpoint).status : undefined;
    },
    dump(region) {
      const s = states.get(region);
      if (!s) return { models: [], endpointConfigs: [], endpoints: [] };
      return {
        models: [...s.models.values()],
        endpointConfigs: [...s.configs.values()],
        endpoints: [...s.endpoints.values()].map((e) => describeEndpoint(region, e)),
      };
    },
    regions: () => [...states.keys()],
    endpoints: () =>
      [...states.entries()].flatMap(([region, s]) =>
        [...s.endpoints.values()].map((e) => ({
          region,
          endpointName: e.EndpointName,
          variantNames: [
            ...(e.pending?.variants ?? e.variants),
            ...(e.pending?.shadowVariants ?? e.shadowVariants),
          ].map((v) => v.VariantName),
        })),
      ),
  };
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64');
}

function decodeToken(token: unknown): number {
  if (token === undefined || token === null || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && parsed.offset >= 0) return parsed.offset;
  } catch {
    // fall through to the AWS-like refusal below
  }
  throw validation('Invalid pagination token.');
}
