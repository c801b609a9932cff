/**
 * What the endpoint lifecycle reads and changes on one region's endpoints: which config an
 * endpoint runs (and which one an update in flight is deploying), the configs themselves, and
 * the calls that make and retire them. Not-found reads answer null/false; an endpoint that does
 * not exist raises EndpointNotFoundError, a busy one EndpointNotReadyError, anything else
 * SageMakerCallError (all from `endpoint-weights.ts`). The SageMaker adapter is
 * `shared/aws/sagemaker-endpoint-configs.ts`.
 */
import type { ConfigVariantSpec } from '../domain/plan-endpoint-config';

export interface EndpointDeployment {
  /** `InService`, `Updating`, `Failed`, ... as SageMaker reports it. */
  status: string;
  failureReason: string | null;
  /** The config the endpoint runs. */
  configName: string | null;
  /** The config an update in flight deploys (`PendingDeploymentSummary`), or null. */
  pendingConfigName: string | null;
  /** Instances each variant runs now, by variant name. */
  instanceCounts: Record<string, number>;
}

/** An endpoint config: its variants, and the config-wide settings a derived config keeps (data capture, KMS key, ...). */
export interface EndpointConfigSpec {
  variants: ConfigVariantSpec[];
  /** `ShadowProductionVariants` (SageMaker allows one): a copy of the requests, answering nobody. Absent or empty: none. */
  shadowVariants?: ConfigVariantSpec[];
  settings: Readonly<Record<string, unknown>>;
}

export interface EndpointConfigs {
  describeEndpoint(endpointName: string): Promise<EndpointDeployment>;
  /** The config, or null when no config of that name exists. */
  describeConfig(configName: string): Promise<EndpointConfigSpec | null>;
  modelExists(modelName: string): Promise<boolean>;
  /** Makes the config; one that already exists by that name counts as made (a step run twice). */
  createConfig(configName: string, spec: EndpointConfigSpec): Promise<void>;
  /** Moves the endpoint to `configName` (it goes `Updating`, then `InService` or back with a FailureReason). */
  updateEndpoint(endpointName: string, configName: string): Promise<void>;
  /** Deletes the config; one already gone counts as deleted. */
  deleteConfig(configName: string): Promise<void>;
}
