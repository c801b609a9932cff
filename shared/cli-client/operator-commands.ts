/**
 * The operator subcommands the control API client serves. A module of its own, with no imports,
 * so the `bin/` entry can route a command here without loading the client at start-up.
 */
export const OPERATOR_COMMANDS = [
  'start',
  'status',
  'list',
  'history',
  'pause',
  'resume',
  'promote',
  'abort',
  'rollback',
  'regions',
] as const;

export type OperatorCliCommand = (typeof OPERATOR_COMMANDS)[number];

/** True when `name` is one of the subcommands `runOperatorCli` handles. */
export function isOperatorCommand(name: string | undefined): name is OperatorCliCommand {
  return (OPERATOR_COMMANDS as ReadonlyArray<string>).includes(name ?? '');
}
