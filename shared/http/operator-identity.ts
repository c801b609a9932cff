/** Header a caller may use to name themselves when no IAM identity is present (local stage only). */
export const OPERATOR_HEADER = 'x-rollout-operator';

/** Identity recorded when a request carries neither an IAM identity nor the operator header. */
export const ANONYMOUS_OPERATOR = 'anonymous';

/** The parts of an HTTP API event that say who is calling. */
export interface IdentityCarrier {
  headers?: Readonly<Record<string, string | undefined>>;
  requestContext?: { authorizer?: { iam?: { userArn?: string | null } | null } | null } | null;
}

/**
 * Who issued a command, for history and notifications. Deployed, every route has IAM auth and the
 * verified `requestContext.authorizer.iam.userArn` always wins; the header is only a fallback for the
 * local stage and is marked `unverified:` so nobody mistakes it for an authenticated identity.
 */
export function operatorIdentity(event: IdentityCarrier): string {
  const arn = event.requestContext?.authorizer?.iam?.userArn;
  if (typeof arn === 'string' && arn !== '') return arn;
  const claimed = headerValue(event.headers, OPERATOR_HEADER)?.trim();
  if (claimed) return `unverified:${claimed.slice(0, 200)}`;
  return ANONYMOUS_OPERATOR;
}

/** Case-insensitive header lookup (HTTP API lower-cases names; hand-built events may not). */
export function headerValue(
  headers: Readonly<Record<string, string | undefined>> | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
