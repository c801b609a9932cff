import type { ControlApiEvent } from '../shared/events/http-api-event';
import { handleControlRequest } from '../shared/http/control-api-router';
import { makeHandler } from '../shared/middleware/make-handler';
import { countEvent, watchdogLog } from '../shared/middleware/telemetry';
import { controlApiDeps } from '../shared/runtime/compose-control-api';
import { readEnv } from '../shared/runtime/env';

/**
 * Control API (HTTP API, payload 2.0, IAM auth when deployed): start / list / status / history /
 * pause / resume / promote / abort / rollback. Routing and validation live in
 * `shared/http/control-api-router.ts`, the commands and queries in `shared/control/`.
 * `CONTROL_API_CLOCK_HEADER=true` (local stage only) lets the sandbox's simulated clock reach the
 * commands through the `x-watchdog-now` header.
 */
const env = readEnv();
const deps = controlApiDeps(env, { log: watchdogLog });
const allowClockHeader = env.controlApiClockHeader === true;

export const handler = makeHandler('controlApi', async (event: ControlApiEvent) => {
  const response = await handleControlRequest(deps, event, { allowClockHeader });
  countEvent(
    response.statusCode < 400
      ? 'ControlApiRequests'
      : `ControlApiRefusals${Math.floor(response.statusCode / 100)}xx`,
  );
  return response;
});
