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
