import { readFileSync, statSync } from 'node:fs';

export type InputFile = { ok: true; text: string } | { ok: false; message: string };

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/**
 * Reads a file a command was given. A file that cannot be read is its own message, naming the
 * path and what it was meant to be (`policy.yaml: cannot read the policy file: no such file`),
 * so it is never mistaken for an invalid policy or scenario. A file larger than `maxBytes` is
 * refused by its size before it is read, so a wrong path (a log, an image) costs nothing.
 */
export function readInputFile(path: string, what: string, maxBytes?: number): InputFile {
  try {
    if (maxBytes !== undefined) {
      const size = statSync(path).size;
      if (size > maxBytes)
        return {
          ok: false,
          message: `${path}: the ${what} file is ${size} bytes; the limit is ${maxBytes} bytes`,
        };
    }
    return { ok: true, text: readFileSync(path, 'utf8') };
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code ?? '');
    const reason = REASONS[code] ?? (error instanceof Error ? error.message : String(error));
    return { ok: false, message: `${path}: cannot read the ${what} file: ${reason}` };
  }
}
