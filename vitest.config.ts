import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // Vitest leaves one core free by default, which on a 2-core machine runs the files one at a
    // time; most of a file's time is waiting on a sandbox or a child process, so two at once
    // takes the suite from about 12 to about 7 minutes there.
    maxWorkers: Math.max(2, availableParallelism()),
    globalSetup: ['tests/temp-folder.global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
