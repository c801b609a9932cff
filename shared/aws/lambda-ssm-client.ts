import type {
  GetParameterCommandInput,
  GetParameterCommandOutput,
  GetParametersCommandInput,
  GetParametersCommandOutput,
} from '@aws-sdk/client-ssm';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Sha256 } from '@smithy/core/checksum';
import type { HttpRequest } from '@smithy/core/protocols';
import {
  isServerError,
  isThrottlingError,
  isTransientError,
  StandardRetryStrategy,
} from '@smithy/core/retry';
import { NodeHttpHandler, streamCollector } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';

// Stand-in for `@aws-sdk/client-ssm` inside the Lambda bundles only: resources/esbuild-plugins.cjs
// resolves the package to this file there, as it resolves the credential chain to the
// environment provider. Everywhere else (tests, the CLI, the sandbox's tools) the SDK's client runs.
//
// Why: the functions read parameters with two operations, GetParameter and GetParameters, but the
// SDK's SSM client bundles the schema of all of SSM's ~150 operations and a class for each of its
// ~140 errors, registered at load so they cannot be tree-shaken: 74 KB of every bundle that reads
// a policy or the Slack webhook URL. This file makes those two calls the way the SDK does, with
// the SDK's own parts: its SigV4 signer, its HTTP handler, its retry strategy and error
// classification, and the environment credentials a Lambda function has. The esbuild build fails
// if a bundled module imports anything else from `@aws-sdk/client-ssm`.
//
// Differences a caller could see: outputs are SSM's JSON as sent (`LastModifiedDate` stays epoch
// seconds, not a `Date`); a failure is an `Error` named by SSM's error code (`ParameterNotFound`),
// with `$fault` and `$metadata`, not an instance of the SDK's class of that name.

/** The JSON 1.1 protocol's target prefix for SSM operations. */
const TARGET_PREFIX = 'AmazonSSM';
/** SigV4 signing name of SSM. */
const SIGNING_NAME = 'ssm';
/** Attempts when the config names none, first try included (the SDK's default). */
const DEFAULT_MAX_ATTEMPTS = 3;

/** What the functions give an SDK client (see shared/runtime/client-cache.ts). */
export interface SSMClientConfig {
  region?: string;
  maxAttempts?: number;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** An SSM failure as the SDK names it: `name` is SSM's error code. */
export interface SsmServiceError extends Error {
  $fault: 'client' | 'server';
  $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

/** `new GetParameterCommand(input)` as the SDK spells it; only `input` and the operation are kept. */
export class GetParameterCommand {
  readonly operation = 'GetParameter';
  constructor(readonly input: GetParameterCommandInput) {}
}

export class GetParametersCommand {
  readonly operation = 'GetParameters';
  constructor(readonly input: GetParametersCommandInput) {}
}

type Command = GetParameterCommand | GetParametersCommand;

/** SSM's endpoint for `region`: `AWS_ENDPOINT_URL_SSM`, then `AWS_ENDPOINT_URL`, as the SDK reads them. */
export function ssmEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.AWS_ENDPOINT_URL_SSM ?? env.AWS_ENDPOINT_URL;
  if (configured) return configured;
  const fips = env.AWS_USE_FIPS_ENDPOINT === 'true' ? '-fips' : '';
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://ssm${fips}.${region}.${suffix}`;
}

/** The SDK's retry classes of an error (`getRetryErrorType` of its retry middleware). */
function retryErrorType(error: unknown): 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR' {
  const e = error as Parameters<typeof isThrottlingError>[0];
  if (isThrottlingError(e)) return 'THROTTLING';
  if (isTransientError(e)) return 'TRANSIENT';
  if (isServerError(e)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

/** SSM's error code from an error response, as the SDK's JSON protocols read it. */
function errorCode(status: number, errorType: string | undefined, body: Record<string, unknown>): string {
  const raw =
    errorType ??
    (typeof body.code === 'string' ? body.code : undefined) ??
    (typeof body.__type === 'string' ? body.__type : undefined) ??
    `Http${status}Error`;
  // `com.amazonaws.ssm#ParameterNotFound:http://...` → `ParameterNotFound`
  return raw.split(':')[0]!.split('#').pop()!;
}

/** The GetParameter and GetParameters calls of the SDK's `SSMClient`. */
export class SSMClient {
  private readonly region: string;
  private readonly endpoint: URL;
  private readonly signer: SignatureV4;
  private readonly retry: StandardRetryStrategy;
  private readonly http = new NodeHttpHandler();

  constructor(config: SSMClientConfig = {}) {
    const region = config.region ?? process.env.AWS_REGION;
    if (!region) throw new Error('SSMClient: no region (set AWS_REGION or pass `region`)');
    this.region = region;
    this.endpoint = new URL(config.endpoint ?? ssmEndpoint(region));
    this.signer = new SignatureV4({
      credentials: config.credentials ?? fromEnv(),
      region,
      service: SIGNING_NAME,
      sha256: Sha256,
    });
    this.retry = new StandardRetryStrategy(config.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  }

  send(command: GetParameterCommand): Promise<GetParameterCommandOutput>;
  send(command: GetParametersCommand): Promise<GetParametersCommandOutput>;
  async send(command: Command): Promise<GetParameterCommandOutput | GetParametersCommandOutput> {
    let token = await this.retry.acquireInitialRetryToken(SIGNING_NAME);
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        const output = await this.call(command, attempts);
        this.retry.recordSuccess(token);
        return output;
      } catch (error) {
        try {
          // Waits the SDK's backoff (longer for throttling) when the error is worth another try.
          token = await this.retry.refreshRetryTokenForRetry(token, { errorType: retryErrorType(error) });
        } catch {
          throw error;
        }
      }
    }
  }

  /** Closes the HTTP handler's kept-alive connections. */
  destroy(): void {
    this.http.destroy();
  }

  private async call(command: Command, attempts: number) {
    const body = JSON.stringify(command.input);
    const url = this.endpoint;
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname || '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `${TARGET_PREFIX}.${command.operation}`,
      },
      body,
    });
    // The signer hands back a clone of the request as the SDK's `HttpRequest` class, which is what
    // the handler's type names (the signer's own type is the structural interface).
    const { response } = await this.http.handle(signed as HttpRequest);
    const text = new TextDecoder().decode(await streamCollector(response.body));
    const status = response.statusCode;
    const ok = status >= 200 && status < 300;
    const metadata = { httpStatusCode: status, requestId: response.headers['x-amzn-requestid'], attempts };
    let data: Record<string, unknown> = {};
    try {
      data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      if (ok) throw new Error(`SSM ${command.operation} in ${this.region}: response is not JSON`);
    }
    if (ok) return { ...data, $metadata: metadata };
    const name = errorCode(status, response.headers['x-amzn-errortype'], data);
    const message =
      typeof data.message === 'string' ? data.message : typeof data.Message === 'string' ? data.Message : '';
    const error = new Error(message) as SsmServiceError;
    error.name = name;
    error.$fault = status >= 500 ? 'server' : 'client';
    error.$metadata = metadata;
    throw error;
  }
}
