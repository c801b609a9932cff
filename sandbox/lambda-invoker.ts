/**
 * How the sandbox hands events to Lambda functions: SNS lambda subscriptions and the event
 * router (scheduled ticks, alarm events) both go through a `LambdaInvoker`, so tests can run
 * handlers in-process while `npm start` reaches the functions serverless-offline hosts.
 */
import http from 'node:http';

/** Default serverless-offline Lambda invoke endpoint (its `lambdaPort` is 3002). */
export const DEFAULT_LAMBDA_ENDPOINT = 'http://127.0.0.1:3002';

export interface InvokeOptions {
  /** `true` → `Event` invocation (fire and forget, like SNS and EventBridge); `false` → `RequestResponse`. */
  async: boolean;
}

export interface InvokeResult {
  /** HTTP-like status: 202 for accepted async invocations, 200 for synchronous ones. */
  statusCode: number;
  /** The function's return value for synchronous invocations (parsed JSON when possible). */
  payload?: unknown;
  /** Set when the function threw (synchronous) — Lambda's `X-Amz-Function-Error`. */
  functionError?: string;
}

export interface LambdaInvoker {
  invoke(functionName: string, event: unknown, options: InvokeOptions): Promise<InvokeResult>;
}

/** A Lambda handler as the sandbox calls it in-process (context and callback are not used here). */
export type InProcessHandler = (
  event: unknown,
  context: Record<string, unknown>,
) => unknown | Promise<unknown>;

/** Raised when a function cannot be reached or does not exist; the caller records it as a failed delivery. */
export class LambdaInvokeError extends Error {
  override readonly name: string = 'LambdaInvokeError';
  constructor(
    readonly functionName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Nothing listens at the Lambda endpoint (connection refused, host unknown, reset before an
 * answer): the functions are not running, as opposed to a function that failed or does not exist.
 */
export class LambdaUnreachableError extends LambdaInvokeError {
  override readonly name: string = 'LambdaUnreachableError';
  constructor(
    functionName: string,
    /** The invoke endpoint that did not answer (`http://127.0.0.1:3002`). */
    readonly endpoint: string,
    /** The network error's code (`ECONNREFUSED`), when it has one. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(functionName, `cannot reach the functions at ${endpoint}${code ? ` (${code})` : ''}`, options);
  }
}

/** The first `code` (`ECONNREFUSED`, ...) along an error's cause chain. */
function networkErrorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * Extracts the function name from a Lambda ARN (`arn:aws:lambda:<region>:<acct>:function:<name>[:qualifier]`);
 * a plain name is returned unchanged.
 */
export function functionNameFromArn(arnOrName: string): string {
  const parts = arnOrName.split(':');
  if (parts[0] === 'arn' && parts[5] === 'function' && parts[6]) return parts[6];
  return arnOrName;
}

export interface HttpLambdaInvokerOptions {
  /**
   * How an `async` invocation is made. `Event` (default): Lambda's own asynchronous invocation.
   * `background`: a `RequestResponse` invocation the caller does not wait for: `invoke` resolves
   * with 202 once the request is on its way, and the function's answer goes to
   * `onBackgroundResult` / `onBackgroundError`. serverless-offline 13 does not await the handler
   * of an `Event` invocation, so a handler that throws there is an unhandled rejection that stops
   * serverless-offline altogether; `background` keeps it running (the failure is an answer).
   */
  asyncInvocations?: 'Event' | 'background';
  /** `background` only: each function's answer (its payload, or the function error it reported). */
  onBackgroundResult?: (functionName: string, event: unknown, result: InvokeResult) => void;
  /** `background` only: an invocation that got no answer (the endpoint went away, or answered >= 300). */
  onBackgroundError?: (functionName: string, error: LambdaInvokeError) => void;
}

/**
 * Invokes functions through serverless-offline's Lambda API
 * (`POST /2015-03-31/functions/<name>/invocations`). `endpoint` is where serverless-offline listens.
 * An endpoint nobody listens at raises `LambdaUnreachableError`; other failures `LambdaInvokeError`.
 */
export function createHttpLambdaInvoker(
  endpoint: string = DEFAULT_LAMBDA_ENDPOINT,
  options: HttpLambdaInvokerOptions = {},
): LambdaInvoker {
  const base = endpoint.replace(/\/+$/, '');
  const background = options.asyncInvocations === 'background';
  return {
    async invoke(functionName, event, { async }) {
      const url = `${base}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
      if (async && background) return invokeInBackground(base, url, functionName, event, options);
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-amz-invocation-type': async ? 'Event' : 'RequestResponse',
          },
          body: JSON.stringify(event),
        });
      } catch (error) {
        throw new LambdaUnreachableError(functionName, base, networkErrorCode(error), { cause: error });
      }
      const text = await response.text();
      if (response.status >= 300) {
        throw new LambdaInvokeError(
          functionName,
          `invoke ${functionName} answered ${response.status}: ${text}`,
        );
      }
      const functionError = response.headers.get('x-amz-function-error') ?? undefined;
      return {
        statusCode: response.status,
        payload: parseMaybeJson(text),
        ...(functionError ? { functionError } : {}),
      };
    },
  };
}

/**
 * A `RequestResponse` invocation whose answer the caller does not wait for: resolves with 202 once
 * the request is written to a connected socket; rejects with `LambdaUnreachableError` when no
 * connection can be made.
 */
function invokeInBackground(
  base: string,
  url: string,
  functionName: string,
  event: unknown,
  options: HttpLambdaInvokerOptions,
): Promise<InvokeResult> {
  return new Promise((resolve, reject) => {
    let accepted = false;
    const accept = () => {
      if (accepted) return;
      accepted = true;
      resolve({ statusCode: 202 });
    };
    const body = JSON.stringify(event);
    const request = http.request(
      url,
      {
        method: 'POST',
        // A connection per invocation: no idle keep-alive connection holds serverless-offline
        // open when it is asked to stop.
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-amz-invocation-type': 'RequestResponse',
        },
      },
      (response) => {
        accept();
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) =>
          options.onBackgroundError?.(
            functionName,
            new LambdaInvokeError(functionName, `invoke ${functionName}: ${error.message}`, { cause: error }),
          ),
        );
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status >= 300) {
            options.onBackgroundError?.(
              functionName,
              new LambdaInvokeError(functionName, `invoke ${functionName} answered ${status}: ${text}`),
            );
            return;
          }
          const functionError = response.headers['x-amz-function-error'];
          options.onBackgroundResult?.(functionName, event, {
            statusCode: status,
            payload: parseMaybeJson(text),
            ...(typeof functionError === 'string' ? { functionError } : {}),
          });
        });
      },
    );
    request.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', accept);
      else accept();
    });
    request.on('error', (error) => {
      const unreachable = new LambdaUnreachableError(functionName, base, networkErrorCode(error), {
        cause: error,
      });
      if (accepted) options.onBackgroundError?.(functionName, unreachable);
      else reject(unreachable);
    });
    request.end(body);
  });
}

/**
 * Invokes handlers from a map name → handler in this process. Async invocations run on the next
 * turn and their failures are swallowed like Lambda swallows them (reported via `onAsyncError`).
 */
export function createInProcessLambdaInvoker(
  handlers: Readonly<Record<string, InProcessHandler>>,
  onAsyncError: (functionName: string, error: unknown) => void = () => {},
): LambdaInvoker {
  return {
    async invoke(functionName, event, { async }) {
      const handler = handlers[functionName];
      if (!handler) throw new LambdaInvokeError(functionName, `Function not found: ${functionName}`);
      const context = { functionName, awsRequestId: crypto.randomUUID() };
      if (async) {
        setImmediate(() => {
          Promise.resolve()
            .then(() => handler(event, context))
            .catch((error: unknown) => onAsyncError(functionName, error));
        });
        return { statusCode: 202 };
      }
      try {
        return { statusCode: 200, payload: await handler(event, context) };
      } catch (error) {
        return {
          statusCode: 200,
          functionError: 'Unhandled',
          payload: { errorMessage: error instanceof Error ? error.message : String(error) },
        };
      }
    },
  };
}

function parseMaybeJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
