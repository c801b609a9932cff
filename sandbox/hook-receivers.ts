/**
 * The sandbox's hook receivers: what a team's gate would be, scripted over simulated time, for
 * tests, scenarios and `npm run dev`.
 *
 * - HTTP: `POST {sandbox}/_sandbox/hooks/<name>` answers as the script of `<name>` says at that
 *   simulated moment (2xx: allow; another status: no, with `{ "reason": ... }`). A request to a
 *   hook with a secret (the script's `secretParameter`, else `/rollout-watchdog/hooks/<name>` when
 *   that SSM parameter exists in the sandbox) must carry a valid signature, or gets a 401.
 * - Lambda: `Invoke` (`POST /2015-03-31/functions/<function>/invocations`, signing name `lambda`)
 *   of a function registered for a hook answers `{ "allow": ..., "reason": ... }` from the same
 *   script; a scripted 5XX is a FunctionError, a 429 Lambda's TooManyRequestsException.
 * - Scripts: `PUT /_sandbox/hooks/<name>` with `[{ fromMinute | fromTime, allow, reason?, status?,
 *   delayMs? }]` (or `{ answers, secretParameter?, functionName?, startTime? }`); minutes count from
 *   the moment the script was set (or `startTime`). `GET /_sandbox/hooks[/<name>]` lists the calls
 *   received, `DELETE /_sandbox/hooks` forgets scripts and calls.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  HOOK_SIGNATURE_HEADER,
  HOOK_TIMESTAMP_HEADER,
  verifyHookSignature,
} from '../shared/hooks/hook-signature';
import type { ControlRoute } from './server';

/** One answer of a script, in force from its minute (or time) on. */
export interface HookScriptEntry {
  /** Simulated minutes after the script's start. */
  fromMinute?: number;
  /** Or an absolute simulated time, ISO. */
  fromTime?: string;
  allow: boolean;
  reason?: string;
  /** HTTP status to answer with (default 200 for allow, 409 for no). Lambda: 5XX → FunctionError, 429 → throttled. */
  status?: number;
  /** Wall-clock wait before answering (a slow receiver: timeouts). Milliseconds. */
  delayMs?: number;
}

export interface HookScript {
  answers: HookScriptEntry[];
  /** SSM parameter holding the HMAC key requests must be signed with. Default: `/rollout-watchdog/hooks/<name>` if it exists. */
  secretParameter?: string;
  /** Region of that parameter. Default us-east-1. */
  region?: string;
  /** A Lambda function name that answers with this script too. */
  functionName?: string;
  /** Where minute 0 is, simulated epoch ms. Default: when the script was set. */
  startTime?: number;
}

/** A call a receiver got, as tests read it. */
export interface ReceivedHookCall {
  hook: string;
  via: 'https' | 'lambda';
  /** Simulated time of the call, ISO. */
  time: string;
  body: unknown;
  /** true/false: the signature was checked and held or not; null: the hook has no secret. */
  verified: boolean | null;
  headers: Record<string, string>;
  status: number;
  allow: boolean;
  reason: string;
}

export interface HookReceiversOptions {
  /** Simulated epoch ms. */
  now(): number;
  /** The decrypted value of an SSM parameter of the sandbox, or undefined. */
  readSecret(region: string, name: string): Promise<string | undefined>;
}

/** A REST request the sandbox front hands to the Lambda route. */
export interface RestRequest {
  method: string;
  path: string;
  /** Signing name from the SigV4 scope. */
  service: string | undefined;
  region: string | undefined;
  body: string;
}

export interface RestReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HookReceivers {
  /** Sets (replaces) the script of hook `name`. */
  script(name: string, script: HookScript | HookScriptEntry[]): void;
  /** Makes `functionName` (a Lambda hook's function) answer with the script of hook `name`. */
  registerFunction(functionName: string, name: string): void;
  /** Calls received, oldest first (of one hook when named). */
  calls(name?: string): ReceivedHookCall[];
  /** Forgets scripts, functions and calls. */
  reset(): void;
  /** `/_sandbox/hooks/...` routes. */
  readonly controlRoute: ControlRoute;
  /** Lambda `Invoke`; undefined when the request is not one. */
  lambdaRoute(request: RestRequest): Promise<RestReply | undefined>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** Creates the receivers over the sandbox's clock and SSM. */
export function createHookReceivers(options: HookReceiversOptions): HookReceivers {
  const scripts = new Map<string, HookScript & { startTime: number }>();
  const functions = new Map<string, string>();
  const received: ReceivedHookCall[] = [];

  const setScript = (name: string, raw: HookScript | HookScriptEntry[]) => {
    const script = Array.isArray(raw) ? { answers: raw } : raw;
    if (!Array.isArray(script.answers))
      throw new TypeError('expected [{ fromMinute, allow, reason? }] or { answers: [...] }');
    for (const entry of script.answers) {
      if (typeof entry?.allow !== 'boolean')
        throw new TypeError(`hook ${name}: every answer needs "allow": true|false`);
    }
    scripts.set(name, { ...script, startTime: script.startTime ?? options.now() });
    if (script.functionName) functions.set(functionNameOf(script.functionName), name);
  };

  /** The script's answer now: the last entry whose minute (or time) has come; none: no answer. */
  const answerOf = (name: string): HookScriptEntry | undefined => {
    const script = scripts.get(name);
    if (!script) return undefined;
    const now = options.now();
    let chosen: HookScriptEntry | undefined;
    for (const entry of script.answers) {
      const from =
        entry.fromTime !== undefined
          ? Date.parse(entry.fromTime)
          : script.startTime + (entry.fromMinute ?? 0) * 60_000;
      if (from <= now) chosen = entry;
    }
    return chosen;
  };

  const verify = async (
    name: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<boolean | null> => {
    const script = scripts.get(name);
    const parameter = script?.secretParameter ?? `/rollout-watchdog/hooks/${name}`;
    const key = await options.readSecret(script?.region ?? 'us-east-1', parameter);
    if (key === undefined) return script?.secretParameter ? false : null;
    return verifyHookSignature(
      key,
      headers[HOOK_TIMESTAMP_HEADER.toLowerCase()] ?? '',
      body,
      headers[HOOK_SIGNATURE_HEADER.toLowerCase()],
    );
  };

  const record = (call: Omit<ReceivedHookCall, 'time'>) => {
    received.push({ ...call, time: new Date(options.now()).toISOString() });
  };

  const controlRoute: ControlRoute = async (req) => {
    if (req.segments[0] !== 'hooks') return undefined;
    const name = req.segments[1];
    if (req.method === 'GET' && req.segments.length <= 2) {
      return {
        body: {
          calls: received.filter((c) => name === undefined || c.hook === name),
          scripts: [...scripts.keys()],
        },
      };
    }
    if (req.method === 'DELETE' && req.segments.length === 1) {
      scripts.clear();
      functions.clear();
      received.length = 0;
      return { body: { reset: true } };
    }
    if (!name || req.segments.length !== 2) return undefined;
    if (req.method === 'PUT') {
      if (req.body === undefined) throw new TypeError('expected a JSON script');
      setScript(name, req.body as HookScript);
      return { body: { hook: name, scripted: true } };
    }
    if (req.method !== 'POST') return undefined;
    const headers = lowerHeaders(req.headers ?? {});
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody);
    } catch {
      body = req.rawBody;
    }
    const verified = await verify(name, headers, req.rawBody);
    if (verified === false) {
      const reason = 'signature does not verify';
      record({ hook: name, via: 'https', body, verified, headers, status: 401, allow: false, reason });
      return { status: 401, body: { reason } };
    }
    const answer = answerOf(name);
    if (!answer) {
      const reason = `no script for hook ${name}`;
      record({ hook: name, via: 'https', body, verified, headers, status: 404, allow: false, reason });
      return { status: 404, body: { reason } };
    }
    const status = answer.status ?? (answer.allow ? 200 : 409);
    const reason = answer.reason ?? (answer.allow ? 'go ahead' : 'not now');
    // Recorded on arrival: a call its caller gives up on (a timeout) was still received.
    record({
      hook: name,
      via: 'https',
      body,
      verified,
      headers,
      status,
      allow: answer.allow && status < 300,
      reason,
    });
    if (answer.delayMs) await sleep(answer.delayMs);
    return { status, body: { reason } };
  };

  const lambdaRoute = async (request: RestRequest): Promise<RestReply | undefined> => {
    const match = INVOKE_PATH.exec(request.path);
    if (!match || request.method !== 'POST' || request.service !== 'lambda') return undefined;
    const functionName = functionNameOf(decodeURIComponent(match[1]!));
    const name = functions.get(functionName);
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      body = request.body;
    }
    const error = (status: number, type: string, message: string): RestReply => ({
      status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
      body: JSON.stringify({ Type: 'User', message }),
    });
    if (!name) {
      return error(
        404,
        'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:${request.region ?? 'us-east-1'}:000000000000:function:${functionName}`,
      );
    }
    const answer = answerOf(name);
    const reply = (status: number, allow: boolean, reason: string, out: RestReply): RestReply => {
      record({ hook: name, via: 'lambda', body, verified: null, headers: {}, status, allow, reason });
      return out;
    };
    if (!answer) {
      const reason = `no script for hook ${name}`;
      return reply(200, false, reason, {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' },
        body: JSON.stringify({ errorType: 'Error', errorMessage: reason }),
      });
    }
    if (answer.delayMs) await sleep(answer.delayMs);
    const reason = answer.reason ?? (answer.allow ? 'go ahead' : 'not now');
    if (answer.status === 429)
      return reply(429, false, reason, error(429, 'TooManyRequestsException', 'Rate Exceeded.'));
    if (answer.status !== undefined && answer.status >= 500)
      return reply(200, false, reason, {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' },
        body: JSON.stringify({ errorType: 'Error', errorMessage: reason }),
      });
    return reply(200, answer.allow, reason, {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' },
      body: JSON.stringify({ allow: answer.allow, reason }),
    });
  };

  return {
    script: setScript,
    registerFunction: (functionName, name) => functions.set(functionNameOf(functionName), name),
    calls: (name) => received.filter((c) => name === undefined || c.hook === name),
    reset() {
      scripts.clear();
      functions.clear();
      received.length = 0;
    },
    controlRoute,
    lambdaRoute,
  };
}

/** `arn:aws:lambda:us-east-1:000000000000:function:load-test-gate:live` → `load-test-gate`. */
export function functionNameOf(nameOrArn: string): string {
  const match = /(?:^|:function:)([A-Za-z0-9_.-]+)(?::[^:]+)?$/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn;
}

function lowerHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}
