/**
 * Turns an error of `node:util` parseArgs into one line in the CLI's own words. Node's messages
 * are written for programmers ("To specify a positional argument starting with a '-', ...") and
 * run over several lines.
 */
export function describeArgsError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const option = /'(-{1,2}[^' <]+)/.exec(message)?.[1] ?? 'an option';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (message.includes('does not take an argument')) return `${option} takes no value`;
    if (message.includes('ambiguous')) {
      return `${option} needs a value; write ${option}=VALUE for a value that starts with '-'`;
    }
    return `${option} needs a value`;
  }
  return message.split('\n')[0] ?? message;
}
