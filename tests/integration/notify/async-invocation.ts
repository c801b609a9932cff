import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { InProcessHandler } from '../../../sandbox/lambda-invoker';

/**
 * Lambda's asynchronous invocation, as SNS uses it, for the in-process invoker (which runs an
 * async invocation once and drops its error): a handler that throws is run again up to
 * `maximumRetryAttempts` times, then the invocation record goes to the on-failure destination.
 * AWS waits about 1 and 2 minutes between attempts; the tests wait `retryDelayMs`.
 */

/** The on-failure destination's record of an invocation whose retries were exhausted (AWS's shape). */
export interface FailedInvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: { condition: 'RetriesExhausted'; approximateInvokeCount: number };
  requestPayload: unknown;
  responsePayload: { errorType: string; errorMessage: string };
}

/** The slackNotifier's `maximumRetryAttempts`, read from its function config (what is deployed). */
export function slackNotifierRetryAttempts(): number {
  const root = join(import.meta.dirname, '../../..');
  const config = parse(readFileSync(join(root, 'functions/slack-notifier.yml'), 'utf8')) as {
    slackNotifier: { maximumRetryAttempts?: number };
  };
  // Lambda's default for asynchronous invocations when the setting is absent.
  return config.slackNotifier.maximumRetryAttempts ?? 2;
}

export interface AsyncInvocations {
  /** The handler to give the in-process invoker. */
  handler: InProcessHandler;
  /** What reached the on-failure destination, oldest first. */
  failed: FailedInvocationRecord[];
  /** How many times the function ran, retries included. */
  runs(): number;
  /** Resolves when every invocation started so far has succeeded or reached the destination. */
  settled(): Promise<void>;
}

export function withAsyncRetries(
  handler: InProcessHandler,
  options: { maximumRetryAttempts: number; retryDelayMs: number },
): AsyncInvocations {
  const failed: FailedInvocationRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  let runs = 0;
  const invokeWithRetries = async (event: unknown, context: Record<string, unknown>) => {
    for (let attempt = 1; ; attempt++) {
      runs++;
      try {
        await handler(event, context);
        return;
      } catch (error) {
        if (attempt > options.maximumRetryAttempts) {
          const e = error as { name?: string; message?: string };
          failed.push({
            version: '1.0',
            timestamp: new Date().toISOString(),
            requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: attempt },
            requestPayload: event,
            responsePayload: { errorType: e?.name ?? 'Error', errorMessage: e?.message ?? String(error) },
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs));
      }
    }
  };
  return {
    handler: (event, context) => {
      const work = invokeWithRetries(event, context);
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
      return work;
    },
    failed,
    runs: () => runs,
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
