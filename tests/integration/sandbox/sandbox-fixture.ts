/**
 * Starts a sandbox on a free port with a manual clock and a private outbox folder, and hands out
 * the client configuration the issue allows: only the endpoint and dummy credentials.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandboxClock, type SandboxClock } from '../../../sandbox/clock';
import { type CreateSandboxOptions, createSandbox, type Sandbox } from '../../../sandbox/create-sandbox';

/** Simulated start of every suite: a fixed instant so timestamps are predictable. */
export const SUITE_START = Date.UTC(2026, 0, 1, 0, 0, 0);

export interface TestSandbox {
  sandbox: Sandbox;
  clock: SandboxClock;
  outboxDir: string;
  /** SDK client configuration for `region`: endpoint + dummy credentials only. */
  client(region?: string): {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  stop(): Promise<void>;
}

export async function startTestSandbox(
  options: Omit<CreateSandboxOptions, 'port' | 'clock'> = {},
): Promise<TestSandbox> {
  const clock = createSandboxClock({ mode: 'manual', startTime: SUITE_START });
  const outboxDir = await mkdtemp(join(tmpdir(), 'sandbox-outbox-'));
  const sandbox = await createSandbox({
    endpointDelayMs: 1_000,
    outboxDir,
    dynamodb: false,
    // These suites check each operation's semantics with plain SDK clients, which neither pace
    // nor expect a quota; the rate quotas have their own suite (quotas.test.ts), which asks for them.
    quotas: false,
    ...options,
    port: 0,
    clock,
  });
  return {
    sandbox,
    clock,
    outboxDir,
    client: (region = 'us-east-1') => ({
      endpoint: sandbox.url,
      region,
      credentials: { accessKeyId: 'AKIASANDBOX', secretAccessKey: 'sandbox-secret' },
    }),
    async stop() {
      await sandbox.close();
      await rm(outboxDir, { recursive: true, force: true });
    },
  };
}
