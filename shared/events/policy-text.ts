import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Lexer, parse, YAMLParseError } from 'yaml';
import {
  MAX_POLICY_DEPTH,
  MAX_POLICY_ENTRIES,
  type ParsePolicyResult,
  parsePolicy,
} from '../domain/parse-policy';
import type { RolloutPolicy } from '../domain/types';
import { ConfigValidationError } from '../errors';

// Policy text as people write it (a file, the control API's `policy` field, an SSM parameter):
// YAML or JSON (JSON is YAML). This is the one reader of that text; the engine's `parsePolicy`
// validates what it yields.

/**
 * Largest policy text read. Bytes. A full policy is about 2 KB, and SSM holds at most 8 KB in a
 * parameter; the limit bounds what reading one costs (YAML's duplicate-key check grows with the
 * square of a mapping's keys).
 */
export const MAX_POLICY_TEXT_BYTES = 64 * 1024;

/**
 * How much YAML aliasing a policy may use (the `yaml` package's `maxAliasCount`: alias
 * resolutions weighted by the aliases inside what they name). Stops "billion laughs" expansion.
 */
export const MAX_POLICY_ALIAS_COUNT = 100;

/** The tokens of the YAML lexer that open a flow collection (`{`, `[`) or mark an entry. */
const FLOW_OPEN = new Set(['{', '[']);
const FLOW_CLOSE = new Set(['}', ']']);
const ENTRY_MARKS = new Set([':', '-', ',', '?']);

/**
 * The one problem of a policy text over its limits, found before the text is composed into YAML
 * nodes: its size, its flow nesting (`[[[[...`, which the composer would follow by recursion),
 * and its entries. Entries are counted from the lexer's indicators (`:`, `-`, `,`, `?`), at
 * most two per key or item, so more than twice `MAX_POLICY_ENTRIES` of them means more than
 * `MAX_POLICY_ENTRIES` entries. The lexer is linear and this loop stops at the first excess.
 */
export function policyTextProblem(text: string): string | undefined {
  // A character is at least one UTF-8 byte: the cheap test first.
  if (text.length > MAX_POLICY_TEXT_BYTES || Buffer.byteLength(text, 'utf8') > MAX_POLICY_TEXT_BYTES)
    return `(policy): larger than ${MAX_POLICY_TEXT_BYTES} bytes`;
  let depth = 0;
  let marks = 0;
  for (const token of new Lexer().lex(text)) {
    if (FLOW_OPEN.has(token)) {
      depth += 1;
      if (depth > MAX_POLICY_DEPTH) return `(policy): nested deeper than ${MAX_POLICY_DEPTH} levels`;
    } else if (FLOW_CLOSE.has(token)) {
      depth = Math.max(0, depth - 1);
    } else if (ENTRY_MARKS.has(token)) {
      marks += 1;
      if (marks > 2 * MAX_POLICY_ENTRIES)
        return `(policy): holds more than ${MAX_POLICY_ENTRIES} keys and list items`;
    }
  }
  return undefined;
}

/** A policy text read as YAML, before validation; or the one syntax problem. */
export type PolicyDocument = { ok: true; raw: unknown } | { ok: false; problem: string; cause: unknown };

/** Result of validating a policy text (YAML or JSON). */
export type PolicyParse = ParsePolicyResult;

/**
 * Reads policy text as YAML. Duplicate keys are errors: a repeated key must not silently win.
 * A syntax error becomes one problem, `(policy): not valid YAML or JSON at line 3, column 5: ...`,
 * with the position said once (the parser's own message repeats it). A text over the limits of
 * `policyTextProblem`, or aliased beyond `MAX_POLICY_ALIAS_COUNT`, is that one problem.
 */
export function readPolicyDocument(text: string): PolicyDocument {
  const tooBig = policyTextProblem(text);
  if (tooBig !== undefined) return { ok: false, problem: tooBig, cause: undefined };
  try {
    return {
      ok: true,
      raw: parse(text, {
        prettyErrors: true,
        strict: true,
        uniqueKeys: true,
        maxAliasCount: MAX_POLICY_ALIAS_COUNT,
      }),
    };
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message))
      return {
        ok: false,
        problem: `(policy): uses YAML aliases beyond the limit of ${MAX_POLICY_ALIAS_COUNT}`,
        cause: error,
      };
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
