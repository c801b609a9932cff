import { createHash } from 'node:crypto';
import { PromotedIdentityError, type RegionModels, type ServingVariant } from '../ports/region-models';
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
  source: { region: string; endpointName: string; variantName: string; baselineVariant?: string },
): Promise<PromotedIdentity> {
  const serving = await servingPromoted(models, source);
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
 * What the promoted variant serves. After a promotion the lifecycle retires the baseline: the
 * canary variant is renamed to the baseline's name in a new config, so the canary variant is gone
 * and the promoted model runs as the baseline variant. A promoted rollout without its canary
 * variant is read from the baseline variant then; the identity keeps the canary's name, so the same
 * promotion read before and after the retirement has the same key (and records nothing twice).
 */
async function servingPromoted(
  models: RegionModels,
  source: { endpointName: string; variantName: string; baselineVariant?: string },
): Promise<ServingVariant> {
  try {
    return await models.servingVariant(source.endpointName, source.variantName);
  } catch (error) {
    if (!(error instanceof PromotedIdentityError && error.variantMissing && source.baselineVariant))
      throw error;
    return models.servingVariant(source.endpointName, source.baselineVariant);
  }
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
