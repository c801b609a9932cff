/**
 * The endpoint as the orchestration sees it: its status and per-variant weights (the source of
 * truth for traffic), and the one change the watchdog makes to it. The SageMaker adapter is
 * `shared/aws/sagemaker-endpoints.ts`.
 */

/** One production variant as the endpoint reports it; weights also as percentages of the sum. */
export interface VariantSnapshot {
  name: string;
  currentWeight: number | null;
  desiredWeight: number | null;
  /** currentWeight / sum of current weights × 100; null when unknown or the sum is 0. */
  currentPct: number | null;
  desiredPct: number | null;
}

export interface EndpointSnapshot {
  name: string;
  /** `InService`, `Updating`, `Failed`, ... as SageMaker reports it. */
  status: string;
  failureReason?: string;
  variants: VariantSnapshot[];
}

/** Reads and sets the traffic weights of endpoints in one region. */
export interface EndpointWeights {
  /** Status and per-variant weights of `endpointName`. Throws EndpointNotFoundError / SageMakerCallError. */
  describe(endpointName: string): Promise<EndpointSnapshot>;
  /**
   * Sets the variants' weights (whole percentages). `verifiedVariants` are the names read from the
   * endpoint in this run; weights for any other name are refused before the call
   * (InvalidWeightsError). An in-progress endpoint raises EndpointNotReadyError.
   */
  setWeights(
    endpointName: string,
    weights: Readonly<Record<string, number>>,
    verifiedVariants: ReadonlyArray<string>,
  ): Promise<void>;
}

/** The endpoint is busy (Updating, SystemUpdating, ...): try again later; not a failure. */
export class EndpointNotReadyError extends Error {
  override readonly name = 'EndpointNotReadyError';
  constructor(
    readonly endpointName: string,
    options?: { cause?: unknown },
  ) {
    super(`endpoint ${endpointName} is being updated`, options);
  }
}

/** The endpoint does not exist (deleted, or a wrong name/region). */
export class EndpointNotFoundError extends Error {
  override readonly name = 'EndpointNotFoundError';
  constructor(
    readonly endpointName: string,
    options?: { cause?: unknown },
  ) {
    super(`endpoint ${endpointName} not found`, options);
  }
}

/** Weights refused before the call (negative, fractional, all zero, unverified variant names). */
export class InvalidWeightsError extends Error {
  override readonly name = 'InvalidWeightsError';
  constructor(
    readonly endpointName: string,
    readonly problems: string[],
  ) {
    super(`refusing weights for ${endpointName}: ${problems.join('; ')}`);
  }
}

/** Any other SageMaker failure (throttling after the SDK's retries, 5xx...). */
export class SageMakerCallError extends Error {
  override readonly name = 'SageMakerCallError';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}
