/**
 * One temporary folder for the whole test run. Every test, and every process a test starts
 * (serverless-offline, the CLI, the sandbox), asks `os.tmpdir()`, which reads TMPDIR: pointing it
 * at one folder made here, and removing that folder when the run ends, leaves nothing behind in
 * the machine's temp folder however a test cleans up after itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Prefix of the run's temporary folder in the machine's temp folder. */
export const TEST_TEMP_PREFIX = 'rollout-watchdog-tests-';

export default function setup(): () => void {
  const folder = mkdtempSync(join(tmpdir(), TEST_TEMP_PREFIX));
  process.env.TMPDIR = folder;
  return () => rmSync(folder, { recursive: true, force: true });
}
