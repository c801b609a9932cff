import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSandboxClock, type SandboxClock } from '../../sandbox/clock';
import { sandboxApiClient } from '../../sandbox/local-stack/sandbox-clients';
import { type LocalStack, startLocalStack } from '../../sandbox/local-stack/start-local-stack';
import type { WatchdogApiClient } from '../../shared/cli-client/watchdog-api-client';

export const ROOT = resolve(import.meta.dirname, '../..');
/** Simulated start of the suite: a whole minute, so periods align. */
export const START = Date.parse('2026-01-01T00:00:00Z');
export const MINUTE = 60_000;
/** Endpoint updates take 10 simulated seconds: done well before the next tick. */
export const ENDPOINT_DELAY_MS = 10_000;

export interface E2eStack {
  stack: LocalStack;
  clock: SandboxClock;
  /** A control API client whose requests carry the simulated time (`x-watchdog-now`). */
  api: WatchdogApiClient;
  /** What serverless-offline printed, for a failing test's message. */
  offlineLog: string[];
}

/**
 * The real functions, bundled and hosted by serverless-offline, on a sandbox whose manual clock
 * the test moves: each `clock.advance(MINUTE)` publishes a minute of traffic, evaluates alarms
 * (alarm events reach `alarmRollback`) and delivers the tick to `canaryTick`, and waits for them.
 */
export async function startE2eStack(): Promise<E2eStack> {
  const clock = createSandboxClock({ mode: 'manual', startTime: START });
  const offlineLog: string[] = [];
  const stack = await startLocalStack({
    clock,
    projectDir: ROOT,
    synchronousEvents: true,
    endpointDelayMs: ENDPOINT_DELAY_MS,
    outboxDir: mkdtempSync(join(tmpdir(), 'watchdog-e2e-outbox-')),
    onOfflineLine: (line) => {
      offlineLog.push(line);
      if (offlineLog.length > 200) offlineLog.shift();
    },
  });
  const api = sandboxApiClient(stack.apiUrl, clock, 'e2e-suite');
  return { stack, clock, api, offlineLog };
}
