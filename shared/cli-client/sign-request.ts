import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { OutgoingRequest } from './watchdog-api-client';

/**
 * AWS Signature Version 4 for the control API's IAM authorization (service `execute-api`), so the
 * CLI can call the deployed API. The signing itself is the SDK's own (`@smithy/signature-v4`, the
 * signer every SDK client uses); this file only decides the region, the headers that are signed
 * and which of the signed headers go back to the client.
 */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigV4SignerOptions {
  credentials: () => Promise<AwsCredentials>;
  /** Signing region; default: read from an `execute-api.<region>.amazonaws.com` host. */
  region?: string;
  /** Signing service; `execute-api` for API Gateway. */
  service?: string;
  /** Clock for `x-amz-date`, epoch ms. */
  now?: () => number;
}

/** Raised when no region can be found for signing; say `--region` or use the API's AWS host name. */
export class SigningRegionError extends Error {
  override readonly name = 'SigningRegionError';
}

/** The region of an API Gateway host (`<id>.execute-api.<region>.amazonaws.com`), or undefined. */
export function regionFromHost(host: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host)?.[1];
}

/** The headers a signed request carries that the caller must send: the signature and its inputs. */
const SIGNATURE_HEADERS = ['x-amz-date', 'authorization', 'x-amz-security-token'] as const;

/**
 * Builds a `signRequest` for WatchdogApiClient. Signs `host`, `x-amz-date` and (with temporary
 * credentials) `x-amz-security-token`, over the SHA-256 of the body. The client's own headers
 * (content type, operator name) are not signed: API Gateway's IAM check needs only these, and a
 * header a proxy rewrites must not break the signature. Region and time drive the credential scope.
 */
export function createSigV4Signer(options: SigV4SignerOptions) {
  const service = options.service ?? 'execute-api';
  return async (request: OutgoingRequest): Promise<Record<string, string>> => {
    const url = new URL(request.url);
    const region = options.region ?? regionFromHost(url.hostname);
    if (!region)
      throw new SigningRegionError(`cannot tell the AWS region of ${url.hostname}; give one explicitly`);
    const signer = new SignatureV4({
      credentials: options.credentials,
      region,
      service,
      sha256: Sha256,
      // No `x-amz-content-sha256` header: API Gateway does not ask for one, and it would be signed.
      applyChecksum: false,
    });
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of url.searchParams) {
      const seen = query[key];
      query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const signed = await signer.sign(
      {
        method: request.method.toUpperCase(),
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        // URL.pathname is encoded once; the signer encodes each segment again, as non-S3 services want.
        path: url.pathname,
        query,
        headers: { host: url.host },
        ...(request.body !== undefined ? { body: request.body } : {}),
      },
      { signingDate: new Date((options.now ?? Date.now)()) },
    );
    const headers: Record<string, string> = {};
    for (const name of SIGNATURE_HEADERS) {
      const value = signed.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  };
}

let defaultChain: (() => Promise<AwsCredentials>) | undefined;

/**
 * Credentials from the AWS SDK's default chain (environment, SSO, web identity, profile, process,
 * instance or container role), loaded lazily so commands against a local API never touch it. The
 * chain is built once and caches what it found until the credentials near their expiry.
 */
export async function defaultCredentials(): Promise<AwsCredentials> {
  if (!defaultChain) {
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    defaultChain = defaultProvider();
  }
  const identity = await defaultChain();
  return {
    accessKeyId: identity.accessKeyId,
    secretAccessKey: identity.secretAccessKey,
    ...(identity.sessionToken ? { sessionToken: identity.sessionToken } : {}),
  };
}
