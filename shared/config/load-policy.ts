import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parsePolicy } from '../domain/parse-policy';
import type { RolloutPolicy } from '../domain/types';
import { ConfigValidationError } from '../errors';
import { readPolicyDocument } from '../policy/read-policy-document';

/**
 * Parses policy text (YAML; JSON is valid YAML) and validates it. Throws `ConfigValidationError`
 * listing every problem by path; a YAML syntax error is the one problem
 * (`(policy): not valid YAML or JSON at line 3, column 5: ...`) with the parser's error as `cause`.
 * Inputs: `text`, and `source` (a file name) to say where the policy came from in the message.
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
