import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import {
  type ConfigVariant,
  type EndpointState,
  type ModelContainer,
  PromotedIdentityError,
  type RegionModels,
  type ServingVariant,
} from '../ports/region-models';
import { isSageMakerNotFound } from './sagemaker-endpoints';

/** SageMaker models, endpoint configs and endpoints of one region, for region sync. */
export class SageMakerRegionModels implements RegionModels {
  constructor(private readonly client: SageMakerClient) {}

  async servingVariant(endpointName: string, variantName: string): Promise<ServingVariant> {
    let endpoint: Awaited<ReturnType<SageMakerRegionModels['rawEndpoint']>>;
    try {
      endpoint = await this.rawEndpoint(endpointName);
    } catch (cause) {
      throw new PromotedIdentityError(`cannot describe endpoint ${endpointName}`, { cause });
    }
    const configName = endpoint.EndpointConfigName;
    if (!configName) throw new PromotedIdentityError(`endpoint ${endpointName} has no endpoint config`);
    let config: Awaited<ReturnType<SageMakerRegionModels['rawConfig']>>;
    try {
      config = await this.rawConfig(configName);
    } catch (cause) {
      throw new PromotedIdentityError(`cannot describe endpoint config ${configName}`, { cause });
    }
    const variant = config.ProductionVariants?.find((v) => v.VariantName === variantName);
    if (!variant?.ModelName) {
      throw new PromotedIdentityError(
        `variant ${variantName} is not in endpoint config ${configName} of ${endpointName}`,
        { variantMissing: true },
      );
    }
    try {
      const model = await this.client.send(new DescribeModelCommand({ ModelName: variant.ModelName }));
      const container = model.PrimaryContainer ?? model.Containers?.[0];
      return {
        endpointConfigName: configName,
        modelName: variant.ModelName,
        instanceType: variant.InstanceType ?? null,
        initialInstanceCount: variant.InitialInstanceCount ?? null,
        image: container?.Image ?? null,
        modelDataUrl: container?.ModelDataUrl ?? null,
        executionRoleArn: model.ExecutionRoleArn ?? null,
      };
    } catch (cause) {
      throw new PromotedIdentityError(`cannot describe model ${variant.ModelName}`, { cause });
    }
  }

  async describeEndpoint(endpointName: string): Promise<EndpointState | null> {
    try {
      const endpoint = await this.rawEndpoint(endpointName);
      return {
        configName: endpoint.EndpointConfigName ?? null,
        status: endpoint.EndpointStatus ?? 'Unknown',
        failureReason: endpoint.FailureReason ?? null,
      };
    } catch (error) {
      if (isSageMakerNotFound(error)) return null;
      throw error;
    }
  }

  modelExists(modelName: string): Promise<boolean> {
    return exists(() => this.client.send(new DescribeModelCommand({ ModelName: modelName })));
  }

  async createModel(modelName: string, container: ModelContainer): Promise<void> {
    await this.client.send(
      new CreateModelCommand({
        ModelName: modelName,
        PrimaryContainer: {
          Image: container.image,
          ...(container.modelDataUrl ? { ModelDataUrl: container.modelDataUrl } : {}),
        },
        ...(container.executionRoleArn ? { ExecutionRoleArn: container.executionRoleArn } : {}),
      }),
    );
  }

  endpointConfigExists(configName: string): Promise<boolean> {
    return exists(() => this.rawConfig(configName));
  }

  async createEndpointConfig(configName: string, variant: ConfigVariant): Promise<void> {
    await this.client.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: configName,
        ProductionVariants: [
          {
            VariantName: variant.variantName,
            ModelName: variant.modelName,
            InitialVariantWeight: 1,
            ...(variant.instanceType ? { InstanceType: variant.instanceType as never } : {}),
            ...(variant.initialInstanceCount ? { InitialInstanceCount: variant.initialInstanceCount } : {}),
          },
        ],
      }),
    );
  }

  async configVariants(configName: string): Promise<ConfigVariant[]> {
    const config = await this.rawConfig(configName);
    return (config.ProductionVariants ?? []).map((v) => ({
      variantName: v.VariantName ?? '',
      modelName: v.ModelName ?? '',
      instanceType: v.InstanceType ?? null,
      initialInstanceCount: v.InitialInstanceCount ?? null,
    }));
  }

  async createWeightedConfig(
    configName: string,
    variants: ReadonlyArray<ConfigVariant & { weight: number }>,
  ): Promise<void> {
    await this.client.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: configName,
        ProductionVariants: variants.map((variant) => ({
          VariantName: variant.variantName,
          ModelName: variant.modelName,
          InitialVariantWeight: variant.weight,
          ...(variant.instanceType ? { InstanceType: variant.instanceType as never } : {}),
          ...(variant.initialInstanceCount ? { InitialInstanceCount: variant.initialInstanceCount } : {}),
        })),
      }),
    );
  }

  async setWeights(endpointName: string, weights: Readonly<Record<string, number>>): Promise<void> {
    await this.client.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: endpointName,
        DesiredWeightsAndCapacities: Object.entries(weights).map(([VariantName, DesiredWeight]) => ({
          VariantName,
          DesiredWeight,
        })),
      }),
    );
  }

  async updateEndpoint(endpointName: string, configName: string): Promise<void> {
    await this.client.send(
      new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: configName }),
    );
  }

  private rawEndpoint(endpointName: string) {
    return this.client.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  }

  private rawConfig(configName: string) {
    return this.client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }));
  }
}

async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if (isSageMakerNotFound(error)) return false;
    throw error;
  }
}
