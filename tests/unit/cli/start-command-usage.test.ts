import { describe, expect, it } from 'vitest';
import { runInProcess } from './cli-harness';

describe('rollout-watchdog start usage', () => {
  it('documents --force with --reason in start --help', async () => {
    const result = await runInProcess(['start', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'rollout-watchdog start ENDPOINT [--policy FILE] [--reason TEXT] [--force --reason TEXT]',
    );
    expect(result.stdout).toMatch(
      /--force: start although an alarm the policy names is in ALARM, missing or unreadable/,
    );
  });

  it('refuses --force without --reason as bad usage (exit 2), before any request', async () => {
    const result = await runInProcess(['start', 'ep-1', '--api', 'http://127.0.0.1:9', '--force']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^start --force needs --reason TEXT \(say why the alarm check is overridden\)\n/,
    );
  });
});
