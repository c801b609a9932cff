/**
 * AWS JSON 1.0 / 1.1 as the SDK v3 clients read it: success bodies are plain JSON with timestamps as
 * epoch seconds; errors carry `__type` and `message` in the body plus `x-amzn-errortype`, and for
 * query-compatible services (CloudWatch) also `x-amzn-query-error: Code;Sender|Receiver`, which the
 * client uses to pick the exception class by its awsQuery code.
 */
import type { AwsError } from '../aws-error';

export interface EncodedResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** JSON replacer that writes `Date`s as epoch seconds (what the JSON protocols use for timestamps). */
function replacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Date) return raw.getTime() / 1000;
  return value;
}

/** Encodes an operation's output; `version` is `1.0` or `1.1` (the content type the client sent). */
export function encodeJsonSuccess(output: unknown, version: string, requestId: string): EncodedResponse {
  return {
    statusCode: 200,
    headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-requestid': requestId },
    body: JSON.stringify(output ?? {}, replacer),
  };
}

/**
 * Encodes an `AwsError`; `queryCompatible` adds the header query-compatible clients resolve error
 * classes with (sent whenever the request carried `x-amzn-query-mode: true`).
 */
export function encodeJsonError(
  error: AwsError,
  version: string,
  requestId: string,
  queryCompatible: boolean,
): EncodedResponse {
  const headers: Record<string, string> = {
    'content-type': `application/x-amz-json-${version}`,
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': error.code,
  };
  if (queryCompatible)
    headers['x-amzn-query-error'] = `${error.code};${error.senderFault ? 'Sender' : 'Receiver'}`;
  return {
    statusCode: error.statusCode,
    headers,
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}
