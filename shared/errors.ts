/**
 * Typed errors for infrastructure faults and programming errors. Decisions are values, never
 * errors: these are thrown only when the watchdog cannot do its job (bad configuration, an
 * endpoint AWS will not let us touch yet, a variant that vanished). Each carries the original
 * error as `cause` when there is one, so logs keep the AWS request id and stack.
 */

/** Base class so callers can tell the watchdog's own errors from anything else. */
export abstract class WatchdogError extends Error {
  abstract override readonly name: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A policy (YAML/JSON) that failed validation; `problems` lists every problem as `path: message`. */
export class ConfigValidationError extends WatchdogError {
  override readonly name = 'ConfigValidationError';
  constructor(
    readonly problems: readonly string[],
    options?: { cause?: unknown; source?: string },
  ) {
    super(
      `invalid rollout policy${options?.source ? ` (${options.source})` : ''}: ${problems.length} problem${
        problems.length === 1 ? '' : 's'
      }\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      options,
    );
  }
}

/** The endpoint exists but is not `InService` (e.g. `Updating`): try again on the next tick. */
export class EndpointNotReadyError extends WatchdogError {
  override readonly name = 'EndpointNotReadyError';
  constructor(
    readonly endpointName: string,
    readonly status: string,
    options?: { cause?: unknown },
  ) {
    super(`endpoint ${endpointName} is ${status}, not InService`, options);
  }
}

/** The endpoint does not exist (or is Failed/Deleting): automation stops for it. */
export class EndpointNotFoundError extends WatchdogError {
  override readonly name = 'EndpointNotFoundError';
  constructor(
    readonly endpointName: string,
    options?: { cause?: unknown },
  ) {
    super(`endpoint ${endpointName} not found`, options);
  }
}

/** A variant the policy names is not on the endpoint: never send weights for unverified names. */
export class VariantMissingError extends WatchdogError {
  override readonly name = 'VariantMissingError';
  constructor(
    readonly endpointName: string,
    readonly variantName: string,
    options?: { cause?: unknown },
  ) {
    super(`variant ${variantName} is missing from endpoint ${endpointName}`, options);
  }
}

/** Weights that must not be sent to SageMaker (not whole, negative, all zero, not summing to 100). */
export class InvalidWeightsError extends WatchdogError {
  override readonly name = 'InvalidWeightsError';
  constructor(
    readonly weights: Readonly<Record<string, number>>,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid weights ${JSON.stringify(weights)}: ${reason}`, options);
  }
}

/** An optimistic-locking write lost the race (the stored `version` moved on): re-read and decide again. */
export class StateConflictError extends WatchdogError {
  override readonly name = 'StateConflictError';
  constructor(
    readonly key: string,
    readonly expectedVersion: number,
    options?: { cause?: unknown },
  ) {
    super(`state of ${key} changed since version ${expectedVersion}`, options);
  }
}

/** No rollout is recorded for the endpoint (the API maps it to 404). */
export class RolloutNotFoundError extends WatchdogError {
  override readonly name = 'RolloutNotFoundError';
  constructor(
    readonly endpointName: string,
    options?: { cause?: unknown },
  ) {
    super(`no rollout for endpoint ${endpointName}`, options);
  }
}

/** A call to an AWS service failed after retries (throttling, 5xx, network). */
export class AwsCallError extends WatchdogError {
  override readonly name = 'AwsCallError';
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${operation} failed${options?.cause instanceof Error ? `: ${options.cause.message}` : ''}`,
      options,
    );
  }
}
