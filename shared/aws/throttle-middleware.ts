/**
 * The middleware that lets an SDK client ride out throttling quietly: before every attempt
 * (retries included, since it sits inside the SDK's retry loop) the call waits for its slot in
 * the pacer, and every throttled attempt is counted, per operation, into the throttle counter.
 * The SDK's own retry strategy does the retrying; this only paces and counts.
 */
import { isThrottlingError } from '@smithy/core/retry';
import type { CallPacer } from './call-pacer';
import type { ThrottleCounter } from './throttle-counter';

/** Where a client's calls are paced and its throttles counted. */
export interface ThrottleHandling {
  pacer: CallPacer;
  counter: ThrottleCounter;
}

/** What the middleware reads from the SDK's per-call context. */
interface CallContext {
  clientName?: string;
  commandName?: string;
}

type Handler = (args: unknown) => Promise<unknown>;
type Middleware = (next: Handler, context: CallContext) => Handler;

/** The part of an SDK client's middleware stack used here (structural, so no SDK types are imported). */
interface InstrumentableClient {
  middlewareStack: {
    add(middleware: Middleware, options: { step: string; priority?: string; name: string }): void;
    addRelativeTo(
      middleware: Middleware,
      options: { relation: 'before' | 'after'; toMiddleware: string; name: string },
    ): void;
    identify(): string[];
  };
}

/** The SDK's signing middleware; pacing waits before it so a request is never signed long before it leaves. */
const SIGNING_MIDDLEWARE = 'httpSigningMiddleware';

/** True for an SDK v3 client (anything with a middleware stack). */
export function isInstrumentable(client: unknown): client is InstrumentableClient {
  const stack = (client as { middlewareStack?: Partial<InstrumentableClient['middlewareStack']> } | null)
    ?.middlewareStack;
  return typeof stack?.add === 'function' && typeof stack.addRelativeTo === 'function';
}

/** `ClientService.Operation` of a call: `SageMaker.DescribeEndpoint`. */
export function operationOf(context: CallContext): string {
  const service = (context.clientName ?? 'Unknown').replace(/Client$/, '');
  const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
  return `${service}.${operation}`;
}

/**
 * Adds pacing and throttle counting to `client`, whose calls go to `region`. Called once per
 * client, where clients are built (`shared/runtime/client-cache.ts`).
 */
export function addThrottleMiddleware(
  client: InstrumentableClient,
  region: string,
  { pacer, counter }: ThrottleHandling,
): void {
  const throttledAttempts = new WeakMap<CallContext, number>();

  const countCall: Middleware = (next, context) => async (args) => {
    throttledAttempts.set(context, 0);
    let endedThrottled = false;
    try {
      return await next(args);
    } catch (error) {
      endedThrottled = isThrottlingError(asSdkError(error));
      throw error;
    } finally {
      const seen = throttledAttempts.get(context) ?? 0;
      throttledAttempts.delete(context);
      counter.record(operationOf(context), endedThrottled ? Math.max(seen, 1) : seen, endedThrottled);
    }
  };

  const paceAttempt: Middleware = (next, context) => async (args) => {
    await pacer.acquire(operationOf(context), region);
    try {
      return await next(args);
    } catch (error) {
      if (isThrottlingError(asSdkError(error)))
        throttledAttempts.set(context, (throttledAttempts.get(context) ?? 0) + 1);
      throw error;
    }
  };

  const stack = client.middlewareStack;
  stack.add(countCall, { step: 'initialize', priority: 'high', name: 'watchdogThrottleCount' });
  if (stack.identify().some((entry) => entry.startsWith(SIGNING_MIDDLEWARE)))
    stack.addRelativeTo(paceAttempt, {
      relation: 'before',
      toMiddleware: SIGNING_MIDDLEWARE,
      name: 'watchdogCallPacer',
    });
  else stack.add(paceAttempt, { step: 'finalizeRequest', priority: 'low', name: 'watchdogCallPacer' });
}

/** `isThrottlingError` reads `name`, `$metadata` and `$retryable` off whatever was thrown. */
function asSdkError(error: unknown): Parameters<typeof isThrottlingError>[0] {
  return (error && typeof error === 'object' ? error : { name: String(error) }) as Parameters<
    typeof isThrottlingError
  >[0];
}
