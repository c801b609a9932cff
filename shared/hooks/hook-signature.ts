import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the request's time, epoch seconds (part of what is signed). */
export const HOOK_TIMESTAMP_HEADER = 'X-Rollout-Watchdog-Timestamp';
/** Header carrying `sha256=<hex HMAC-SHA256(key, timestamp + "." + body)>`. */
export const HOOK_SIGNATURE_HEADER = 'X-Rollout-Watchdog-Signature';

/**
 * The signature header's value for `body` sent at `timestamp` (epoch seconds): `sha256=` and the
 * hex HMAC-SHA256 of `timestamp.body` under `key`. The timestamp is signed with the body so a
 * receiver can refuse a replayed old request.
 */
export function signHookBody(key: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** True when `signature` is the one `signHookBody` gives (compared in constant time). */
export function verifyHookSignature(
  key: string,
  timestamp: string,
  body: string,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  const expected = Buffer.from(signHookBody(key, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
