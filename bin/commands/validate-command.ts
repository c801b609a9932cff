/**
 * `rollout-watchdog validate FILE`: every problem of an invalid policy, one per line by path, on
 * standard output (like a linter's findings) with exit code 1; or the plan in one line and 0,
 * after any warnings (a valid plan that is probably not what was meant).
 */
import { describePolicy } from '../../shared/domain/index';
import { describeHook } from '../../shared/wording/describe-policy';
import { regionArtifactProblems } from '../../shared/domain/region-artifacts';
import { type CliIo, EXIT_INVALID, EXIT_OK, EXIT_USAGE } from '../cli-io';
import { loadPolicyOrProblems } from './load-policy-or-problems';
import { parseCommandArgs } from './parse-command-args';

const HELP = `Usage: rollout-watchdog validate FILE

Checks a rollout policy (YAML or JSON) as a whole; the fields are in docs/policy-reference.md.
  valid:    prints any warnings ('warning: path: message'), then a one-line summary of the plan
            and, indented below it, one line per hook
  invalid:  prints every problem, one per line as 'path: message'

Exit codes: 0 valid (warnings or not); 1 invalid; 2 bad usage or a file that cannot be read.
`;

/** Runs `validate` with `args` (after the command name). */
export async function runValidateCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, {});
  if (!parsed.ok) {
    io.stderr.write(`validate: ${parsed.message}\n\n${HELP}`);
    return EXIT_USAGE;
  }
  if (parsed.values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) {
    io.stderr.write(`validate: expected exactly one FILE\n\n${HELP}`);
    return EXIT_USAGE;
  }
  const loaded = loadPolicyOrProblems(file);
  // Regions without an artifact mapping are refused here, where a policy is checked before it is
  // used; replay and simulate run the engine alone and do not need them.
  const unmapped = loaded.ok ? regionArtifactProblems(loaded.policy) : [];
  const result =
    loaded.ok && unmapped.length > 0
      ? { ok: false as const, kind: 'invalid' as const, problems: unmapped }
      : loaded;
  if (result.ok) {
    for (const warning of result.warnings) io.stdout.write(`warning: ${warning}\n`);
    io.stdout.write(`valid: ${describePolicy(result.policy)}\n`);
    for (const hook of result.policy.hooks ?? []) io.stdout.write(`  hook ${describeHook(hook)}\n`);
    return EXIT_OK;
  }
  if (result.kind === 'unreadable') {
    io.stderr.write(`${result.problems.join('\n')}\n`);
    return EXIT_USAGE;
  }
  io.stdout.write(`${result.problems.join('\n')}\n`);
  io.stderr.write(
    `${file}: invalid policy (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'})\n`,
  );
  return EXIT_INVALID;
}
