/** Loads a policy file for a command, turning every failure into lines a person can act on. */
import { loadPolicyFileSync } from '../../shared/config/load-policy';
import type { RolloutPolicy } from '../../shared/domain/types';

export type PolicyLoadResult =
  | { ok: true; policy: RolloutPolicy }
  /** `invalid`: the file was read and refused (problems by path); `unreadable`: it could not be read at all. */
  | { ok: false; kind: 'invalid' | 'unreadable'; problems: string[] };

/** Reads and validates the policy at `path`. Never throws for a bad or missing file. */
export function loadPolicyOrProblems(path: string): PolicyLoadResult {
  try {
    return { ok: true, policy: loadPolicyFileSync(path) };
  } catch (error) {
    const problems = (error as { problems?: unknown }).problems;
    if (Array.isArray(problems)) return { ok: false, kind: 'invalid', problems: problems.map(String) };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      return { ok: false, kind: 'unreadable', problems: [`${path}: cannot read (${code})`] };
    }
    throw error;
  }
}
