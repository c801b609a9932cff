import { CLOCK_HEADER } from '../../shared/http/control-api-router';
import { WatchdogApiClient } from '../../shared/cli-client/watchdog-api-client';
import type { SandboxClock } from '../clock';

/** The sandbox checks no signature: any key pair does. */
export const SANDBOX_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** SDK v3 client settings that point a client at the sandbox for `region`. */
export function sandboxClientConfig(sandboxUrl: string, region: string) {
  return { region, endpoint: sandboxUrl, credentials: SANDBOX_CREDENTIALS };
}

/**
 * A control API client whose every request names the sandbox's simulated time in `x-watchdog-now`
 * (honoured by the local stage only), so commands and ticks share one clock.
 */
export function sandboxApiClient(apiUrl: string, clock: Pick<SandboxClock, 'now'>, operator: string) {
  return new WatchdogApiClient(apiUrl, {
    operator,
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set(CLOCK_HEADER, String(clock.now()));
      return fetch(input, { ...init, headers });
    },
  });
}
