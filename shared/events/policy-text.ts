import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';
import { type ParsePolicyResult, parsePolicy } from '../domain/parse-policy';
import type { RolloutPolicy } from '../domain/types';
import { ConfigValidationError } from '../errors';

// Policy text as people write it (a file, the control API's `policy` field, an SSM parameter):
// YAML or JSON (JSON is YAML). This is the one reader of that text; the engine's `parsePolicy`
// validates what it yields.

/** A policy text read as YAML, before validation; or the one syntax problem. */
export type PolicyDocument = { ok: true; raw: unknown } | { ok: false; problem: string; cause: unknown };

/** Result of validating a policy text (YAML or JSON). */
export type PolicyParse = ParsePolicyResult;

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

/**
 * Parses a policy text, YAML or JSON, into a validated policy or every problem found; a YAML
 * syntax error is one problem.
 */
export function parsePolicyText(text: string): PolicyParse {
  const document = readPolicyDocument(text);
  return document.ok ? parsePolicy(document.raw) : { ok: false, problems: [document.problem] };
}

/**
 * `parsePolicyText` for callers that want the policy or an exception: throws
 * `ConfigValidationError` listing every problem by path; a YAML syntax error is the one problem,
 * with the parser's error as `cause`. `source` (a file name) says where the policy came from.
 */
export function loadPolicyText(text: string, source?: string): RolloutPolicy {
  const document = readPolicyDocument(text);
  if (!document.ok) {
    throw new ConfigValidationError([document.problem], {
      cause: document.cause,
      ...(source ? { source } : {}),
    });
  }
  const result = parsePolicy(document.raw);
  if (!result.ok) throw new ConfigValidationError(result.problems, source ? { source } : {});
  return result.policy;
}

/** Reads and validates a policy file (YAML or JSON). Throws `ConfigValidationError`, or the read error if the file cannot be read. */
export async function loadPolicyFile(path: string): Promise<RolloutPolicy> {
  const text = await readFile(path, 'utf8');
  return loadPolicyText(text, path);
}

/** Synchronous `loadPolicyFile`, for command-line start-up where nothing else is waiting. */
export function loadPolicyFileSync(path: string): RolloutPolicy {
  return loadPolicyText(readFileSync(path, 'utf8'), path);
}
