import type { IdentityCarrier } from '../http/operator-identity';
import { isJsonObject } from '../domain/is-json-object';

// The control API's inbound edge: an API Gateway HTTP API (payload 2.0) event and its JSON body.
// Checked by hand rather than with @aws-lambda-powertools/parser's APIGatewayProxyEventV2Schema:
// that schema needs the full `zod` (hundreds of KB in the bundle) and refuses an event missing any
// of the fields API Gateway sends, where the control API reads a few and answers the rest with 400.

/** The parts of an API Gateway HTTP API (payload 2.0) event the control API reads. */
export interface ControlApiEvent extends IdentityCarrier {
  rawPath?: string;
  body?: string | null;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext?: IdentityCarrier['requestContext'] & {
    http?: { method?: string; path?: string };
    requestId?: string;
    timeEpoch?: number;
  };
}

const stringsOnly = (value: unknown): Record<string, string> | undefined =>
  isJsonObject(value)
    ? Object.fromEntries(
        Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      )
    : undefined;

/**
 * The request of an HTTP API event, keeping only the fields of the shapes API Gateway sends, so a
 * hand-made or foreign event (null, a number where a string belongs) is answered like any bad
 * request instead of crashing a lookup.
 */
export function parseHttpApiEvent(event: unknown): ControlApiEvent {
  if (!isJsonObject(event)) return {};
  const context = isJsonObject(event.requestContext) ? event.requestContext : {};
  const http = isJsonObject(context.http) ? context.http : {};
  const authorizer = isJsonObject(context.authorizer) ? context.authorizer : {};
  const iam = isJsonObject(authorizer.iam) ? authorizer.iam : {};
  const out: ControlApiEvent = {
    requestContext: {
      http: {
        ...(typeof http.method === 'string' ? { method: http.method } : {}),
        ...(typeof http.path === 'string' ? { path: http.path } : {}),
      },
      ...(typeof context.requestId === 'string' ? { requestId: context.requestId } : {}),
      ...(typeof context.timeEpoch === 'number' ? { timeEpoch: context.timeEpoch } : {}),
      ...(typeof iam.userArn === 'string' ? { authorizer: { iam: { userArn: iam.userArn } } } : {}),
    },
  };
  if (typeof event.rawPath === 'string') out.rawPath = event.rawPath;
  if (typeof event.body === 'string') out.body = event.body;
  if (event.isBase64Encoded === true) out.isBase64Encoded = true;
  const headers = stringsOnly(event.headers);
  if (headers) out.headers = headers;
  const query = stringsOnly(event.queryStringParameters);
  if (query) out.queryStringParameters = query;
  return out;
}

/** The parts of an HTTP API event that carry the request body. */
export interface BodyCarrier {
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** A parsed body, or the one problem that kept it from parsing. An absent or blank body is `undefined`. */
export type JsonBodyResult = { ok: true; value: unknown } | { ok: false; problem: string };

/**
 * Decodes (base64 when `isBase64Encoded`) and parses the request body as JSON. Malformed JSON is a
 * returned problem with the parser's position, never a throw, so the caller answers 400.
 */
export function readJsonBody(event: BodyCarrier): JsonBodyResult {
  const raw = event.body;
  if (raw === undefined || raw === null) return { ok: true, value: undefined };
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: `body: malformed JSON (${detail})` };
  }
}
