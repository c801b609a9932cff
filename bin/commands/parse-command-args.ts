/** `node:util` parseArgs with the CLI's conventions: usage errors become a message, not a throw. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { describeArgsError } from '../../shared/cli-client/describe-args-error';

export type ParsedCommandArgs =
  | { ok: true; values: Record<string, string | boolean | undefined>; positionals: string[] }
  | { ok: false; message: string };

/** Parses `args` against `options`; unknown options and missing values are reported as `message`. */
export function parseCommandArgs(args: string[], options: ParseArgsConfig['options']): ParsedCommandArgs {
  try {
    const parsed = parseArgs({
      args,
      options: { help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: true,
      strict: true,
    });
    return {
      ok: true,
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    return { ok: false, message: describeArgsError(error) };
  }
}
