/**
 * SageMaker's blue/green deployments of one region, as the watchdog starts and watches them: the
 * endpoint as DescribeEndpoint reports it during a deployment, and the UpdateEndpoint that starts
 * one with a DeploymentConfig. An endpoint that does not exist raises EndpointNotFoundError, a
 * busy one EndpointNotReadyError, anything else SageMakerCallError (all from `endpoint-weights.ts`).
 * The SageMaker adapter is `shared/aws/sagemaker-blue-green-deployments.ts`.
 */
import type { SageMakerDeploymentConfig } from '../domain/blue-green-deployment-config';
import type { BlueGreenEndpointView } from '../domain/blue-green-phase';

export interface BlueGreenDeployments {
  describe(endpointName: string): Promise<BlueGreenEndpointView>;
  /** UpdateEndpoint to `configName` through SageMaker's guardrails (never a weights call). */
  deploy(
    endpointName: string,
    configName: string,
    deploymentConfig: SageMakerDeploymentConfig,
  ): Promise<void>;
}

/**
 * The watchdog's verdict on blue/green deployments, as CloudWatch carries it to SageMaker: one
 * alarm per endpoint (PutMetricAlarm, idempotent) on the verdict metric the tick publishes.
 */
export interface VerdictAlarms {
  /** Puts the endpoint's verdict alarm (same definition every time) and returns its name. */
  ensureAlarm(endpointName: string): Promise<string>;
  /** Publishes the verdicts of one tick in one PutMetricData call (epoch ms timestamp). */
  publish(verdicts: ReadonlyArray<{ endpointName: string; failing: boolean }>, at: number): Promise<void>;
}
