import {
  DescribeEndpointCommand,
  type SageMakerClient,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import {
  type EndpointSnapshot,
  type EndpointWeights,
  EndpointNotFoundError,
  EndpointNotReadyError,
  InvalidWeightsError,
  SageMakerCallError,
} from '../ports/endpoint-weights';

const percentages = (weights: ReadonlyArray<number | null>): Array<number | null> => {
  const known = weights.every((w) => typeof w === 'number' && Number.isFinite(w));
  const sum = known ? (weights as number[]).reduce((a, b) => a + b, 0) : 0;
  return weights.map((w) => (known && sum > 0 ? ((w as number) / sum) * 100 : null));
};

/**
 * Checks weights before they reach the endpoint: whole numbers, 0..100, summing to 100, at
 * least one non-zero, and only names present in `verifiedVariants` (names read from the endpoint
 * in this run). Returns the problems; empty means valid.
 */
export function weightProblems(
  weights: Readonly<Record<string, number>>,
  verifiedVariants: ReadonlyArray<string>,
): string[] {
  const problems: string[] = [];
  const entries = Object.entries(weights);
  if (entries.length === 0) problems.push('no weights');
  let sum = 0;
  for (const [name, weight] of entries) {
    if (!verifiedVariants.includes(name)) problems.push(`variant ${name} is not on the endpoint`);
    if (!Number.isInteger(weight) || weight < 0 || weight > 100)
      problems.push(`weight of ${name} must be a whole number 0..100, got ${weight}`);
    else sum += weight;
  }
  if (entries.length > 0 && problems.length === 0 && sum !== 100)
    problems.push(`weights must sum to 100, got ${sum}`);
  if (entries.length > 0 && entries.every(([, w]) => w === 0)) problems.push('all weights are zero');
  return problems;
}

const errorName = (error: unknown): string => (error as { name?: string } | null)?.name ?? '';
const errorMessage = (error: unknown): string => (error as { message?: string } | null)?.message ?? '';

/**
 * SageMaker endpoint reads and weight changes for one region. The client is handed in (pointed at
 * the sandbox in tests); the composition root builds it (`shared/runtime/client-cache.ts`) with
 * `maxAttempts: SDK_MAX_ATTEMPTS`, so throttling is retried with jittered backoff by the SDK
 * before a call fails, and with the process's pacer, which keeps DescribeEndpoint and
 * UpdateEndpointWeightsAndCapacities under SageMaker's rate however many rollouts a tick visits.
 * A throttle that outlasts the retries surfaces as SageMakerCallError (its cause the SDK's error).
 */
export class SageMakerEndpoints implements EndpointWeights {
  constructor(private readonly client: SageMakerClient) {}

  /** Status and per-variant weights of `endpointName`. Throws EndpointNotFoundError / SageMakerCallError. */
  async describe(endpointName: string): Promise<EndpointSnapshot> {
    try {
      const out = await this.client.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
      const variants = out.ProductionVariants ?? [];
      const current = percentages(variants.map((v) => v.CurrentWeight ?? null));
      const desired = percentages(variants.map((v) => v.DesiredWeight ?? v.CurrentWeight ?? null));
      const snapshot: EndpointSnapshot = {
        name: out.EndpointName ?? endpointName,
        status: out.EndpointStatus ?? 'Unknown',
        variants: variants.map((v, i) => ({
          name: v.VariantName ?? '',
          currentWeight: v.CurrentWeight ?? null,
          desiredWeight: v.DesiredWeight ?? v.CurrentWeight ?? null,
          currentPct: current[i] ?? null,
          desiredPct: desired[i] ?? null,
        })),
      };
      if (out.FailureReason) snapshot.failureReason = out.FailureReason;
      return snapshot;
    } catch (error) {
      throw mapError(endpointName, 'DescribeEndpoint', error);
    }
  }

  /**
   * Sets the variants' weights (whole percentages). `verifiedVariants` are the names read from the
   * endpoint in this run; weights for any other name are refused before the call
   * (InvalidWeightsError). An in-progress endpoint raises EndpointNotReadyError.
   */
  async setWeights(
    endpointName: string,
    weights: Readonly<Record<string, number>>,
    verifiedVariants: ReadonlyArray<string>,
  ): Promise<void> {
    const problems = weightProblems(weights, verifiedVariants);
    if (problems.length > 0) throw new InvalidWeightsError(endpointName, problems);
    try {
      await this.client.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: endpointName,
          DesiredWeightsAndCapacities: Object.entries(weights).map(([VariantName, DesiredWeight]) => ({
            VariantName,
            DesiredWeight,
          })),
        }),
      );
    } catch (error) {
      throw mapError(endpointName, 'UpdateEndpointWeightsAndCapacities', error);
    }
  }
}

/**
 * SageMaker says "not found" as a ValidationException ("Could not find endpoint/model/...") or as
 * ResourceNotFound, depending on the operation.
 */
export function isSageMakerNotFound(error: unknown): boolean {
  const name = errorName(error);
  return (
    name === 'ResourceNotFound' ||
    (name === 'ValidationException' && /could not find|not found|does not exist/i.test(errorMessage(error)))
  );
}

function mapError(endpointName: string, operation: string, error: unknown): Error {
  const name = errorName(error);
  const message = errorMessage(error);
  if (name === 'ValidationException' && /in-progress|in progress|is updating/i.test(message))
    return new EndpointNotReadyError(endpointName, { cause: error });
  if (isSageMakerNotFound(error)) return new EndpointNotFoundError(endpointName, { cause: error });
  return new SageMakerCallError(`${operation} ${endpointName} failed: ${name} ${message}`.trim(), {
    cause: error,
  });
}
