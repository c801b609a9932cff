import {
  CreateEndpointConfigCommand,
  DeleteEndpointConfigCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type ProductionVariant,
  type SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import type { ConfigVariantSpec } from '../domain/plan-endpoint-config';
import type { EndpointConfigs, EndpointConfigSpec, EndpointDeployment } from '../ports/endpoint-configs';
import { EndpointNotFoundError, EndpointNotReadyError, SageMakerCallError } from '../ports/endpoint-weights';
import { isSageMakerNotFound } from './sagemaker-endpoints';

/** Config-wide settings a derived config copies from the one in service. */
const KEPT_SETTINGS = ['DataCaptureConfig', 'KmsKeyId', 'AsyncInferenceConfig', 'ExplainerConfig'] as const;

/** Variant properties the planner decides; every other one is copied as SageMaker returned it. */
const PLANNED = new Set([
  'VariantName',
  'ModelName',
  'InstanceType',
  'InitialInstanceCount',
  'InitialVariantWeight',
]);

const errorName = (error: unknown): string => (error as { name?: string } | null)?.name ?? '';
const errorMessage = (error: unknown): string => (error as { message?: string } | null)?.message ?? '';

/**
 * SageMaker endpoint configs and endpoint updates of one region, for the endpoint lifecycle. The
 * client comes from the composition root with the SDK's retries and the process's pacer.
 */
export class SageMakerEndpointConfigs implements EndpointConfigs {
  constructor(private readonly client: SageMakerClient) {}

  async describeEndpoint(endpointName: string): Promise<EndpointDeployment> {
    try {
      const out = await this.client.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
      const instanceCounts: Record<string, number> = {};
      // A shadow variant's instances count too (what a shadow's removal releases).
      for (const v of [...(out.ProductionVariants ?? []), ...(out.ShadowProductionVariants ?? [])]) {
        if (v.VariantName && typeof v.CurrentInstanceCount === 'number')
          instanceCounts[v.VariantName] = v.CurrentInstanceCount;
      }
      return {
        status: out.EndpointStatus ?? 'Unknown',
        failureReason: out.FailureReason ?? null,
        configName: out.EndpointConfigName ?? null,
        pendingConfigName: out.PendingDeploymentSummary?.EndpointConfigName ?? null,
        instanceCounts,
      };
    } catch (error) {
      throw mapError(endpointName, 'DescribeEndpoint', error);
    }
  }

  async describeConfig(configName: string): Promise<EndpointConfigSpec | null> {
    try {
      const out = await this.client.send(
        new DescribeEndpointConfigCommand({ EndpointConfigName: configName }),
      );
      const settings: Record<string, unknown> = {};
      for (const key of KEPT_SETTINGS) if (out[key] !== undefined) settings[key] = out[key];
      const shadowVariants = (out.ShadowProductionVariants ?? []).map(toSpec);
      return {
        variants: (out.ProductionVariants ?? []).map(toSpec),
        ...(shadowVariants.length > 0 ? { shadowVariants } : {}),
        settings,
      };
    } catch (error) {
      if (isSageMakerNotFound(error)) return null;
      throw new SageMakerCallError(describe('DescribeEndpointConfig', configName, error), { cause: error });
    }
  }

  async modelExists(modelName: string): Promise<boolean> {
    try {
      await this.client.send(new DescribeModelCommand({ ModelName: modelName }));
      return true;
    } catch (error) {
      if (isSageMakerNotFound(error)) return false;
      throw new SageMakerCallError(describe('DescribeModel', modelName, error), { cause: error });
    }
  }

  async createConfig(configName: string, spec: EndpointConfigSpec): Promise<void> {
    try {
      await this.client.send(
        new CreateEndpointConfigCommand({
          ...(spec.settings as Record<string, never>),
          EndpointConfigName: configName,
          ProductionVariants: spec.variants.map(fromSpec),
          ...(spec.shadowVariants?.length
            ? { ShadowProductionVariants: spec.shadowVariants.map(fromSpec) }
            : {}),
        }),
      );
    } catch (error) {
      // A run that made it before a timeout: the name is deterministic, so it is this change's config.
      if (errorName(error) === 'ValidationException' && /already exist/i.test(errorMessage(error))) return;
      throw new SageMakerCallError(describe('CreateEndpointConfig', configName, error), { cause: error });
    }
  }

  async updateEndpoint(endpointName: string, configName: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: configName }),
      );
    } catch (error) {
      throw mapError(endpointName, 'UpdateEndpoint', error);
    }
  }

  async deleteConfig(configName: string): Promise<void> {
    try {
      await this.client.send(new DeleteEndpointConfigCommand({ EndpointConfigName: configName }));
    } catch (error) {
      if (isSageMakerNotFound(error)) return;
      throw new SageMakerCallError(describe('DeleteEndpointConfig', configName, error), { cause: error });
    }
  }
}

function toSpec(v: ProductionVariant): ConfigVariantSpec {
  const other: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v))
    if (!PLANNED.has(key) && value !== undefined) other[key] = value;
  return {
    variantName: v.VariantName ?? '',
    modelName: v.ModelName ?? null,
    instanceType: v.InstanceType ?? null,
    instanceCount: v.InitialInstanceCount ?? null,
    initialWeight: v.InitialVariantWeight ?? 1,
    other,
  };
}

function fromSpec(spec: ConfigVariantSpec): ProductionVariant {
  return {
    ...(spec.other as Partial<ProductionVariant>),
    VariantName: spec.variantName,
    ...(spec.modelName ? { ModelName: spec.modelName } : {}),
    ...(spec.instanceType ? { InstanceType: spec.instanceType as ProductionVariant['InstanceType'] } : {}),
    ...(spec.instanceCount !== null ? { InitialInstanceCount: spec.instanceCount } : {}),
    InitialVariantWeight: spec.initialWeight,
  };
}

function describe(operation: string, name: string, error: unknown): string {
  return `${operation} ${name} failed: ${errorName(error)} ${errorMessage(error)}`.trim();
}

function mapError(endpointName: string, operation: string, error: unknown): Error {
  if (
    errorName(error) === 'ValidationException' &&
    /in-progress|in progress|is updating/i.test(errorMessage(error))
  )
    return new EndpointNotReadyError(endpointName, { cause: error });
  if (
    isSageMakerNotFound(error) &&
    /endpoint\//i.test(errorMessage(error)) &&
    !/endpoint-config/i.test(errorMessage(error))
  )
    return new EndpointNotFoundError(endpointName, { cause: error });
  return new SageMakerCallError(describe(operation, endpointName, error), { cause: error });
}
