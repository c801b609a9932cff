import type { core } from 'zod/mini';

/** Renders a path the way the policy problems do: `a.b[2].c`; the empty path is the body itself. */
export function formatPath(path: ReadonlyArray<PropertyKey>, root = 'body'): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? root : out;
}

/**
 * Turns zod issues into `path: message` lines, one per problem. Unknown keys become one line per key
 * (a typo must be named, not summarised) and `prefix` is prepended to every path.
 */
export function formatIssues(issues: ReadonlyArray<core.$ZodIssue>, prefix = ''): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.push(`${prefix}${formatPath([...issue.path, key])}: unknown key`);
      continue;
    }
    problems.push(`${prefix}${formatPath(issue.path)}: ${issue.message}`);
  }
  return problems;
}
