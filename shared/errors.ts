/**
 * Typed errors of the configuration edge. Decisions are values, never errors. The AWS adapters
 * keep their own typed errors beside the calls that raise them (`EndpointNotReadyError` and friends
 * in `shared/aws/sagemaker-endpoints.ts`, `VersionConflictError` in `shared/aws/rollout-store.ts`).
 * Each carries the original error as `cause` when there is one.
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
