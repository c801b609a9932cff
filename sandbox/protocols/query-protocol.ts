/**
 * The awsQuery protocol (SNS): form-encoded requests with flattened keys
 * (`Attributes.entry.1.key`, `MessageAttributes.entry.1.Value.StringValue`, `Names.member.1`) and
 * XML replies wrapped in `<OpResponse><OpResult>`; errors as `<ErrorResponse><Error>`.
 */
import type { AwsError } from '../aws-error';
import type { EncodedResponse } from './json-protocol';

type Tree = { [key: string]: Tree | string };

/**
 * Decodes a form body into `{ action, version, input }`, unflattening lists (`X.member.N` → array)
 * and maps (`X.entry.N.key/value` or `.Name/.Value` → object).
 */
export function decodeQueryRequest(body: string): {
  action?: string;
  version?: string;
  input: Record<string, unknown>;
} {
  const params = new URLSearchParams(body);
  // Null-prototype nodes: a key like `__proto__.x` must not reach Object.prototype.
  const root: Tree = Object.create(null);
  let action: string | undefined;
  let version: string | undefined;
  for (const [key, value] of params) {
    if (key === 'Action') action = value;
    else if (key === 'Version') version = value;
    else setPath(root, key.split('.'), value);
  }
  return { action, version, input: normalise(root) as Record<string, unknown> };
}

function setPath(node: Tree, path: string[], value: string): void {
  let current = node;
  for (const [i, segment] of path.entries()) {
    if (i === path.length - 1) {
      current[segment] = value;
      return;
    }
    const next = current[segment];
    if (typeof next === 'object') current = next;
    else {
      const created: Tree = Object.create(null);
      current[segment] = created;
      current = created;
    }
  }
}

function normalise(node: Tree | string): unknown {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === 'member') return indexed(node.member!).map(normalise);
  if (keys.length === 1 && keys[0] === 'entry') {
    const map: Record<string, unknown> = {};
    for (const entry of indexed(node.entry!)) {
      if (typeof entry === 'string') continue;
      const key = entry.key ?? entry.Name;
      const value = entry.value ?? entry.Value;
      if (typeof key === 'string' && value !== undefined) map[key] = normalise(value);
    }
    return map;
  }
  return Object.fromEntries(keys.map((k) => [k, normalise(node[k]!)]));
}

function indexed(node: Tree | string): (Tree | string)[] {
  if (typeof node === 'string') return [node];
  return Object.keys(node)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => node[k]!);
}

/** Escapes text for XML element content. */
export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"\r]/g, (c) =>
    c === '<'
      ? '&lt;'
      : c === '>'
        ? '&gt;'
        : c === '&'
          ? '&amp;'
          : c === "'"
            ? '&apos;'
            : c === '"'
              ? '&quot;'
              : '&#13;',
  );
}

/** A map member (`Attributes`) that awsQuery writes as `<entry><key/><value/></entry>` elements. */
export class QueryMap {
  constructor(readonly values: Readonly<Record<string, string>>) {}
}

/** Serialises a plain value: arrays as `<member>` lists, objects as child elements, Dates as ISO 8601. */
function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof QueryMap) {
    return Object.entries(value.values)
      .map(([k, v]) => `<entry><key>${xmlEscape(k)}</key><value>${xmlEscape(v)}</value></entry>`)
      .join('');
  }
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return xmlEscape(String(value));
}

/** Encodes `output` as `<ActionResponse xmlns><ActionResult>…</ActionResult><ResponseMetadata>`. */
export function encodeQuerySuccess(
  action: string,
  output: unknown,
  xmlNamespace: string,
  requestId: string,
): EncodedResponse {
  const result = output && typeof output === 'object' && Object.keys(output).length > 0 ? toXml(output) : '';
  const body =
    `<?xml version="1.0"?>\n<${action}Response xmlns="${xmlNamespace}">` +
    `<${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { statusCode: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

/** Encodes an error as awsQuery's `<ErrorResponse>`. */
export function encodeQueryError(error: AwsError, xmlNamespace: string, requestId: string): EncodedResponse {
  const body =
    `<?xml version="1.0"?>\n<ErrorResponse xmlns="${xmlNamespace}"><Error>` +
    `<Type>${error.senderFault ? 'Sender' : 'Receiver'}</Type><Code>${xmlEscape(error.code)}</Code>` +
    `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return {
    statusCode: error.statusCode,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body,
  };
}
