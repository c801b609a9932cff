import type { EndpointChangeView, RolloutStatus } from '../control/control-contract';
import { ApiRequestError, type WatchdogApiClient } from './watchdog-api-client';

/** How often `start --model` reads the rollout's status while the canary deploys, wall-clock ms. */
export const DEFAULT_DEPLOY_POLL_INTERVAL_MS = 5_000;
/** How long `start --model` watches the deployment before it leaves it to the watchdog, seconds. */
export const DEFAULT_DEPLOY_WAIT_TIMEOUT_SECONDS = 30 * 60;

const FINAL_PHASES = new Set(['Promoted', 'RolledBack', 'Aborted']);

export interface DeploymentWaitOptions {
  endpointName: string;
  /** The rollout the start created: another rollout of the endpoint ends the wait. */
  rolloutId: string;
  /** The change as the start answered it (the first progress line). */
  initial: EndpointChangeView;
  intervalMs: number;
  timeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Wall clock, ms: the timeout is wall time, whatever clock the watchdog's ticks run on. */
  now: () => number;
  progress: (line: string) => void;
}

/**
 * How the wait ended: `done` the canary is in service and the steps begin; `failed` SageMaker
 * refused or undid the deployment (the rollout is paused); `ended` the rollout left the
 * deployment another way (aborted meanwhile, or replaced by another rollout); `timeout` the
 * deployment is still under way; `refused` the API refused the status read (4xx).
 */
export type DeploymentWaitResult =
  | { kind: 'done' | 'failed' | 'ended'; status: RolloutStatus }
  | { kind: 'timeout'; status: RolloutStatus | null; waitedMs: number }
  | { kind: 'refused'; httpStatus: number; error: string; problems: string[] };

/**
 * Polls the rollout's status until its canary deployment (`add-canary`) is done or failed,
 * printing a progress line each time the change's status or description changes. The CLI only
 * watches: every step is the watchdog's (its tick on the schedule, or the sandbox clock on the
 * local stage), so giving up or a lost status read changes nothing. A status read the API cannot
 * answer (unreachable, 5xx) is reported and retried until the timeout.
 */
export async function waitForCanaryDeployment(
  client: Pick<WatchdogApiClient, 'status'>,
  options: DeploymentWaitOptions,
): Promise<DeploymentWaitResult> {
  const started = options.now();
  const elapsed = () => options.now() - started;
  const say = (text: string) => options.progress(`  +${formatElapsed(elapsed())}  ${text}`);
  let shown = lineOf(options.initial);
  say(shown);
  let last: RolloutStatus | null = null;
  for (;;) {
    const remaining = options.timeoutMs - elapsed();
    if (remaining <= 0) return { kind: 'timeout', status: last, waitedMs: elapsed() };
    await options.sleep(Math.min(options.intervalMs, remaining));
    let response: Awaited<ReturnType<WatchdogApiClient['status']>>;
    try {
      response = await client.status(options.endpointName);
    } catch (error) {
      if (!(error instanceof ApiRequestError)) throw error;
      say(`status unreadable (${error.message}); trying again`);
      continue;
    }
    if (!response.ok) {
      if (response.status >= 500) {
        say(`status unreadable (error ${response.status}: ${response.error}); trying again`);
        continue;
      }
      return {
        kind: 'refused',
        httpStatus: response.status,
        error: response.error,
        problems: response.problems,
      };
    }
    last = response.body;
    const change = last.endpointChange;
    if (
      last.rolloutId !== options.rolloutId ||
      (change?.kind !== 'add-canary' && change?.kind !== 'add-shadow')
    ) {
      return { kind: 'ended', status: last };
    }
    const line = lineOf(change);
    if (line !== shown) {
      shown = line;
      say(line);
    }
    if (change.status === 'done') return { kind: 'done', status: last };
    if (change.status === 'failed') return { kind: 'failed', status: last };
    if (FINAL_PHASES.has(last.phase)) return { kind: 'ended', status: last };
  }
}

function lineOf(change: EndpointChangeView): string {
  return change.attempt > 1 ? `${change.description} (attempt ${change.attempt})` : change.description;
}

/** `45s`, `3m05s`: the wall time since the start was accepted. */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
