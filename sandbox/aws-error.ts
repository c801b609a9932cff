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
