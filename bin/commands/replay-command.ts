/**
 * `rollout-watchdog replay --policy FILE` (the protocol is docs/replay-protocol.md): reads metrics from standard input line by
 * line and answers each line at once on standard output. Answers are written as each line is
 * read, never batched: the caller may wait for an answer before it sends the next line. See
 * `createReplaySession` for how malformed lines, empty lines and commands are answered.
 */
import { createInterface } from 'node:readline';
import { createReplaySession } from '../../shared/simulation/replay-session';
import { type CliIo, EXIT_OK, EXIT_USAGE } from '../cli-io';
import { BLUE_GREEN_NOT_PLAYED } from '../../shared/wording/describe-blue-green';
import { loadPolicyOrProblems } from './load-policy-or-problems';
import { parseCommandArgs } from './parse-command-args';

const HELP = `Usage: rollout-watchdog replay --policy FILE [--evidence]

Runs the rollout engine over per-period metrics read from standard input, one JSON object per
line, and writes one JSON answer per input line to standard output at once:
  {"time","phase","stepIndex","weights","action","reason"}
(plus "shadowPercent" while a shadow phase runs: the share of requests to copy to the new model).
The rollout starts at the first valid line's time. A malformed line gets an error object on
standard error and an answer that repeats the current state (action "hold", reason
"malformed input: ..."); the state does not change. Empty lines are ignored.
An input line may carry "command": {"type": "pause"|"resume"|"promote"|"abort"|"rollback", "reason"}
to apply an operator command at that time.

Options:
  --policy FILE   the rollout policy (YAML or JSON); an invalid one exits 2 before reading
  --evidence      add each decision's evidence to the answers

Exit codes: 0 when standard input ends; 2 for bad usage, an unreadable policy file or an
invalid policy (before any input is read).
The line formats are in docs/replay-protocol.md.
`;

/** Runs `replay`; resolves with the exit code when standard input ends. */
export async function runReplayCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { policy: { type: 'string' }, evidence: { type: 'boolean' } });
  if (!parsed.ok) {
    io.stderr.write(`replay: ${parsed.message}\n\n${HELP}`);
    return EXIT_USAGE;
  }
  if (parsed.values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  const file = parsed.values.policy;
  if (typeof file !== 'string' || parsed.positionals.length > 0) {
    io.stderr.write(`replay: --policy FILE is required (and nothing else)\n\n${HELP}`);
    return EXIT_USAGE;
  }
  const loaded = loadPolicyOrProblems(file);
  if (!loaded.ok) {
    const error = loaded.kind === 'unreadable' ? 'unreadable policy file' : 'invalid policy';
    io.stderr.write(`${JSON.stringify({ error, file, problems: loaded.problems })}\n`);
    return EXIT_USAGE;
  }
  if (loaded.policy.blueGreen) {
    io.stderr.write(
      `${JSON.stringify({ error: 'not replayed', file, problems: [BLUE_GREEN_NOT_PLAYED] })}\n`,
    );
    return EXIT_USAGE;
  }
  const session = createReplaySession(loaded.policy, { includeEvidence: parsed.values.evidence === true });
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  lines.on('line', (text) => {
    const answer = session.handleLine(text);
    if (!answer) return;
    if (answer.error) io.stderr.write(`${JSON.stringify(answer.error)}\n`);
    io.stdout.write(`${JSON.stringify(answer.output)}\n`);
  });
  await new Promise<void>((resolve) => lines.once('close', resolve));
  return EXIT_OK;
}
