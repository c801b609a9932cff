import {
  DescribeEndpointCommand,
  type DeploymentConfig,
  type PendingProductionVariantSummary,
  type SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import type { SageMakerDeploymentConfig } from '../domain/blue-green-deployment-config';
import type { BlueGreenEndpointView, VariantStatusView } from '../domain/blue-green-phase';
import type { BlueGreenDeployments } from '../ports/blue-green-deployments';
import { EndpointNotFoundError, EndpointNotReadyError, SageMakerCallError } from '../ports/endpoint-weights';
import { isSageMakerNotFound } from './sagemaker-endpoints';

const errorName = (error: unknown): string => (error as { name?: string } | null)?.name ?? '';
const errorMessage = (error: unknown): string => (error as { message?: string } | null)?.message ?? '';

/**
 * SageMaker's blue/green deployments of one region: DescribeEndpoint read for the deployment's
 * statuses, and UpdateEndpoint with a DeploymentConfig. The client comes from the composition
 * root with the SDK's retries and the process's pacer.
 */
export class SageMakerBlueGreenDeployments implements BlueGreenDeployments {
  constructor(private readonly client: SageMakerClient) {}

  async describe(endpointName: string): Promise<BlueGreenEndpointView> {
    try {
      const out = await this.client.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
      const pending = out.PendingDeploymentSummary?.ProductionVariants ?? [];
      const counts = pending
        .map((v) => v.DesiredInstanceCount)
        .filter((n): n is number => typeof n === 'number');
      return {
        status: out.EndpointStatus ?? 'Unknown',
        failureReason: out.FailureReason ?? null,
        configName: out.EndpointConfigName ?? null,
        pendingConfigName: out.PendingDeploymentSummary?.EndpointConfigName ?? null,
        pendingStatuses: pending.flatMap(statusesOf),
        greenInstanceCount: counts.length > 0 ? counts.reduce((a, b) => a + b, 0) : null,
      };
    } catch (error) {
      throw mapError(endpointName, 'DescribeEndpoint', error);
    }
  }

  async deploy(
    endpointName: string,
    configName: string,
    deploymentConfig: SageMakerDeploymentConfig,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateEndpointCommand({
          EndpointName: endpointName,
          EndpointConfigName: configName,
          DeploymentConfig: deploymentConfig as DeploymentConfig,
        }),
      );
    } catch (error) {
      throw mapError(endpointName, 'UpdateEndpoint', error);
    }
  }
}

function statusesOf(variant: PendingProductionVariantSummary): VariantStatusView[] {
  return (variant.VariantStatus ?? []).map((s) => ({
    status: s.Status ?? 'Unknown',
    startTime: s.StartTime instanceof Date ? s.StartTime.getTime() : null,
    ...(s.StatusMessage ? { message: s.StatusMessage } : {}),
  }));
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
  return new SageMakerCallError(
    `${operation} ${endpointName} failed: ${errorName(error)} ${errorMessage(error)}`.trim(),
    { cause: error },
  );
}
