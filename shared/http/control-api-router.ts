import type { infer as Infer, ZodMiniType } from 'zod/mini';
import { runOperatorCommand, startRolloutCommand } from '../control/control-commands';
import type { ControlContext, ControlResult } from '../control/control-contract';
import type { ControlDeps } from '../control/control-deps';
import {
  listRollouts,
  rolloutHistory,
  rolloutMetrics,
  rolloutStats,
  rolloutStatus,
} from '../control/control-queries';
import { type ControlApiEvent, parseHttpApiEvent, readJsonBody } from '../events/http-api-event';
import { parseDecimalInteger } from '../domain/normalise-text';
import { limitProblems } from '../domain/parse-policy';
import type { OperatorCommand } from '../domain/types';
import { SILENT_LOG } from '../ports/watchdog-log';
import { DEFAULT_STATS_SINCE, MAX_STATS_DAYS, statsSince } from '../stats/stats-period';
import {
  commandBodySchema,
  DEFAULT_HISTORY_LIMIT,
  endpointParamSchema,
  historyQuerySchema,
  rollbackBodySchema,
  startRolloutBodySchema,
  statsQuerySchema,
} from './control-api-schemas';
import { formatIssues } from './format-issues';
import { errorResponse, type HttpResponse, jsonResponse } from './json-response';
import { matchRoute, type RouteDefinition } from './match-route';
import { headerValue, operatorIdentity } from './operator-identity';
import { bodyOverCap, DEFAULT_MAX_REQUEST_BODY_BYTES } from './request-body-cap';

/** Header carrying the caller's clock (ISO time or epoch ms), honoured only when `allowClockHeader` is set. */
export const CLOCK_HEADER = 'x-watchdog-now';

type CommandName = OperatorCommand['type'];
type RouteName = 'start' | 'list' | 'status' | 'history' | 'metrics' | 'stats' | CommandName;

const COMMANDS: ReadonlyArray<CommandName> = ['pause', 'resume', 'promote', 'abort', 'rollback'];

/**
 * The control API's routes. serverless.yml exposes the command routes through one
 * `POST /rollouts/{endpoint}/{command}` event; the router answers 404/405 for the rest itself.
 */
export const CONTROL_API_ROUTES: ReadonlyArray<RouteDefinition<RouteName>> = [
  { name: 'start', method: 'POST', pattern: '/rollouts' },
  { name: 'list', method: 'GET', pattern: '/rollouts' },
  { name: 'status', method: 'GET', pattern: '/rollouts/{endpoint}' },
  { name: 'history', method: 'GET', pattern: '/rollouts/{endpoint}/history' },
  { name: 'metrics', method: 'GET', pattern: '/rollouts/{endpoint}/metrics' },
  { name: 'stats', method: 'GET', pattern: '/stats' },
  ...COMMANDS.map((command) => ({
    name: command,
    method: 'POST',
    pattern: `/rollouts/{endpoint}/${command}`,
  })),
];

export interface ControlApiOptions {
  /** Clock used when the event carries no request time, epoch ms. */
  now?: () => number;
  /**
   * Honour CLOCK_HEADER (local stage only): the sandbox runs time faster than the wall clock and
   * the tick reads time from its events, so a rollout started on the wall clock would have its
   * pauses measured against the wrong clock. Never enable it where the API is deployed.
   */
  allowClockHeader?: boolean;
  /** Largest request body served; a larger one is answered 413. Default DEFAULT_MAX_REQUEST_BODY_BYTES. Bytes. */
  maxBodyBytes?: number;
}

const STATUS_OF_KIND = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
} as const;

/**
 * Handles one control API request: the body cap (413, before anything is parsed), routing (404
 * unknown path, 405 wrong method with `Allow`),
 * body and parameter validation (400 listing every problem; malformed JSON is one problem), the
 * command, and mapping its result to a status. Never throws: an unexpected fault is logged and
 * answered 500 with the request id, so the operator can find the log line.
 */
export async function handleControlRequest(
  deps: ControlDeps,
  event: ControlApiEvent | unknown,
  options: ControlApiOptions = {},
): Promise<HttpResponse> {
  const log = deps.log ?? SILENT_LOG;
  let correlationId = `local-${Date.now().toString(36)}`;
  try {
    const safe = parseHttpApiEvent(event);
    correlationId = safe.requestContext?.requestId ?? correlationId;
    // Before routing and before the body is decoded or parsed: nothing grows with an oversized body.
    const oversized = bodyOverCap(safe, options.maxBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES);
    if (oversized !== undefined) return errorResponse(413, oversized);
    return await route(deps, safe, options, correlationId);
  } catch (error) {
    log.error('control API request failed', {
      correlationId,
      error:
        error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : error,
    });
    return errorResponse(500, `internal error (request ${correlationId})`);
  }
}

async function route(
  deps: ControlDeps,
  event: ControlApiEvent,
  options: ControlApiOptions,
  correlationId: string,
): Promise<HttpResponse> {
  const method = event.requestContext?.http?.method ?? 'GET';
  const path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
  const match = matchRoute(CONTROL_API_ROUTES, method, path);
  if (match.kind === 'not-found') return errorResponse(404, `no route ${method} ${path}`);
  if (match.kind === 'method-not-allowed') {
    return errorResponse(
      405,
      `${method} is not allowed on ${path}; use ${match.allow.join(', ')}`,
      undefined,
      {
        allow: match.allow.join(', '),
      },
    );
  }

  const problems: string[] = [];
  const endpoint = match.params.endpoint;
  if (endpoint !== undefined) {
    const checked = endpointParamSchema.safeParse(endpoint);
    if (!checked.success)
      problems.push(...checked.error.issues.map((issue) => `path.endpoint: ${issue.message}`));
  }
  const now = requestTime(event, options, problems);

  switch (match.route) {
    case 'list':
      return answer(await listRollouts(deps), 200);
    case 'status':
      if (problems.length > 0) return invalidRequest(problems);
      return answer(await rolloutStatus(deps, endpoint as string), 200);
    case 'history': {
      const query = historyQuerySchema.safeParse(event.queryStringParameters ?? {});
      if (!query.success) problems.push(...formatIssues(query.error.issues, 'query.'));
      if (problems.length > 0 || !query.success) return invalidRequest(problems);
      return answer(
        await rolloutHistory(deps, endpoint as string, query.data.limit ?? DEFAULT_HISTORY_LIMIT),
        200,
      );
    }
    case 'metrics':
      if (problems.length > 0) return invalidRequest(problems);
      return answer(await rolloutMetrics(deps, endpoint as string, now), 200);
    case 'stats': {
      const query = statsQuerySchema.safeParse(event.queryStringParameters ?? {});
      if (!query.success) problems.push(...formatIssues(query.error.issues, 'query.'));
      const since = query.success ? statsSince(query.data.since ?? DEFAULT_STATS_SINCE, now) : null;
      if (query.success && since === null)
        problems.push(
          `query.since: must be an age such as 30d, 12h or 90m, or an ISO day or time, at most ${MAX_STATS_DAYS} days back`,
        );
      if (problems.length > 0 || !query.success || since === null) return invalidRequest(problems);
      return answer(
        await rolloutStats(deps, {
          since,
          until: now,
          ...(query.data.endpoint ? { endpointName: query.data.endpoint } : {}),
        }),
        200,
      );
    }
    case 'start': {
      const body = parseBody(event, startRolloutBodySchema, problems);
      if (problems.length > 0 || body === undefined) return invalidRequest(problems);
      const ctx = context(event, now, correlationId);
      const request = {
        endpointName: body.endpointName,
        ...optional('policy', body.policy),
        ...optional('reason', body.reason),
        ...optional('force', body.force),
        ...optional('model', body.model),
      };
      return answer(await startRolloutCommand(deps, request, ctx), 201);
    }
    default: {
      const command = match.route;
      const schema = command === 'rollback' ? rollbackBodySchema : commandBodySchema;
      const body = parseBody(event, schema, problems, true);
      if (problems.length > 0 || body === undefined) return invalidRequest(problems);
      const operatorCommand = (
        body.reason === undefined ? { type: command } : { type: command, reason: body.reason }
      ) as OperatorCommand;
      return answer(
        await runOperatorCommand(
          deps,
          endpoint as string,
          operatorCommand,
          context(event, now, correlationId),
        ),
        200,
      );
    }
  }
}

/** Parses the JSON body against `schema`, adding every problem; an absent body counts as `{}` when `emptyIsObject`. */
function parseBody<S extends ZodMiniType>(
  event: ControlApiEvent,
  schema: S,
  problems: string[],
  emptyIsObject = false,
): Infer<S> | undefined {
  const raw = readJsonBody(event);
  if (!raw.ok) {
    problems.push(raw.problem);
    return undefined;
  }
  const value = raw.value === undefined && emptyIsObject ? {} : raw.value;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    problems.push(...formatIssues(parsed.error.issues));
    return undefined;
  }
  return parsed.data;
}

function requestTime(event: ControlApiEvent, options: ControlApiOptions, problems: string[]): number {
  if (options.allowClockHeader) {
    const header = headerValue(event.headers, CLOCK_HEADER);
    if (header !== undefined) {
      const value = clockHeaderTime(header);
      if (value !== undefined) return value;
      problems.push(`header.${CLOCK_HEADER}: must be an ISO time or epoch milliseconds, from 2000 to 2100`);
    }
  }
  const epoch = event.requestContext?.timeEpoch;
  if (typeof epoch === 'number' && Number.isFinite(epoch)) return epoch;
  return (options.now ?? Date.now)();
}

/** An ISO 8601 UTC or offset time, to the minute at least, e.g. `2026-03-01T10:00:00Z`. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The clock header's plausible range: 2000-01-01 (inclusive) to 2100-01-01 (exclusive), UTC. */
const CLOCK_HEADER_FROM = Date.UTC(2000, 0, 1);
const CLOCK_HEADER_UNTIL = Date.UTC(2100, 0, 1);

/** The clock header as epoch ms when it is decimal epoch ms or an ISO time in the plausible range. */
function clockHeaderTime(header: string): number | undefined {
  const value = ISO_TIME.test(header) ? Date.parse(header) : parseDecimalInteger(header);
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return value >= CLOCK_HEADER_FROM && value < CLOCK_HEADER_UNTIL ? value : undefined;
}

function context(event: ControlApiEvent, now: number, correlationId: string): ControlContext {
  return { operator: operatorIdentity(event), now, correlationId };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

// Problems are listed up to MAX_REPORTED_PROBLEMS, then counted: a body of a hundred thousand
// unknown keys gets an answer of a few KB.
function invalidRequest(problems: string[]): HttpResponse {
  return errorResponse(400, 'invalid request', limitProblems(problems));
}

function answer<T>(result: ControlResult<T>, okStatus: number): HttpResponse {
  if (result.ok) return jsonResponse(okStatus, result.body);
  const problems = result.problems === undefined ? undefined : limitProblems(result.problems);
  return errorResponse(STATUS_OF_KIND[result.kind], result.error, problems);
}
