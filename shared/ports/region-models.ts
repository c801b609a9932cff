/**
 * What region sync reads and makes in one region: the model a primary endpoint serves, and the
 * model, endpoint config and endpoint update that copy it elsewhere. Reads that find nothing answer
 * false / null; every other failure is thrown as the provider raised it, so its name and message
 * reach the sync item's `lastError`. The SageMaker adapter is `shared/aws/sagemaker-region-models.ts`.
 */
export interface RegionModels {
  /** What `endpointName` serves for `variantName`; throws PromotedIdentityError when it cannot say. */
  servingVariant(endpointName: string, variantName: string): Promise<ServingVariant>;
  /** The endpoint's config and status, or null when it does not exist. */
  describeEndpoint(endpointName: string): Promise<EndpointState | null>;
  modelExists(modelName: string): Promise<boolean>;
  createModel(modelName: string, container: ModelContainer): Promise<void>;
  endpointConfigExists(configName: string): Promise<boolean>;
  /** A one-variant config serving `variant.modelName` with all the traffic. */
  createEndpointConfig(configName: string, variant: ConfigVariant): Promise<void>;
  /** Points the endpoint at another config (SageMaker then moves it through `Updating`). */
  updateEndpoint(endpointName: string, configName: string): Promise<void>;
  /** The variants of an endpoint config, in config order (a region canary keeps the first beside the copy). */
  configVariants(configName: string): Promise<ConfigVariant[]>;
  /** A config of several variants with their initial weights (a region canary's config). */
  createWeightedConfig(
    configName: string,
    variants: ReadonlyArray<ConfigVariant & { weight: number }>,
  ): Promise<void>;
  /** Sets the traffic weights of an endpoint's variants (UpdateEndpointWeightsAndCapacities). */
  setWeights(endpointName: string, weights: Readonly<Record<string, number>>): Promise<void>;
}

/** What one variant of an endpoint serves. */
export interface ServingVariant {
  /** The endpoint config in force on the endpoint when it was read. */
  endpointConfigName: string;
  modelName: string;
  instanceType: string | null;
  initialInstanceCount: number | null;
  /** Container image and model artefact of the model, when DescribeModel returns them. */
  image: string | null;
  modelDataUrl: string | null;
  executionRoleArn: string | null;
}

export interface EndpointState {
  /** The endpoint config it runs, null when none is named. */
  configName: string | null;
  /** `InService`, `Updating`, `Failed`, ... (`Unknown` when not reported). */
  status: string;
  failureReason: string | null;
}

export interface ModelContainer {
  image: string;
  modelDataUrl: string | null;
  executionRoleArn: string | null;
}

export interface ConfigVariant {
  variantName: string;
  modelName: string;
  instanceType: string | null;
  initialInstanceCount: number | null;
}

/** Raised when the primary endpoint cannot say what it runs; carries the provider's error as `cause`. */
export class PromotedIdentityError extends Error {
  override readonly name = 'PromotedIdentityError';
  /** True when the endpoint was read and the variant is simply not in its config (not a fault). */
  readonly variantMissing: boolean;
  constructor(message: string, options?: { cause?: unknown; variantMissing?: boolean }) {
    super(message, options);
    this.variantMissing = options?.variantMissing ?? false;
  }
}
