import {
  backoffMs,
  retryAfterMs,
  SLACK_BASE_BACKOFF_MS,
  SLACK_DEADLINE_MARGIN_MS,
  SLACK_MAX_ATTEMPTS,
  SLACK_MAX_BACKOFF_MS,
  SLACK_MAX_RETRY_AFTER_MS,
  SLACK_REQUEST_TIMEOUT_MS,
  type SlackDeliveryOptions,
} from './slack-delivery';

/** Slack's Web API base URL (deployed stages); the local stage points `SLACK_API_URL` at the sandbox. */
export const SLACK_API_URL = 'https://slack.com/api';

/**
 * Web API errors that say the app cannot post to this channel with this token until a person acts
 * (token revoked or wrong, app removed from the channel, channel gone or archived): alert once.
 */
export const SLACK_APP_REFUSALS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'not_in_channel',
  'is_archived',
  'missing_scope',
]);

export type SlackApiOutcome =
  | { status: 'ok'; ts: string; attempts: number }
  /** The app cannot post here (SLACK_APP_REFUSALS): retrying cannot help until someone fixes it. */
  | { status: 'refused'; error: string; attempts: number }
  /** Slack refused this call's content or target (`invalid_blocks`, `message_not_found`, ...). */
  | { status: 'rejected'; error: string; attempts: number }
  /** Rate limits, 5xx or network errors that outlasted the attempts or the time left. */
  | { status: 'gave-up'; reason: string; attempts: number };

/** The Slack client the thread mode uses: one Web API method call, retried where that helps. */
export type SlackApiCall = (
  method: 'chat.postMessage' | 'chat.update',
  body: Record<string, unknown>,
  options?: { remainingMs?: () => number },
) => Promise<SlackApiOutcome>;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A Web API client for one bot token: POSTs JSON to `<apiUrl>/<method>` with
 * `Authorization: Bearer <token>`. Decided by Slack's answer: `ok: true` with its `ts`; HTTP 429
 * or `error: ratelimited` waits `Retry-After` (capped by `maxRetryAfterMs` and by the time left
 * minus a margin, else gives up at once, for Lambda's retry); 5xx and network errors back off with
 * full jitter; SLACK_APP_REFUSALS are `refused` (alert once); any other error is `rejected`.
 * Never throws, and never logs or returns the token.
 */
export function slackWebApi(
  token: string,
  options: Omit<SlackDeliveryOptions, 'remainingMs'> & { apiUrl?: string } = {},
): SlackApiCall {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? SLACK_MAX_ATTEMPTS;
  const baseBackoff = options.baseBackoffMs ?? SLACK_BASE_BACKOFF_MS;
  const maxBackoff = options.maxBackoffMs ?? SLACK_MAX_BACKOFF_MS;
  const maxRetryAfter = options.maxRetryAfterMs ?? SLACK_MAX_RETRY_AFTER_MS;
  const apiUrl = (options.apiUrl ?? SLACK_API_URL).replace(/\/+$/, '');

  return async (method, body, callOptions = {}) => {
    const remainingMs = callOptions.remainingMs ?? (() => Number.POSITIVE_INFINITY);
    const text = JSON.stringify(body);
    let lastReason = 'no attempt made';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let wait: number;
      try {
        const response = await doFetch(`${apiUrl}/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` },
          body: text,
          signal: AbortSignal.timeout(
            Math.max(1, Math.min(SLACK_REQUEST_TIMEOUT_MS, remainingMs() - SLACK_DEADLINE_MARGIN_MS)),
          ),
        });
        const answer = (await response.json().catch(() => undefined)) as
          { ok?: boolean; error?: string; ts?: string } | undefined;
        const error = answer?.ok === true ? undefined : (answer?.error ?? `http_${response.status}`);
        if (response.ok && answer?.ok === true && typeof answer.ts === 'string')
          return { status: 'ok', ts: answer.ts, attempts: attempt };
        if (response.status === 429 || error === 'ratelimited') {
          wait = retryAfterMs(
            response.headers.get('retry-after'),
            backoffMs(attempt, baseBackoff, maxBackoff, random),
          );
          lastReason = `${method} ratelimited (Retry-After ${response.headers.get('retry-after') ?? 'absent'})`;
          if (wait > maxRetryAfter)
            return { status: 'gave-up', reason: `${lastReason}: wait above the cap`, attempts: attempt };
        } else if (response.status >= 500 || error === 'internal_error' || error === 'fatal_error') {
          wait = backoffMs(attempt, baseBackoff, maxBackoff, random);
          lastReason = `${method} ${response.status} ${error ?? ''}`.trim();
        } else if (error !== undefined && SLACK_APP_REFUSALS.has(error)) {
          return { status: 'refused', error, attempts: attempt };
        } else {
          return { status: 'rejected', error: error ?? 'no ts in the answer', attempts: attempt };
        }
      } catch (error) {
        wait = backoffMs(attempt, baseBackoff, maxBackoff, random);
        lastReason = `${method} network: ${(error as Error)?.message ?? String(error)}`;
      }
      if (attempt === maxAttempts) break;
      if (wait + SLACK_DEADLINE_MARGIN_MS >= remainingMs()) {
        return {
          status: 'gave-up',
          reason: `${lastReason}: not enough time left before the Lambda timeout`,
          attempts: attempt,
        };
      }
      await sleep(wait);
    }
    return {
      status: 'gave-up',
      reason: `${lastReason}: ${maxAttempts} attempts used`,
      attempts: maxAttempts,
    };
  };
}
