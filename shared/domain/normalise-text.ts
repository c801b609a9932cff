/**
 * Characters that show nothing: whitespace (which `\s` covers, NBSP and BOM included) plus the
 * format characters `\s` leaves out — soft hyphen, Mongolian vowel separator, zero-width space,
 * ZWNJ, ZWJ, LRM/RLM, word joiner and the invisible operators.
 */
const INVISIBLE_AT_ENDS =
  /^[\s\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]+|[\s\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]+$/g;

/**
 * Operator text as it is stored and compared: Unicode NFC, with whitespace and invisible
 * characters removed from both ends, so a text made only of them becomes empty.
 */
export function normaliseText(text: string): string {
  return text.normalize('NFC').replace(INVISIBLE_AT_ENDS, '');
}

/**
 * A non-negative integer written with decimal digits only (no sign, exponent, `0x`, dot or
 * spaces); `undefined` for anything else, or for a value beyond `Number.MAX_SAFE_INTEGER`.
 */
export function parseDecimalInteger(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
