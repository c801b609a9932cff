import type { ControlApiEvent } from '../shared/events/http-api-event';
import { handleControlRequest } from '../shared/http/control-api-router';
import { makeHandler } from '../shared/middleware/make-handler';
import { countEvent, METRIC, recordRollback, watchdogLog } from '../shared/middleware/telemetry';
import { controlApiDeps } from '../shared/runtime/compose-control-api';
import { readEnv } from '../shared/runtime/env';

/**
 * Control API (HTTP API, payload 2.0, IAM auth when deployed): start / list / status / history /
 * pause / resume / promote / abort / rollback. Routing and validation live in
 * `shared/http/control-api-router.ts`, the commands and queries in `shared/control/`.
 * `CONTROL_API_CLOCK_HEADER=true` (local stage only) lets the sandbox's simulated clock reach the
 * commands through the `x-watchdog-now` header. A body over `MAX_REQUEST_BODY_BYTES` (default
 * 256 KB) is answered 413 before it is parsed.
 */
const env = readEnv();
const deps = controlApiDeps(env, { log: watchdogLog });
const allowClockHeader = env.controlApiClockHeader === true;
/** `MAX_REQUEST_BODY_BYTES` (serverless.yml params, per stage); unset: the router's default cap. */
const maxBodyBytes = env.maxRequestBodyBytes;

/** `POST /rollouts/{endpoint}/rollback`. */
const ROLLBACK_PATH = /^\/rollouts\/[^/]+\/rollback$/;

export const handler = makeHandler('controlApi', async (event: ControlApiEvent) => {
  const response = await handleControlRequest(deps, event, {
    allowClockHeader,
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  });
  if (response.statusCode === 413) countEvent(METRIC.oversizedRequests);
  // Rollbacks by source: an operator's (the tick and the alarm handler count theirs).
  // The event may be anything (the router answers a malformed one 400): read it defensively.
  const rawPath: unknown = event?.rawPath;
  if (
    response.statusCode === 200 &&
    event?.requestContext?.http?.method === 'POST' &&
    typeof rawPath === 'string' &&
    ROLLBACK_PATH.test(rawPath)
  )
    recordRollback('operator');
  countEvent(
    response.statusCode < 400
      ? 'ControlApiRequests'
      : `ControlApiRefusals${Math.floor(response.statusCode / 100)}xx`,
  );
  return response;
});
