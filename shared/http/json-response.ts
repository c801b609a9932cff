import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** What every control API route returns: a structured HTTP API (payload v2.0) result with a JSON body. */
export type HttpResponse = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

/** Body of every error answer; `problems` lists each thing wrong with the request, not just the first. */
export interface ErrorBody {
  error: string;
  problems?: string[];
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** Serialises `body` as the JSON answer with `statusCode`; `headers` are added to the JSON defaults. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/**
 * An error answer `{ error, problems? }`. `problems` is included only when given, so a 400 lists every
 * problem while a 404 or 409 stays a one-line `error`.
 */
export function errorResponse(
  statusCode: number,
  error: string,
  problems?: readonly string[],
  headers: Record<string, string> = {},
): HttpResponse {
  const body: ErrorBody = problems === undefined ? { error } : { error, problems: [...problems] };
  return jsonResponse(statusCode, body, headers);
}
