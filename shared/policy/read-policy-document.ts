import { parse, YAMLParseError } from 'yaml';

/** A policy text read as YAML (JSON is YAML), before validation; or the one syntax problem. */
export type PolicyDocument = { ok: true; raw: unknown } | { ok: false; problem: string; cause: unknown };

/**
 * Reads policy text as YAML. Duplicate keys are errors: a repeated key must not silently win.
 * A syntax error becomes one problem, `(policy): not valid YAML or JSON at line 3, column 5: ...`,
 * with the position said once (the parser's own message repeats it).
 */
export function readPolicyDocument(text: string): PolicyDocument {
  try {
    return { ok: true, raw: parse(text, { prettyErrors: true, strict: true, uniqueKeys: true }) };
  } catch (error) {
    const position = error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
    const where = position ? ` at line ${position.line}, column ${position.col}` : '';
    const firstLine = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    const message = firstLine.replace(/ at line \d+, column \d+:?\s*$/, '');
    return { ok: false, problem: `(policy): not valid YAML or JSON${where}: ${message}`, cause: error };
  }
}
