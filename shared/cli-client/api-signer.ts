import { type AwsCredentials, createSigV4Signer, defaultCredentials, regionFromHost } from './sign-request';
import type { OutgoingRequest } from './watchdog-api-client';

/**
 * The request signer for the control API at `api`: SigV4 (`execute-api`, the caller's AWS
 * credentials) for an `execute-api.<region>.amazonaws.com` host, none for anything else (the local
 * stage serves unsigned), as the operator commands decide.
 */
export function apiSigner(
  api: string,
  credentials: () => Promise<AwsCredentials> = defaultCredentials,
): ((request: OutgoingRequest) => Promise<Record<string, string>>) | undefined {
  let host: string;
  try {
    host = new URL(api).hostname;
  } catch {
    return undefined;
  }
  return regionFromHost(host) === undefined ? undefined : createSigV4Signer({ credentials });
}
