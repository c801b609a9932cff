import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';
import { parsePolicy } from '../domain/parse-policy';
import type { RolloutPolicy } from '../domain/types';
import { ConfigValidationError } from '../errors';

/**
 * Parses policy text (YAML; JSON is valid YAML) and validates it. Throws `ConfigValidationError`
 * listing every problem by path; a YAML syntax error is one more problem (`line 3, column 5: ...`)
 * with the parser's error as `cause`.
 * Inputs: `text`, and `source` (a file name) to say where the policy came from in the message.
 */
export function loadPolicyText(text: string, source?: string): RolloutPolicy {
  let raw: unknown;
  try {
    // Duplicate keys are errors in `yaml` by default: a repeated key must not silently win.
    raw = parse(text, { prettyErrors: true, strict: true, uniqueKeys: true });
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos?.[0]
        ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : '(policy)';
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigValidationError([`${where}: not valid YAML or JSON: ${message}`], {
      cause: error,
      ...(source ? { source } : {}),
    });
  }
  const result = parsePolicy(raw);
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
