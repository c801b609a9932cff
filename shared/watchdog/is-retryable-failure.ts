/** Error names AWS and Node give to failures that may pass if the same call is made again later. */
const RETRYABLE_NAMES =
  /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|ServiceUnavailable|InternalFailure|InternalServerError|InternalError|RequestTimeout|TimeoutError|AbortError|NetworkingError|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up/i;

/**
 * True when `error` (or the cause it wraps) is a fault that a retry may get past: throttling, a
 * 5xx, a timeout or a dropped connection. False for what a retry cannot change: a missing
 * endpoint or variant, refused weights, a validation error, denied access. Decides whether the
 * alarm handler throws (so Lambda retries the event) or leaves the rollout to the tick's alert.
 */
export function isRetryableFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const candidate = e as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
      $metadata?: { httpStatusCode?: number };
    };
    const status = candidate.$metadata?.httpStatusCode;
    if (typeof status === 'number' && status >= 500) return true;
    for (const text of [candidate.name, candidate.code]) {
      if (typeof text === 'string' && RETRYABLE_NAMES.test(text)) return true;
    }
    if (
      typeof candidate.message === 'string' &&
      /socket hang up|ECONNRESET|ECONNREFUSED|ETIMEDOUT/.test(candidate.message)
    )
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
