/**
 * How the sandbox hands events to Lambda functions: SNS lambda subscriptions and the event
 * router (scheduled ticks, alarm events) both go through a `LambdaInvoker`, so tests can run
 * handlers in-process while `npm start` reaches the functions serverless-offline hosts.
 */

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
  override readonly name = 'LambdaInvokeError';
  constructor(
    readonly functionName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
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

/**
 * Invokes functions through serverless-offline's Lambda API
 * (`POST /2015-03-31/functions/<name>/invocations`). `endpoint` is where serverless-offline listens.
 */
export function createHttpLambdaInvoker(endpoint: string = DEFAULT_LAMBDA_ENDPOINT): LambdaInvoker {
  const base = endpoint.replace(/\/+$/, '');
  return {
    async invoke(functionName, event, { async }) {
      const url = `${base}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
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
        throw new LambdaInvokeError(functionName, `cannot reach ${url}`, { cause: error });
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
