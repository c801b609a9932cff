/** What the sandbox reads from a SigV4 `Authorization` header (the signature itself is never checked). */
export interface SigV4Scope {
  accessKeyId: string;
  region: string;
  /** Signing name: sagemaker, monitoring, sns, ssm, dynamodb. */
  service: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

/**
 * Parses the credential scope of a SigV4 `Authorization` header
 * (`AWS4-HMAC-SHA256 Credential=AKID/20260101/us-west-2/sagemaker/aws4_request, ...`).
 * Returns `undefined` when the header is missing or not SigV4.
 */
export function parseSigV4Scope(authorization: string | undefined): SigV4Scope | undefined {
  if (!authorization) return undefined;
  const match = CREDENTIAL.exec(authorization);
  if (!match) return undefined;
  const [, accessKeyId, , region, service] = match;
  return { accessKeyId: accessKeyId!, region: region!, service: service! };
}
