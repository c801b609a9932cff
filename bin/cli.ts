/**
 * `rollout-watchdog` subcommand dispatch. Subcommands are imported lazily so `replay` does not
 * pay for the simulator and `validate` does not pay for the engine's hot path.
 */
import { type CliIo, EXIT_OK, EXIT_USAGE, processIo } from './cli-io';

const USAGE = `rollout-watchdog: canary rollout watchdog for SageMaker endpoints

Usage:
  rollout-watchdog validate FILE                      check a rollout policy (YAML or JSON)
  rollout-watchdog replay --policy FILE [--evidence]  judge metrics read line by line from stdin
  rollout-watchdog simulate SCENARIO [--seed N] [--json] [--policy FILE] [--check]
                                                      play a scenario with the engine in the loop

Run 'rollout-watchdog COMMAND --help' for a command's details.
`;

type Command = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  validate: async () => (await import('./commands/validate-command')).runValidateCommand,
  replay: async () => (await import('./commands/replay-command')).runReplayCommand,
  simulate: async () => (await import('./commands/simulate-command')).runSimulateCommand,
};

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(USAGE);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`rollout-watchdog: unknown command '${name}'\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  return (await load())(rest, io);
}
