import { createHash } from 'node:crypto';
import type { EndpointChangeKind } from './endpoint-change';

/** SageMaker's length limit for endpoint config names. Characters. */
const CONFIG_NAME_MAX_LENGTH = 63;

const SUFFIX: Readonly<Record<EndpointChangeKind, string>> = {
  'add-canary': 'canary',
  'retire-baseline': 'promoted',
  'remove-canary': 'baseline',
  'add-shadow': 'shadow',
  'shadow-to-canary': 'canary',
  'remove-shadow': 'baseline',
};

/** Names `endpointConfigName` makes, and only those: the configs the watchdog may delete. */
const WATCHDOG_CONFIG_PATTERN = /-rw[0-9a-f]{8}-(canary|promoted|baseline|bluegreen|shadow)(-\d+)?$/;

/**
 * The deterministic name of the endpoint config a change moves the endpoint to: the endpoint's
 * name (cut to fit), `rw` and 8 hex digits of the rollout's identity, what the config is for, and
 * the attempt from the second one on (`fraud-detector-prod-rw1a2b3c4d-promoted-2`). A step that
 * runs again after a timeout finds its config by name instead of making another.
 */
export function endpointConfigName(
  endpointName: string,
  rolloutId: string,
  kind: EndpointChangeKind,
  attempt: number,
): string {
  const tail = `-rw${createHash('sha256').update(rolloutId).digest('hex').slice(0, 8)}-${SUFFIX[kind]}${
    attempt > 1 ? `-${attempt}` : ''
  }`;
  const head = endpointName.slice(0, CONFIG_NAME_MAX_LENGTH - tail.length).replace(/-+$/, '');
  return `${head}${tail}`;
}

/** True for a config the watchdog made (so it may delete it once nothing uses it); never a team's own. */
export function isWatchdogConfig(configName: string): boolean {
  return WATCHDOG_CONFIG_PATTERN.test(configName);
}

/**
 * The config a blue/green start deploys through SageMaker's guardrails: `<endpoint>-rw<hex>-bluegreen`,
 * named like the lifecycle's configs so a start run again finds it instead of making another.
 */
export function blueGreenConfigName(endpointName: string, rolloutId: string, attempt = 1): string {
  const tail = `-rw${createHash('sha256').update(rolloutId).digest('hex').slice(0, 8)}-bluegreen${
    attempt > 1 ? `-${attempt}` : ''
  }`;
  const head = endpointName.slice(0, CONFIG_NAME_MAX_LENGTH - tail.length).replace(/-+$/, '');
  return `${head}${tail}`;
}
