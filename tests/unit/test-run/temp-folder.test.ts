import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { TEST_TEMP_PREFIX } from '../../temp-folder.global-setup';

describe('the test run', () => {
  it('keeps its temporary files in one folder of its own (the global setup removes it when the run ends)', () => {
    expect(basename(tmpdir()).startsWith(TEST_TEMP_PREFIX)).toBe(true);
  });

  it('hands that folder to the processes tests start', () => {
    const child = spawnSync(process.execPath, ['-p', "require('node:os').tmpdir()"], { encoding: 'utf8' });
    expect(child.stdout.trim()).toBe(tmpdir());
  });
});
