/**
 * The sandbox's one HTTP front: every AWS call the watchdog makes arrives here, is routed by
 * `X-Amz-Target` (JSON protocols) or the form's `Action` (awsQuery), gets its region from the SigV4
 * credential scope, passes the fault rules, and is answered in the service's own wire shape.
 * `/_sandbox/...` holds the control routes (health, faults, the Slack sink, and whatever the
 * creator adds). Nothing a client sends can crash it: anything unexpected becomes InternalFailure.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { AwsError } from './aws-error';
import type { Faults, LostReplyMode, ServerErrorCode } from './faults';
import { type EncodedResponse, encodeJsonError, encodeJsonSuccess } from './protocols/json-protocol';
import { decodeQueryRequest, encodeQueryError, encodeQuerySuccess } from './protocols/query-protocol';
import { parseSigV4Scope } from './protocols/sigv4-scope';
import type { Quotas } from './quotas';
import type { RequestContext, ServiceEmulation } from './service';
import { SANDBOX_ACCOUNT_ID } from './service';
import type { DynamoDbProxy } from './services/dynamodb/dynamodb-proxy';
import type { SlackApiBehaviour } from './slack-api-sink';
import type { SlackBehaviour, SlackSink } from './slack-sink';

/** Default listen address: the port LocalStack made customary for local AWS endpoints. */
export const DEFAULT_SANDBOX_PORT = 4566;
export const DEFAULT_SANDBOX_HOST = '127.0.0.1';
/** Largest request body accepted, bytes (SNS messages are ≤ 256 KiB; CloudWatch batches are bigger). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** `X-Amz-Target` prefix → SigV4 signing name of the emulation that serves it. */
const TARGET_PREFIXES: Readonly<Record<string, string>> = {
  SageMaker: 'sagemaker',
  AmazonSSM: 'ssm',
  DynamoDB_20120810: 'dynamodb',
  GraniteServiceVersion20100801: 'monitoring',
};

/** awsQuery XML namespaces per signing name. */
const QUERY_NAMESPACES: Readonly<Record<string, string>> = {
  sns: 'http://sns.amazonaws.com/doc/2010-03-31/',
  monitoring: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
};

export interface ControlRequest {
  method: string;
  /** Path segments after `/_sandbox/` (`['slack', 'hook-1']`). */
  segments: string[];
  query: URLSearchParams;
  /** Parsed JSON body, or `undefined` when empty. */
  body: unknown;
  rawBody: string;
  /** The request's Authorization header (the Slack Web API sink checks the bot token). */
  authorization?: string;
  /** Every request header, lower-case names (the hook receivers check signatures). */
  headers?: Record<string, string | string[] | undefined>;
}

/**
 * A route for an AWS REST protocol call (no `X-Amz-Target`, no form `Action`), such as Lambda's
 * `POST /2015-03-31/functions/{name}/invocations`: returns undefined when the request is not its own.
 */
export type RestRoute = (request: {
  method: string;
  path: string;
  /** Signing name and region of the SigV4 scope, when signed. */
  service: string | undefined;
  region: string | undefined;
  body: string;
}) => Promise<{ status: number; headers: Record<string, string>; body: string } | undefined>;

export interface ControlReply {
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are. */
  body: unknown;
}

/** A control route: returns `undefined` when the request is not its own. */
export type ControlRoute = (
  req: ControlRequest,
) => ControlReply | undefined | Promise<ControlReply | undefined>;

export interface SandboxServerOptions {
  host?: string;
  /** 0 → a free port. */
  port?: number;
  services: readonly ServiceEmulation[];
  dynamodb?: DynamoDbProxy;
  faults: Faults;
  /** Per-operation rate quotas checked after the faults; none when omitted. */
  quotas?: Quotas;
  slack: SlackSink;
  /** Simulated epoch ms handed to operations. */
  now(): number;
  /** Extra control routes, tried before the built-in ones. */
  controlRoutes?: readonly ControlRoute[];
  /** REST-protocol services (Lambda `Invoke` for the hook receivers), tried before the JSON and query protocols. */
  restRoutes?: readonly RestRoute[];
  /** Unexpected errors (answered as InternalFailure); default: `console.error`. */
  onInternalError?: (error: unknown) => void;
}

export interface SandboxServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

class RequestTooLargeError extends Error {}

/**
 * Starts the front on `host:port`. Routing depends on the `X-Amz-Target` header, the form's
 * `Action`, and the SigV4 scope's region and service; `faults` may delay, fail or drop a call first.
 */
/** How long the sandbox keeps an idle keep-alive connection open. Wall-clock milliseconds. */
export const SANDBOX_KEEP_ALIVE_MS = 65_000;

export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const services = new Map(options.services.map((s) => [s.signingName, s]));
  const onInternalError = options.onInternalError ?? ((error: unknown) => console.error('[sandbox]', error));
  const handler = createRequestHandler(options, services, onInternalError);
  const server = http.createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      onInternalError(error);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ __type: 'InternalFailure', message: 'internal sandbox error' }));
      } else res.destroy();
    });
  });
  // Node closes an idle keep-alive connection after 5 s; a client that reuses it at that moment
  // (an SDK client after a pause, on a loaded machine) gets ECONNRESET on every pooled socket in
  // turn and gives up. AWS's endpoints keep idle connections far longer; so does the sandbox.
  server.keepAliveTimeout = SANDBOX_KEEP_ALIVE_MS;
  server.headersTimeout = SANDBOX_KEEP_ALIVE_MS + 1_000;
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_SANDBOX_PORT, options.host ?? DEFAULT_SANDBOX_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function createRequestHandler(
  options: SandboxServerOptions,
  services: Map<string, ServiceEmulation>,
  onInternalError: (error: unknown) => void,
) {
  const builtIn = builtInControlRoutes(options, services);
  const controlRoutes = [...(options.controlRoutes ?? []), ...builtIn];

  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof RequestTooLargeError) {
        send(
          res,
          encodeJsonError(
            new AwsError('RequestEntityTooLarge', 'Request body too large', 413),
            '1.1',
            requestId,
            false,
          ),
        );
      } else res.destroy();
      return;
    }
    // The SDK gzips large CloudWatch PutMetricData bodies (request compression trait).
    if (header(req, 'content-encoding')?.toLowerCase() === 'gzip') {
      try {
        body = gunzipSync(body, { maxOutputLength: MAX_BODY_BYTES });
      } catch {
        send(
          res,
          encodeJsonError(
            new AwsError('SerializationException', 'Request body is not valid gzip'),
            '1.0',
            requestId,
            false,
          ),
        );
        return;
      }
      delete req.headers['content-encoding'];
    }
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (url.pathname.startsWith('/_sandbox/') || url.pathname === '/_sandbox') {
      await handleControl(req, res, url, body, controlRoutes, onInternalError);
      return;
    }

    const target = header(req, 'x-amz-target');
    const contentType = header(req, 'content-type') ?? '';
    const scope = parseSigV4Scope(header(req, 'authorization'));
    if (target === undefined && options.restRoutes?.length) {
      for (const route of options.restRoutes) {
        const reply = await route({
          method: req.method ?? 'GET',
          path: url.pathname,
          service: scope?.service,
          region: scope?.region,
          body: body.toString('utf8'),
        });
        if (!reply) continue;
        res.writeHead(reply.status, {
          ...reply.headers,
          'x-amzn-requestid': requestId,
          'content-length': Buffer.byteLength(reply.body),
        });
        res.end(reply.body);
        return;
      }
    }
    if (target !== undefined) {
      await handleJson(req, res, body, target, contentType, scope, requestId);
      return;
    }
    const text = body.toString('utf8');
    if (contentType.startsWith('application/x-www-form-urlencoded') || /(^|&)Action=/.test(text)) {
      await handleQuery(req, res, text, scope, requestId);
      return;
    }
    send(
      res,
      encodeJsonError(
        new AwsError('UnknownOperationException', 'Request has neither an X-Amz-Target header nor an Action'),
        '1.1',
        requestId,
        false,
      ),
    );
  };

  async function handleJson(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    target: string,
    contentType: string,
    scope: ReturnType<typeof parseSigV4Scope>,
    requestId: string,
  ): Promise<void> {
    const dot = target.lastIndexOf('.');
    const prefix = dot > 0 ? target.slice(0, dot) : target;
    const operation = dot > 0 ? target.slice(dot + 1) : '';
    const signingName = TARGET_PREFIXES[prefix];
    const version =
      /x-amz-json-1\.0/.test(contentType) || (prefix !== 'SageMaker' && prefix !== 'AmazonSSM')
        ? '1.0'
        : '1.1';
    const queryCompatible = header(req, 'x-amzn-query-mode') === 'true';
    const fail = (error: AwsError) => send(res, encodeJsonError(error, version, requestId, queryCompatible));

    if (!signingName) {
      fail(new AwsError('UnknownOperationException', `Unknown operation ${target}`));
      return;
    }
    if (!scope) {
      fail(new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token'));
      return;
    }
    const verdict = await applyFaults(res, signingName, operation, scope.region);
    if (verdict === 'handled') return;
    if (verdict instanceof AwsError) {
      fail(verdict);
      return;
    }
    const lost = verdict?.lostReply;

    if (signingName === 'dynamodb') {
      if (!options.dynamodb)
        fail(new AwsError('ServiceUnavailable', 'DynamoDB is not running in this sandbox', 503));
      else if (lost)
        options.dynamodb.forward(
          req,
          body,
          discardedReply(() => loseReply(res, lost, fail)),
        );
      else options.dynamodb.forward(req, body, res);
      return;
    }
    const service = services.get(signingName);
    const op = service?.operations[operation];
    if (!op) {
      fail(new AwsError('UnknownOperationException', `Unknown operation ${target}`));
      return;
    }
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      fail(new AwsError('SerializationException', 'Start of structure or map found where not expected.'));
      return;
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      fail(new AwsError('SerializationException', 'Start of structure or map found where not expected.'));
      return;
    }
    try {
      const output = await op(input as Record<string, unknown>, context(scope.region));
      if (lost) loseReply(res, lost, fail);
      else send(res, encodeJsonSuccess(output, version, requestId));
    } catch (error) {
      fail(asAwsError(error, onInternalError));
    }
  }

  async function handleQuery(
    _req: http.IncomingMessage,
    res: http.ServerResponse,
    text: string,
    scope: ReturnType<typeof parseSigV4Scope>,
    requestId: string,
  ): Promise<void> {
    const { action, input } = decodeQueryRequest(text);
    // Only SNS speaks awsQuery here; the emulations behind JSON protocols expect typed JSON input.
    const signingName = 'sns';
    const namespace = QUERY_NAMESPACES[scope?.service ?? signingName] ?? QUERY_NAMESPACES.sns!;
    const fail = (error: AwsError) => send(res, encodeQueryError(error, namespace, requestId));
    if (scope && scope.service !== signingName && services.has(scope.service)) {
      fail(
        new AwsError(
          'InvalidAction',
          `The sandbox serves ${scope.service} over its JSON protocol only; update the SDK client (CloudWatch >= 3.949 sends AWS JSON 1.0).`,
        ),
      );
      return;
    }
    if (!action) {
      fail(new AwsError('MissingAction', 'Missing Action'));
      return;
    }
    if (!scope) {
      fail(new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403));
      return;
    }
    const op = services.get(signingName)?.operations[action];
    if (!op) {
      fail(new AwsError('InvalidAction', `Could not find operation ${action} for version 2010-03-31`));
      return;
    }
    const verdict = await applyFaults(res, signingName, action, scope.region);
    if (verdict === 'handled') return;
    if (verdict instanceof AwsError) {
      fail(verdict);
      return;
    }
    try {
      const output = await op(input, context(scope.region));
      if (verdict?.lostReply) loseReply(res, verdict.lostReply, fail);
      else send(res, encodeQuerySuccess(action, output, namespace, requestId));
    } catch (error) {
      fail(asAwsError(error, onInternalError));
    }
  }

  /**
   * Returns an error to answer with, `'handled'` when the connection was dealt with, a lost reply
   * (run the operation, then answer with it instead of the result), or nothing.
   */
  async function applyFaults(
    res: http.ServerResponse,
    service: string,
    operation: string,
    region: string,
  ): Promise<AwsError | 'handled' | { lostReply: 'reset' | AwsError } | undefined> {
    const verdict = options.faults.beforeCall({ service, operation, region });
    if (verdict.regionDown === 'reset') {
      // Like an unreachable regional endpoint: the client sees a reset connection and retries.
      if (res.socket?.resetAndDestroy) res.socket.resetAndDestroy();
      else res.socket?.destroy();
      return 'handled';
    }
    if (verdict.regionDown === 'unavailable') {
      return new AwsError('ServiceUnavailable', `Service is unavailable in ${region}`, 503);
    }
    // A call a fault already fails never reached the service, so it does not use up the quota.
    const error = verdict.error ?? options.quotas?.check({ service, operation, region });
    if (verdict.latencyMs > 0) await sleep(verdict.latencyMs);
    if (!error && verdict.lostReply) return { lostReply: verdict.lostReply };
    return error;
  }

  function context(region: string): RequestContext {
    return { region, accountId: SANDBOX_ACCOUNT_ID, now: options.now };
  }
}

/** Answers a call that ran as if its reply were lost on the way (a client timeout). */
function loseReply(
  res: http.ServerResponse,
  lost: 'reset' | AwsError,
  fail: (error: AwsError) => void,
): void {
  if (lost !== 'reset') fail(lost);
  else if (res.socket?.resetAndDestroy) res.socket.resetAndDestroy();
  else res.socket?.destroy();
}

/**
 * A response stand-in for the DynamoDB proxy that throws the answer away: the write lands in
 * dynalite, and `done` answers the real response once dynalite has replied.
 */
function discardedReply(done: () => void): http.ServerResponse {
  const sink = Object.assign(new Writable({ write: (_chunk, _encoding, next) => next() }), {
    headersSent: false,
    writeHead() {
      sink.headersSent = true;
      return sink;
    },
  });
  sink.on('finish', done);
  return sink as unknown as http.ServerResponse;
}

function asAwsError(error: unknown, onInternalError: (error: unknown) => void): AwsError {
  if (error instanceof AwsError) return error;
  onInternalError(error);
  return new AwsError(
    'InternalFailure',
    'The request processing has failed because of an unknown error.',
    500,
  );
}

async function handleControl(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  body: Buffer,
  routes: readonly ControlRoute[],
  onInternalError: (error: unknown) => void,
): Promise<void> {
  const rawBody = body.toString('utf8');
  let parsed: unknown;
  const isJson = (header(req, 'content-type') ?? 'application/json').includes('json');
  if (rawBody.length > 0 && isJson) {
    try {
      parsed = JSON.parse(rawBody);
    } catch {
      parsed = undefined;
    }
  }
  const request: ControlRequest = {
    method: req.method ?? 'GET',
    segments: url.pathname.split('/').filter(Boolean).slice(1).map(decodeURIComponent),
    query: url.searchParams,
    body: parsed,
    rawBody,
    ...(header(req, 'authorization') ? { authorization: header(req, 'authorization') } : {}),
    headers: req.headers,
  };
  try {
    for (const route of routes) {
      const reply = await route(request);
      if (reply) {
        const status = reply.status ?? 200;
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body, null, 2);
        res.writeHead(status, {
          'content-type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
          ...reply.headers,
        });
        res.end(text);
        return;
      }
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `no control route ${request.method} ${url.pathname}` }));
  } catch (error) {
    const status = error instanceof RangeError || error instanceof TypeError ? 400 : 500;
    if (status === 500) onInternalError(error);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
  }
}

/** Health, faults, quotas and Slack sink routes. */
function builtInControlRoutes(
  options: SandboxServerOptions,
  services: Map<string, ServiceEmulation>,
): ControlRoute[] {
  const { faults, slack } = options;
  return [
    ({ method, segments }) => {
      if (method !== 'GET' || segments[0] !== 'health' || segments.length !== 1) return undefined;
      const served = Object.fromEntries(
        [...services.values()].map((s) => [s.signingName, Object.keys(s.operations)]),
      );
      if (options.dynamodb) served.dynamodb = ['DynamoDB_20120810.* (dynalite)'];
      if (options.restRoutes?.length) served.lambda = ['Invoke (hook functions, see /_sandbox/hooks)'];
      return { body: { ok: true, now: new Date(options.now()).toISOString(), services: served } };
    },
    ({ method, segments, body }) => {
      if (segments[0] !== 'faults') return undefined;
      if (method === 'GET' && segments.length === 1) return { body: faults.snapshot() };
      if (method === 'DELETE' && segments.length === 1) {
        faults.clear();
        return { body: { cleared: true } };
      }
      if (method === 'DELETE' && segments.length === 2) {
        return faults.removeRule(segments[1]!)
          ? { body: { removed: segments[1] } }
          : { status: 404, body: { error: `no fault rule ${segments[1]}` } };
      }
      if (method === 'POST' && segments.length === 1)
        return { status: 201, body: applyFaultRequest(faults, body) };
      return undefined;
    },
    ({ method, segments, body }) => {
      const { quotas } = options;
      if (segments[0] !== 'quotas' || segments.length !== 1 || !quotas) return undefined;
      if (method === 'GET') return { body: quotas.snapshot() };
      if (method === 'DELETE') {
        quotas.liftAll();
        return { body: quotas.snapshot() };
      }
      if (method === 'PUT' || method === 'POST') {
        quotas.set(quotaChanges(body));
        return { body: quotas.snapshot() };
      }
      return undefined;
    },
    ({ method, segments, body, rawBody, authorization, query }) => {
      if (segments[0] !== 'slack-api') return undefined;
      if (segments.length === 1 && method === 'GET')
        return {
          body: { messages: slack.api.messages(query.get('channel') ?? undefined), calls: slack.api.calls() },
        };
      if (segments.length === 1 && method === 'DELETE') {
        slack.api.reset();
        return { body: { reset: true } };
      }
      if (segments.length === 2 && segments[1] === 'behaviour' && (method === 'PUT' || method === 'POST')) {
        if (!body || typeof body !== 'object')
          throw new TypeError('expected a JSON body { failure, method?, times?, retryAfterSeconds? }');
        slack.api.behave(body as SlackApiBehaviour);
        return { body: { behaviour: body } };
      }
      if (segments.length === 2 && method === 'POST') {
        const reply = slack.api.call(segments[1]!, authorization, rawBody);
        return { status: reply.status, headers: reply.headers, body: reply.body };
      }
      return undefined;
    },
    ({ method, segments, body, rawBody }) => {
      if (segments[0] !== 'slack') return undefined;
      if (segments.length === 1 && method === 'GET') {
        return {
          body: slack.hooks().map((hookId) => ({
            hookId,
            posts: slack.posts(hookId).length,
            attempts: slack.attempts(hookId).length,
          })),
        };
      }
      if (!segments[1]) return undefined;
      const hookId = segments[1];
      if (segments.length === 2 && method === 'POST') {
        const reply = slack.post(hookId, rawBody);
        return { status: reply.status, headers: reply.headers, body: reply.body };
      }
      if (segments.length === 2 && method === 'GET') {
        return { body: { posts: slack.posts(hookId), attempts: slack.attempts(hookId) } };
      }
      if (segments.length === 2 && method === 'DELETE') {
        slack.reset(hookId);
        return { body: { reset: hookId } };
      }
      if (segments.length === 3 && segments[2] === 'behaviour' && (method === 'PUT' || method === 'POST')) {
        if (!body || typeof body !== 'object')
          throw new TypeError('expected a JSON body { failure, times?, retryAfterSeconds? }');
        slack.behave(hookId, body as SlackBehaviour);
        return { body: { hookId, behaviour: body } };
      }
      return undefined;
    },
  ];
}

/**
 * Applies one `POST /_sandbox/faults` body. `kind` decides the fault: throttle | error | latency |
 * lost-reply (reply: reset or an error code) (with service/operation/region/times/fraction/maxPerSecond), hold-endpoint | release-endpoint (region,
 * endpointName), fail-rollback | restore-rollback (region, endpointName: a blue/green rollback
 * ends UpdateRollbackFailed), region-down (region, mode) | region-up (region), drop-deliveries |
 * duplicate-deliveries (count, channel).
 */
export function applyFaultRequest(faults: Faults, body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object') throw new TypeError('expected a JSON body with a "kind"');
  const b = body as Record<string, unknown>;
  const str = (key: string): string | undefined =>
    typeof b[key] === 'string' ? (b[key] as string) : undefined;
  const num = (key: string): number | undefined =>
    typeof b[key] === 'number' ? (b[key] as number) : undefined;
  const need = (key: string): string => {
    const value = str(key);
    if (!value) throw new TypeError(`"${key}" is required for kind ${String(b.kind)}`);
    return value;
  };
  const scope = {
    ...(str('service') ? { service: str('service') } : {}),
    ...(str('operation') ? { operation: str('operation') } : {}),
    ...(str('region') ? { region: str('region') } : {}),
    ...(num('times') !== undefined ? { times: num('times') } : {}),
    ...(num('fraction') !== undefined ? { fraction: num('fraction') } : {}),
    ...(num('maxPerSecond') !== undefined ? { maxPerSecond: num('maxPerSecond') } : {}),
  };
  const channel = str('channel') as 'events' | 'sns' | undefined;
  switch (b.kind) {
    case 'throttle':
      return { id: faults.throttle(scope) };
    case 'error':
      return { id: faults.fail((str('code') as ServerErrorCode | undefined) ?? 'InternalFailure', scope) };
    case 'latency':
      return { id: faults.delay(num('latencyMs') ?? 0, scope) };
    case 'lost-reply':
      return { id: faults.loseReply(scope, (str('reply') as LostReplyMode | undefined) ?? 'reset') };
    case 'hold-endpoint':
      faults.holdEndpoint(need('region'), need('endpointName'));
      return { held: `${b.region}/${b.endpointName}` };
    case 'release-endpoint':
      faults.releaseEndpoint(need('region'), need('endpointName'));
      return { released: `${b.region}/${b.endpointName}` };
    case 'exhaust-capacity':
      faults.exhaustCapacity(need('region'), need('instanceType'));
      return { exhausted: `${b.region}/${b.instanceType}` };
    case 'restore-capacity':
      faults.restoreCapacity(need('region'), need('instanceType'));
      return { restored: `${b.region}/${b.instanceType}` };
    case 'fail-rollback':
      faults.failRollback(need('region'), need('endpointName'));
      return { rollbackFailing: `${b.region}/${b.endpointName}` };
    case 'restore-rollback':
      faults.restoreRollback(need('region'), need('endpointName'));
      return { rollbackRestored: `${b.region}/${b.endpointName}` };
    case 'region-down':
      faults.takeRegionDown(need('region'), str('mode') === 'unavailable' ? 'unavailable' : 'reset');
      return { down: b.region };
    case 'region-up':
      faults.restoreRegion(need('region'));
      return { up: b.region };
    case 'drop-deliveries':
      faults.dropDeliveries(num('count') ?? 1, channel);
      return { drop: num('count') ?? 1 };
    case 'duplicate-deliveries':
      faults.duplicateDeliveries(num('count') ?? 1, channel);
      return { duplicate: num('count') ?? 1 };
    default:
      throw new TypeError(`unknown fault kind ${String(b.kind)}`);
  }
}

/** A `PUT /_sandbox/quotas` body: `{ "sagemaker.DescribeEndpoint": 5, "monitoring.GetMetricData": null }`. */
function quotaChanges(body: unknown): Record<string, number | null> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new TypeError(
      'expected a JSON object of calls per second by signingName.Operation (null lifts one)',
    );
  for (const [key, value] of Object.entries(body)) {
    if (value !== null && typeof value !== 'number')
      throw new TypeError(
        `quota ${key} must be a number of calls per second or null, got ${JSON.stringify(value)}`,
      );
  }
  return body as Record<string, number | null>;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function send(res: http.ServerResponse, encoded: EncodedResponse): void {
  res.writeHead(encoded.statusCode, {
    ...encoded.headers,
    'content-length': Buffer.byteLength(encoded.body),
  });
  res.end(encoded.body);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        reject(new RequestTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
