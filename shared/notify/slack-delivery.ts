import type { SlackPayload } from './render-slack';

/** Attempts per message, first one included. */
export const SLACK_MAX_ATTEMPTS = 4;
/** First backoff after a 5xx or network error, in milliseconds (doubles, full jitter). */
export const SLACK_BASE_BACKOFF_MS = 250;
/** Longest single backoff after a 5xx or network error, in milliseconds. */
export const SLACK_MAX_BACKOFF_MS = 4_000;
/** Longest `Retry-After` the notifier honours, in milliseconds; a longer one gives up. */
export const SLACK_MAX_RETRY_AFTER_MS = 20_000;
/** Time kept free before the Lambda timeout, in milliseconds, so the function ends cleanly. */
export const SLACK_DEADLINE_MARGIN_MS = 2_000;
/** Timeout of one webhook POST, in milliseconds. */
export const SLACK_REQUEST_TIMEOUT_MS = 5_000;

/** Statuses Slack uses for a webhook that will never work again (revoked, archived, prohibited). */
const PERMANENT_STATUSES = new Set([403, 404, 410]);

export type SlackDeliveryOutcome =
  | { status: 'delivered'; attempts: number }
  /** 403/404/410: the webhook is gone; retrying cannot help. */
  | { status: 'permanent'; httpStatus: number; body: string; attempts: number }
  /** 400 (or another 4xx): Slack refused this payload; retrying the same payload cannot help. */
  | { status: 'rejected'; httpStatus: number; body: string; attempts: number }
  /** 429/5xx/network errors that outlasted the attempts or the time left. */
  | { status: 'gave-up'; reason: string; attempts: number };

export interface SlackDeliveryOptions {
  fetch?: typeof fetch;
  /** Waits `ms` milliseconds (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
  /** Uniform random in [0, 1) for jitter. */
  random?: () => number;
  /** Milliseconds left before the Lambda times out (default: unbounded). */
  remainingMs?: () => number;
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  maxRetryAfterMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * POSTs `payload` to a Slack incoming webhook. Decided by the HTTP status: 2xx delivered;
 * 403/404/410 permanent (no retry); other 4xx except 429 rejected (no retry); 429 waits
 * `Retry-After` seconds (capped by `maxRetryAfterMs` and by `remainingMs` minus a margin, else
 * gives up at once rather than burn the Lambda's time); 5xx and network errors back off with
 * full jitter. Never throws: `gave-up` is for the caller to keep (the Slack notifier's handler
 * throws so Lambda retries the invocation and then keeps it on the failure queue).
 */
export async function postToSlack(
  url: string,
  payload: SlackPayload,
  options: SlackDeliveryOptions = {},
): Promise<SlackDeliveryOutcome> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const remainingMs = options.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const maxAttempts = options.maxAttempts ?? SLACK_MAX_ATTEMPTS;
  const baseBackoff = options.baseBackoffMs ?? SLACK_BASE_BACKOFF_MS;
  const maxBackoff = options.maxBackoffMs ?? SLACK_MAX_BACKOFF_MS;
  const maxRetryAfter = options.maxRetryAfterMs ?? SLACK_MAX_RETRY_AFTER_MS;
  const body = JSON.stringify(payload);
  let lastReason = 'no attempt made';

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let wait: number;
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(
          Math.max(1, Math.min(SLACK_REQUEST_TIMEOUT_MS, remainingMs() - SLACK_DEADLINE_MARGIN_MS)),
        ),
      });
      const text = await response.text().catch(() => '');
      if (response.ok) return { status: 'delivered', attempts: attempt };
      if (PERMANENT_STATUSES.has(response.status)) {
        return {
          status: 'permanent',
          httpStatus: response.status,
          body: text.slice(0, 200),
          attempts: attempt,
        };
      }
      if (response.status === 429) {
        // Slack always sends Retry-After; without one, back off as for a 5xx rather than hammer it.
        wait = retryAfterMs(
          response.headers.get('retry-after'),
          backoffMs(attempt, baseBackoff, maxBackoff, random),
        );
        lastReason = `429 ${text.slice(0, 100)} (Retry-After ${response.headers.get('retry-after') ?? 'absent'})`;
        if (wait > maxRetryAfter)
          return { status: 'gave-up', reason: `${lastReason}: wait above the cap`, attempts: attempt };
      } else if (response.status >= 500) {
        wait = backoffMs(attempt, baseBackoff, maxBackoff, random);
        lastReason = `${response.status} ${text.slice(0, 100)}`;
      } else {
        return {
          status: 'rejected',
          httpStatus: response.status,
          body: text.slice(0, 200),
          attempts: attempt,
        };
      }
    } catch (error) {
      wait = backoffMs(attempt, baseBackoff, maxBackoff, random);
      lastReason = `network: ${(error as Error)?.message ?? String(error)}`;
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
  return { status: 'gave-up', reason: `${lastReason}: ${maxAttempts} attempts used`, attempts: maxAttempts };
}

/** `Retry-After` in seconds (Slack sends an integer) or an HTTP date, in ms; fallback when absent. */
export function retryAfterMs(header: string | null, fallbackMs: number): number {
  if (header === null || header.trim() === '') return fallbackMs;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : fallbackMs;
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^(attempt-1))]. */
export function backoffMs(attempt: number, base: number, max: number, random: () => number): number {
  return Math.floor(random() * Math.min(max, base * 2 ** (attempt - 1)));
}

/** The shape of a payload without its content, for logging a 400 (no secrets, no message text). */
export function describePayloadShape(payload: SlackPayload): Record<string, unknown> {
  return {
    textLength: payload.text.length,
    attachments: payload.attachments.map((a) => ({
      color: a.color,
      blocks: a.blocks.map((b) => {
        if (b.type === 'section')
          return { type: b.type, textLength: b.text?.text.length ?? 0, fields: b.fields?.length ?? 0 };
        if (b.type === 'header') return { type: b.type, textLength: b.text.text.length };
        if (b.type === 'context') return { type: b.type, elements: b.elements.length };
        return { type: b.type };
      }),
    })),
    bytes: Buffer.byteLength(JSON.stringify(payload), 'utf8'),
  };
}
