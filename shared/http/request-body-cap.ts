import type { BodyCarrier } from '../events/http-api-event';

/** The control API's request body cap when the stage sets none (`MAX_REQUEST_BODY_BYTES`). Bytes. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 256 * 1024;

/**
 * The size of the request body in bytes as the client sent it: for a base64-encoded body, what it
 * decodes to (computed from its length, without decoding). 0 when there is none.
 */
export function requestBodyBytes(event: BodyCarrier): number {
  const raw = event.body;
  if (typeof raw !== 'string' || raw === '') return 0;
  if (!event.isBase64Encoded) return Buffer.byteLength(raw, 'utf8');
  const padding = raw.endsWith('==') ? 2 : raw.endsWith('=') ? 1 : 0;
  return Math.floor((raw.length * 3) / 4) - padding;
}

/**
 * The error of a body over `maxBytes`, or undefined. Checked before the body is decoded or
 * parsed, so what a request makes the function hold is bounded by the cap, whatever it carries.
 */
export function bodyOverCap(event: BodyCarrier, maxBytes: number): string | undefined {
  const size = requestBodyBytes(event);
  return size > maxBytes ? `request body is ${size} bytes; the limit is ${maxBytes} bytes` : undefined;
}
