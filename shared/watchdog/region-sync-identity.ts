import { createHash } from 'node:crypto';
import type { RegionModels } from '../ports/region-models';
import type { PromotedIdentity } from './region-sync-types';

/** Length of the hex hash naming the regional copies: short enough for SageMaker's 63-character names. */
export const IDENTITY_HASH_LENGTH = 10;

/**
 * Reads what the primary endpoint runs for `variantName` (the promoted canary): its endpoint config,
 * model, instance type and count, and the model's container. Returned as a value with its identity
 * key; throws `PromotedIdentityError` only when the endpoint cannot be read or the variant is absent.
 */
export async function readPromotedIdentity(
  models: RegionModels,
  source: { region: string; endpointName: string; variantName: string },
): Promise<PromotedIdentity> {
  const serving = await models.servingVariant(source.endpointName, source.variantName);
  const identity: Omit<PromotedIdentity, 'key'> = {
    sourceRegion: source.region,
    sourceEndpointName: source.endpointName,
    endpointConfigName: serving.endpointConfigName,
    variantName: source.variantName,
    modelName: serving.modelName,
    instanceType: serving.instanceType,
    initialInstanceCount: serving.initialInstanceCount,
    image: serving.image,
    modelDataUrl: serving.modelDataUrl,
    executionRoleArn: serving.executionRoleArn,
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
