/**
 * SageMaker (AWS JSON 1.1) for the calls the watchdog makes: models, endpoint configs, endpoints
 * and their variant weights. Endpoints go `Creating`/`Updating` → `InService` after a delay on the
 * sandbox clock; while an update is in flight `CurrentWeight` and `DesiredWeight` differ and a
 * second update is refused as AWS refuses it. A deployment of a new config (CreateEndpoint,
 * UpdateEndpoint) shows as `PendingDeploymentSummary` until it completes; one that needs an
 * instance type without capacity ends as SageMaker ends it: a create `Failed`, an update back
 * `InService` on the old config, both with `FailureReason`.
 */
import { AwsError } from '../../aws-error';
import type { Faults } from '../../faults';
import type { Operation, RequestContext, ServiceEmulation } from '../../service';
import { SANDBOX_ACCOUNT_ID } from '../../service';
import { foreignArtifact } from './artifact-region';
import { asMember, type ConfigVariant, parseConfigVariants } from './config-variants';
import type { EndpointTraffic } from './endpoint-traffic';
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
}

interface Endpoint {
  EndpointName: string;
  EndpointArn: string;
  EndpointConfigName: string;
  status: 'Creating' | 'Updating' | 'InService' | 'Failed';
  variants: Variant[];
  /** The shadow variants (ShadowProductionVariants) of the config in service. */
  shadowVariants: Variant[];
  CreationTime: number;
  LastModifiedTime: number;
  pending?: PendingChange;
  /** Why the last create or update failed; cleared by the next update. */
  FailureReason?: string;
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
  /** Consulted for endpoints held `Updating` on purpose and instance types out of capacity. */
  faults?: Pick<Faults, 'isEndpointHeld'> & Partial<Pick<Faults, 'onEndpointHold' | 'isCapacityExhausted'>>;
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
  const settle = (region: string, endpoint: Endpoint): Endpoint => {
    const { pending } = endpoint;
    if (!pending) return endpoint;
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
    if (endpoint.status !== 'InService') {
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
  const pendingDeploymentSummary = (change: PendingChange, config: EndpointConfig) => {
    const pendingVariants = (variants: readonly ConfigVariant[], planned: readonly Variant[]) =>
      variants.map((v) => {
        const desired = planned.find((p) => p.VariantName === v.VariantName);
        return {
          VariantName: v.VariantName,
          DeployedImages: [],
          DesiredWeight: desired?.DesiredWeight ?? v.InitialVariantWeight,
          DesiredInstanceCount: desired?.DesiredInstanceCount ?? v.InitialInstanceCount ?? 1,
          ...(typeof v.InstanceType === 'string' ? { InstanceType: v.InstanceType } : {}),
          VariantStatus: [{ Status: 'Creating', StartTime: new Date(change.startedAt) }],
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
        ? { PendingDeploymentSummary: pendingDeploymentSummary(change, change.newConfig) }
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
      refuseInProgress(endpoint);
      const change = deployment(ctx, config);
      change.variants = retainVariantProperties(
        change.variants,
        endpoint.variants,
        input.RetainAllVariantProperties === true,
        excludedProperties(input.ExcludeRetainedVariantProperties),
      );
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
      return {
        weights,
        ...(shadow
          ? { shadow: { variantName: shadow.VariantName, share: Math.min(1, shadow.CurrentWeight / total) } }
          : {}),
        newModelServing: false,
      };
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
