import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics } from './telemetry';

/** A handler body: the event and the Lambda context in, a result out. */
export type HandlerBody<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/**
 * Wraps a handler body in the watchdog's middleware stack: structured JSON logs carrying the
 * Lambda context (request id, cold start, function name) and `function: name`, and the
 * watchdog's metrics flushed once per invocation with a cold-start metric.
 *
 * Nothing here does I/O at module load, so wrapping costs nothing at cold start. `name` is the
 * function key of `serverless.yml` (`canaryTick`, `alarmRollback`, ...).
 */
export function makeHandler<TEvent, TResult>(name: string, fn: HandlerBody<TEvent, TResult>) {
  metrics.setDefaultDimensions({ function: name });
  return middy<TEvent, TResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .before(() => {
      logger.appendKeys({ function: name });
    })
    .handler(fn);
}
