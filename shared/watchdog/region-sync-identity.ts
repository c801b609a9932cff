import { createHash } from 'node:crypto';
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { PromotedIdentity } from './region-sync-types';

/** Length of the hex hash naming the regional copies: short enough for SageMaker's 63-character names. */
export const IDENTITY_HASH_LENGTH = 10;

/** Raised when the primary endpoint cannot say what it runs; carries the SDK error as `cause`. */
export class PromotedIdentityError extends Error {
  override readonly name = 'PromotedIdentityError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Reads what the primary endpoint runs for `variantName` (the promoted canary): its endpoint config,
 * model, instance type and count, and the model's container. Returned as a value; throws
 * `PromotedIdentityError` only when SageMaker cannot be read or the variant is absent.
 */
export async function readPromotedIdentity(
  sagemaker: SageMakerClient,
  source: { region: string; endpointName: string; variantName: string },
): Promise<PromotedIdentity> {
  let endpoint: Awaited<ReturnType<typeof describeEndpoint>>;
  try {
    endpoint = await describeEndpoint(sagemaker, source.endpointName);
  } catch (cause) {
    throw new PromotedIdentityError(`cannot describe endpoint ${source.endpointName}`, { cause });
  }
  const configName = endpoint.EndpointConfigName;
  if (!configName) throw new PromotedIdentityError(`endpoint ${source.endpointName} has no endpoint config`);
  let config: Awaited<ReturnType<typeof describeConfig>>;
  try {
    config = await describeConfig(sagemaker, configName);
  } catch (cause) {
    throw new PromotedIdentityError(`cannot describe endpoint config ${configName}`, { cause });
  }
  const variant = config.ProductionVariants?.find((v) => v.VariantName === source.variantName);
  if (!variant?.ModelName) {
    throw new PromotedIdentityError(
      `variant ${source.variantName} is not in endpoint config ${configName} of ${source.endpointName}`,
    );
  }
  let image: string | null = null;
  let modelDataUrl: string | null = null;
  let executionRoleArn: string | null = null;
  try {
    const model = await sagemaker.send(new DescribeModelCommand({ ModelName: variant.ModelName }));
    const container = model.PrimaryContainer ?? model.Containers?.[0];
    image = container?.Image ?? null;
    modelDataUrl = container?.ModelDataUrl ?? null;
    executionRoleArn = model.ExecutionRoleArn ?? null;
  } catch (cause) {
    throw new PromotedIdentityError(`cannot describe model ${variant.ModelName}`, { cause });
  }
  const identity: Omit<PromotedIdentity, 'key'> = {
    sourceRegion: source.region,
    sourceEndpointName: source.endpointName,
    endpointConfigName: configName,
    variantName: source.variantName,
    modelName: variant.ModelName,
    instanceType: variant.InstanceType ?? null,
    initialInstanceCount: variant.InitialInstanceCount ?? null,
    image,
    modelDataUrl,
    executionRoleArn,
  };
  return { ...identity, key: identityKey(identity) };
}

/**
 * Hash of what makes two promotions the same for a target region: the model (name, image, artefact)
 * and how it is served. The config name is left out: re-creating an identical config elsewhere is
 * the same promotion.
 */
export function identityKey(identity: Omit<PromotedIdentity, 'key'>): string {
  const material = JSON.stringify([
    identity.sourceEndpointName,
    identity.variantName,
    identity.modelName,
    identity.image,
    identity.modelDataUrl,
    identity.instanceType,
    identity.initialInstanceCount,
  ]);
  return createHash('sha256').update(material).digest('hex').slice(0, IDENTITY_HASH_LENGTH);
}

function describeEndpoint(sagemaker: SageMakerClient, endpointName: string) {
  return sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
}

function describeConfig(sagemaker: SageMakerClient, name: string) {
  return sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
}
