/**
 * The variant lists of CreateEndpointConfig, checked as SageMaker checks them: at least one
 * production variant, names unique across production and shadow variants, models that exist,
 * weights not negative, and SageMaker's limits for shadow testing (at most one shadow variant,
 * and then exactly one production variant).
 */
import { AwsError } from '../../aws-error';

/** A variant of an endpoint config as the request gave it, with its name and weight checked. */
export interface ConfigVariant {
  VariantName: string;
  ModelName?: string;
  InitialInstanceCount?: number;
  InstanceType?: string;
  InitialVariantWeight: number;
  [key: string]: unknown;
}

export interface ConfigVariantLists {
  production: ConfigVariant[];
  /** Empty when the request has no `ShadowProductionVariants`. */
  shadow: ConfigVariant[];
}

/** Most shadow variants an endpoint config may have (SageMaker supports one per endpoint). */
export const MAX_SHADOW_VARIANTS = 1;

const validation = (message: string) => new AwsError('ValidationException', message, 400);

/**
 * Reads `ProductionVariants` and `ShadowProductionVariants` from a CreateEndpointConfig request.
 * `modelArn` names a model that does not exist (`undefined` when it exists); the first problem
 * is thrown as the ValidationException SageMaker answers.
 */
export function parseConfigVariants(
  input: Record<string, unknown>,
  missingModelArn: (modelName: string) => string | undefined,
): ConfigVariantLists {
  const raw = input.ProductionVariants;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw validation(
      "1 validation error detected: Value '[]' at 'productionVariants' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  const rawShadow = input.ShadowProductionVariants;
  if (rawShadow !== undefined && rawShadow !== null && !Array.isArray(rawShadow)) {
    throw validation(
      "1 validation error detected: Value at 'shadowProductionVariants' failed to satisfy constraint: Member must be a list",
    );
  }
  const shadowList: unknown[] = Array.isArray(rawShadow) ? rawShadow : [];
  if (shadowList.length > MAX_SHADOW_VARIANTS) {
    throw validation(
      `1 validation error detected: Value at 'shadowProductionVariants' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SHADOW_VARIANTS}`,
    );
  }
  if (shadowList.length > 0 && raw.length !== 1) {
    // Shadow testing replicates the traffic of one production variant; AWS refuses a split beside it.
    throw validation(
      `An endpoint configuration with ShadowProductionVariants must have exactly one variant in ProductionVariants, but it has ${raw.length}.`,
    );
  }
  const seen = new Set<string>();
  const read = (list: unknown[], field: string) =>
    list.map((value, index): ConfigVariant => {
      const path = `${field}.${index + 1}.member`;
      const entry = asMember(value, path);
      const variantName = entry.VariantName;
      if (typeof variantName !== 'string' || variantName === '') {
        throw validation(
          `1 validation error detected: Value null at '${path}.variantName' failed to satisfy constraint: Member must not be null`,
        );
      }
      if (seen.has(variantName)) {
        throw validation(
          field === 'productionVariants'
            ? `Duplicate VariantName "${variantName}" in ProductionVariants.`
            : `Duplicate VariantName "${variantName}" in ProductionVariants and ShadowProductionVariants.`,
        );
      }
      seen.add(variantName);
      const modelName = entry.ModelName;
      const missing = typeof modelName === 'string' ? missingModelArn(modelName) : undefined;
      if (missing !== undefined) throw validation(`Could not find model "${missing}".`);
      const weight = entry.InitialVariantWeight === undefined ? 1 : Number(entry.InitialVariantWeight);
      if (!(weight >= 0)) {
        throw validation(
          `1 validation error detected: Value '${String(entry.InitialVariantWeight)}' at '${path}.initialVariantWeight' failed to satisfy constraint: Member must have value greater than or equal to 0`,
        );
      }
      return { ...entry, VariantName: variantName, InitialVariantWeight: weight } as ConfigVariant;
    });
  const production = read(raw, 'productionVariants');
  const shadow = read(shadowList, 'shadowProductionVariants');
  return { production, shadow };
}

/** A list member must be a structure; anything else is refused as the service's validator would. */
export function asMember(value: unknown, path: string): Record<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw validation(
    `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`,
  );
}
