/**
 * `rollout-watchdog` subcommand dispatch. Subcommands are imported lazily so `replay` does not
 * pay for the simulator and `validate` does not pay for the engine's hot path.
 */
import { isOperatorCommand } from '../shared/cli-client/operator-commands';
import { type CliIo, EXIT_OK, EXIT_USAGE, processIo } from './cli-io';

const USAGE = `rollout-watchdog: canary rollout watchdog for SageMaker endpoints

Usage:
  rollout-watchdog validate FILE                      check a rollout policy (YAML or JSON)
  rollout-watchdog replay --policy FILE [--evidence]  judge metrics read line by line from stdin
  rollout-watchdog simulate SCENARIO [--seed N] [--json] [--policy FILE] [--check]
                                                      play a scenario with the engine in the loop

Operator commands against a deployed (or local) control API:
  rollout-watchdog start|status|list|history|regions|pause|resume|promote|abort|rollback ...
  rollout-watchdog start ENDPOINT --model MODEL_NAME  deploy a model as the canary, then roll it out
  (run 'rollout-watchdog status --help' for their options)

  rollout-watchdog ui [--port N] [--api URL]         the live rollout page (http://127.0.0.1:8790/)
  rollout-watchdog stats [--since 30d] [--endpoint NAME] [--json]
                                                      deployment analytics: outcomes, durations,
                                                      time to detect, top rollback reasons

Against the local stage of 'npm run dev':
  rollout-watchdog dev traffic|fault|reset|status ...  switch traffic, break the canary

Run 'rollout-watchdog COMMAND --help' for a command's details, and
'rollout-watchdog --version' for the version. Documentation: docs/README.md.

Exit codes: 0 done; 1 the input was understood and found wanting (an invalid policy, a refused
command, a failed --check); 2 bad usage or an unreadable file; 3 the control API could not be
reached or failed.
`;

async function runOperatorCommand(argv: string[], io: CliIo): Promise<number> {
  const { OPERATOR_USAGE, runOperatorCli } = await import('../shared/cli-client/run-operator-cli');
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${OPERATOR_USAGE}\n`);
    return EXIT_OK;
  }
  const { readFile } = await import('node:fs/promises');
  const result = await runOperatorCli(argv, {
    env: process.env,
    readFile: (path) => readFile(path, 'utf8'),
    // start --model's progress while the canary deploys: on stderr, so stdout stays the result.
    progress: (line) => io.stderr.write(`${line}\n`),
  });
  if (result.stdout) io.stdout.write(result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`);
  if (result.stderr) io.stderr.write(result.stderr.endsWith('\n') ? result.stderr : `${result.stderr}\n`);
  return result.exitCode;
}

type Command = (args: string[], io: CliIo) => Promise<number>;

/** The `version` of the package.json beside `bin/`, read only when asked. */
async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return String(manifest.version ?? 'unknown');
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  validate: async () => (await import('./commands/validate-command')).runValidateCommand,
  replay: async () => (await import('./commands/replay-command')).runReplayCommand,
  simulate: async () => (await import('./commands/simulate-command')).runSimulateCommand,
  dev: async () => (await import('../shared/cli-client/dev-stage-cli')).runDevCommand,
  stats: async () => {
    const { runStatsCommand } = await import('../shared/cli-client/run-stats-cli');
    return (args, io) => runStatsCommand(args, { ...io, env: process.env });
  },
  ui: async () => {
    const { runUiCommand } = await import('../shared/ui/run-ui-cli');
    return (args, io) => runUiCommand(args, { ...io, env: process.env });
  },
};

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(USAGE);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout.write(`rollout-watchdog ${await packageVersion()}\n`);
    return EXIT_OK;
  }
  const load = COMMANDS[name];
  if (!load && isOperatorCommand(name)) return runOperatorCommand(argv, io);
  if (!load) {
    io.stderr.write(`rollout-watchdog: unknown command '${name}'\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  return (await load())(rest, io);
}
