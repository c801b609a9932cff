/** Loads a policy file for a command, turning every failure into lines a person can act on. */
import type { RolloutPolicy } from '../../shared/domain/types';
import { MAX_POLICY_TEXT_BYTES, parsePolicyText } from '../../shared/events/policy-text';
import { readInputFile } from './read-input-file';

export type PolicyLoadResult =
  | { ok: true; policy: RolloutPolicy; warnings: string[] }
  /** `invalid`: the file was read and refused (problems by path); `unreadable`: it could not be read at all. */
  | { ok: false; kind: 'invalid' | 'unreadable'; problems: string[] };

/** Reads and validates the policy at `path`. Never throws for a bad or missing file. */
export function loadPolicyOrProblems(path: string): PolicyLoadResult {
  const file = readInputFile(path, 'policy', MAX_POLICY_TEXT_BYTES);
  if (!file.ok) return { ok: false, kind: 'unreadable', problems: [file.message] };
  const parsed = parsePolicyText(file.text);
  return parsed.ok ? parsed : { ok: false, kind: 'invalid', problems: parsed.problems };
}
