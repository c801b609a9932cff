/**
 * An error the sandbox answers with, in the shape of the service's own protocol. `code` is the
 * AWS error code (`ValidationException`, `ResourceNotFound`, `ThrottlingException`, ...), so the
 * SDK v3 clients raise the matching exception class.
 */
export class AwsError extends Error {
  override readonly name = 'AwsError';
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }

  /** True for errors the caller caused (4xx): the SDK reports `$fault: 'client'`. */
  get senderFault(): boolean {
    return this.statusCode < 500;
  }
}

/**
 * Signing names whose services say "throttled" with the awsQuery code `Throttling`: CloudWatch
 * answers `An error occurred (Throttling) ... Rate exceeded`, and its JSON protocol is query
 * compatible, so the client names the error by that code.
 */
const QUERY_THROTTLING_SERVICES: ReadonlySet<string> = new Set(['monitoring']);

/**
 * The throttling answer of `service` (a SigV4 signing name), HTTP 400 as AWS sends it:
 * `Throttling` for CloudWatch, `ThrottlingException` for SageMaker, SSM and the rest.
 * Both are names the SDK's retry strategy classifies as throttling.
 */
export function throttlingError(service: string): AwsError {
  return new AwsError(
    QUERY_THROTTLING_SERVICES.has(service) ? 'Throttling' : 'ThrottlingException',
    'Rate exceeded',
    400,
  );
}
