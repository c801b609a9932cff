/** The streams a CLI command uses, passed in so tests can run commands in-process. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** The process's own streams. A reader that goes away (`replay ... | head -1`) ends the command quietly. */
export function processIo(): CliIo {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/** Exit codes shared by the commands. */
export const EXIT_OK = 0;
/** The input was understood and found wanting (an invalid policy for `validate`, a failed `--check`). */
export const EXIT_INVALID = 1;
/** The command could not run: bad usage, unreadable file, invalid policy given to `replay`. */
export const EXIT_USAGE = 2;
