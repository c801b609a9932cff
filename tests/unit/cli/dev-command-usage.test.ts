import { describe, expect, it } from 'vitest';
import { runDevCommand } from '../../../shared/cli-client/dev-stage-cli';
import { EXIT } from '../../../shared/cli-client/run-operator-cli';

function captured() {
  const out = { stdout: '', stderr: '' };
  const io = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
  };
  return { out, io };
}

describe('rollout-watchdog dev: usage errors', () => {
  it.each([
    [['traffic', 'healthy-steady', '--bogus'], 'unknown option --bogus\n'],
    [['traffic', 'healthy-steady', '--from-minute'], '--from-minute needs a value\n'],
    [['status', '--json=yes'], '--json takes no value\n'],
  ])('words %j in the CLI own terms and exits 2, before any request', async (args, firstLine) => {
    const { out, io } = captured();
    let requests = 0;
    const fetchFn = (async () => {
      requests++;
      return new Response('{}');
    }) as typeof fetch;
    const code = await runDevCommand(args, io, {
      env: { ROLLOUT_WATCHDOG_API: 'http://127.0.0.1:1' },
      fetch: fetchFn,
    });
    expect(code).toBe(EXIT.usage);
    expect(out.stderr.startsWith(firstLine)).toBe(true);
    expect(out.stderr).not.toMatch(/To specify|positional argument/);
    expect(requests).toBe(0);
  });
});
