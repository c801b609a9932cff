import { createHash, createHmac } from 'node:crypto';
import type { OutgoingRequest } from './watchdog-api-client';

/**
 * AWS Signature Version 4 for the control API's IAM authorization (service `execute-api`), so the
 * CLI can call the deployed API. Small and dependency-free on purpose: the CLI needs only header
 * signing of small JSON requests; credentials come from whatever provider the caller hands in
 * (e.g. an SDK client's `config.credentials`, which follows the default chain).
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

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves `!'()*` alone). */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The region of an API Gateway host (`<id>.execute-api.<region>.amazonaws.com`), or undefined. */
export function regionFromHost(host: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host)?.[1];
}

/**
 * Builds a `signRequest` for WatchdogApiClient. Signs `host`, `x-amz-date` and (with temporary
 * credentials) `x-amz-security-token`, over the SHA-256 of the body. Region and time drive the
 * credential scope; the path is encoded per segment, the query sorted, as SigV4 requires.
 */
export function createSigV4Signer(options: SigV4SignerOptions) {
  const service = options.service ?? 'execute-api';
  return async (request: OutgoingRequest): Promise<Record<string, string>> => {
    const url = new URL(request.url);
    const region = options.region ?? regionFromHost(url.hostname);
    if (!region)
      throw new SigningRegionError(`cannot tell the AWS region of ${url.hostname}; give one explicitly`);
    const credentials = await options.credentials();
    const amzDate = new Date((options.now ?? Date.now)())
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const dateStamp = amzDate.slice(0, 8);

    const signed: Record<string, string> = { host: url.host, 'x-amz-date': amzDate };
    if (credentials.sessionToken) signed['x-amz-security-token'] = credentials.sessionToken;
    const names = Object.keys(signed).sort();
    const canonicalHeaders = names.map((name) => `${name}:${(signed[name] as string).trim()}\n`).join('');
    const signedHeaders = names.join(';');

    // Non-S3 services want each segment encoded twice; URL.pathname holds it encoded once.
    const canonicalUri = url.pathname
      .split('/')
      .map((segment) => encodeRfc3986(segment))
      .join('/');
    const canonicalQuery = [...url.searchParams.entries()]
      .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const)
      .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const canonicalRequest = [
      request.method.toUpperCase(),
      canonicalUri || '/',
      canonicalQuery,
      canonicalHeaders,
      signedHeaders,
      sha256Hex(request.body ?? ''),
    ].join('\n');

    const scope = `${dateStamp}/${region}/${service}/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
    const key = hmac(
      hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, dateStamp), region), service),
      'aws4_request',
    );
    const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');

    const headers: Record<string, string> = {
      'x-amz-date': amzDate,
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
    if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
    return headers;
  };
}

/**
 * Credentials from the AWS SDK's default chain (environment, profile, SSO, instance role), loaded
 * lazily so commands against a local API never touch it.
 */
export async function defaultCredentials(): Promise<AwsCredentials> {
  const { SSMClient } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient({});
  try {
    const identity = await client.config.credentials();
    return {
      accessKeyId: identity.accessKeyId,
      secretAccessKey: identity.secretAccessKey,
      ...(identity.sessionToken ? { sessionToken: identity.sessionToken } : {}),
    };
  } finally {
    client.destroy();
  }
}
