/**
 * `rollout-watchdog simulate SCENARIO`: plays a scenario file with the engine in the loop and
 * prints the rollout minute by minute, then its scores (or the whole run as JSON).
 */

import {
  formatScores,
  formatTimelineEntry,
  formatTimelineHeader,
} from '../../shared/simulation/format-timeline';
import { runScenario } from '../../shared/simulation/run-scenario';
import { loadScenarioFile, ScenarioValidationError } from '../../shared/simulation/scenario-schema';
import { type CliIo, EXIT_INVALID, EXIT_OK, EXIT_USAGE } from '../cli-io';
import { BLUE_GREEN_NOT_PLAYED } from '../../shared/wording/describe-blue-green';
import { loadPolicyOrProblems } from './load-policy-or-problems';
import { parseCommandArgs } from './parse-command-args';
import { readInputFile } from './read-input-file';

const HELP = `Usage: rollout-watchdog simulate SCENARIO [--seed N] [--json] [--policy FILE] [--check]

Plays a scenario file through the rollout engine: the weights the engine returns after each
minute split the next minute's simulated traffic. The project's catalogue is in scenarios/ (the
file format and the scores are described in scenarios/README.md).

Options:
  --seed N        seed of the traffic simulation (default: the scenario's own)
  --policy FILE   policy to use (default: the scenario's 'policy', relative to its folder)
  --json          print the whole run (timeline and scores) as one JSON document
  --check         exit 1 when the outcome differs from the scenario's expect.outcome

Exit codes: 0 played (and, with --check, ended as expected); 1 with --check, ended otherwise;
2 bad usage, an unreadable or invalid scenario or policy.
`;

/** Runs `simulate` with `args` (after the command name). */
export async function runSimulateCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, {
    seed: { type: 'string' },
    json: { type: 'boolean' },
    policy: { type: 'string' },
    check: { type: 'boolean' },
  });
  if (!parsed.ok) {
    io.stderr.write(`simulate: ${parsed.message}\n\n${HELP}`);
    return EXIT_USAGE;
  }
  if (parsed.values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  const [file, ...extra] = parsed.positionals;
  const seedText = parsed.values.seed;
  const seed = typeof seedText === 'string' ? Number(seedText) : undefined;
  if (file === undefined || extra.length > 0) {
    io.stderr.write(`simulate: expected one SCENARIO file\n\n${HELP}`);
    return EXIT_USAGE;
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    io.stderr.write(`simulate: --seed must be a whole number, got "${String(seedText)}"\n\n${HELP}`);
    return EXIT_USAGE;
  }
  const readable = readInputFile(file, 'scenario');
  if (!readable.ok) {
    io.stderr.write(`${readable.message}\n`);
    return EXIT_USAGE;
  }
  let scenario: ReturnType<typeof loadScenarioFile>;
  try {
    scenario = loadScenarioFile(file);
  } catch (error) {
    if (!(error instanceof ScenarioValidationError)) throw error;
    io.stderr.write(`${file}: invalid scenario\n${error.problems.join('\n')}\n`);
    return EXIT_USAGE;
  }
  const policyFile = typeof parsed.values.policy === 'string' ? parsed.values.policy : scenario.policyPath;
  if (!policyFile) {
    io.stderr.write('simulate: the scenario names no policy; pass --policy FILE\n');
    return EXIT_USAGE;
  }
  const loaded = loadPolicyOrProblems(policyFile);
  if (!loaded.ok) {
    const heading = loaded.kind === 'invalid' ? `${policyFile}: invalid policy\n` : '';
    io.stderr.write(`${heading}${loaded.problems.join('\n')}\n`);
    return EXIT_USAGE;
  }
  if (loaded.policy.blueGreen) {
    io.stderr.write(`simulate: ${BLUE_GREEN_NOT_PLAYED}\n`);
    return EXIT_USAGE;
  }
  const json = parsed.values.json === true;
  if (!json) {
    io.stdout.write(`${scenario.name}: ${scenario.description}\n${formatTimelineHeader()}\n`);
  }
  const run = runScenario(scenario, loaded.policy, {
    ...(seed === undefined ? {} : { seed }),
    ...(json ? {} : { onMinute: (entry) => io.stdout.write(`${formatTimelineEntry(entry)}\n`) }),
  });
  if (json) io.stdout.write(`${JSON.stringify(run)}\n`);
  else io.stdout.write(`\n${formatScores(run.scores).join('\n')}\n`);
  return parsed.values.check === true && run.scores.matchesExpectation === false ? EXIT_INVALID : EXIT_OK;
}
