import type { HookPolicy } from '../domain/types';
import type { HookCaller, HookCallResult, HookRequest } from '../ports/hook-caller';
import { HOOK_SIGNATURE_HEADER, HOOK_TIMESTAMP_HEADER, signHookBody } from './hook-signature';

/** Characters of a hook's reason kept (history, status and notifications quote it). */
export const HOOK_REASON_MAX_CHARS = 300;

/** First wait before a retry; doubled each time, plus up to as much again at random. Milliseconds. */
export const HOOK_RETRY_BASE_MS = 200;

/** Longest wait between two attempts. Milliseconds. */
export const HOOK_RETRY_MAX_MS = 5_000;

/** What a Lambda invocation gave back (RequestResponse). */
export interface LambdaInvocation {
  /** Lambda's StatusCode (200 for a RequestResponse call that ran). */
  status: number;
  /** The function's answer, as text. */
  payload: string;
  /** Set when the function threw or timed out (`Unhandled`, `Handled`). */
  functionError?: string;
}

/** The I/O a hook call needs, handed in so tests and the sandbox can stand in for any of it. */
export interface HookTransports {
  /** The decrypted value of an SSM SecureString (the HMAC key); undefined when it does not exist. */
  secret(name: string): Promise<string | undefined>;
  /** Invokes a function (RequestResponse). Throws on a call that did not reach it or was refused. */
  invokeLambda?(functionName: string, payload: string, signal: AbortSignal): Promise<LambdaInvocation>;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Wall clock for the signature's timestamp and the call's duration, epoch ms. Default Date.now. */
  wallNow?: () => number;
  /** Random number in [0, 1) for the backoff's jitter. Default Math.random. */
  random?: () => number;
}

/** One attempt's outcome: an answer, or a failure that a retry may get past (or not). */
type Attempt =
  | { kind: 'answer'; allow: boolean; reason: string; status?: number }
  | { kind: 'failure'; retryable: boolean; reason: string; status?: number };

/**
 * Calls hooks as the policy describes them: an HTTPS `POST` of the JSON request, signed with
 * HMAC-SHA256 when the hook names a secret (2xx: allow; another status: no, with the body's
 * reason), or a Lambda `Invoke` answering `{ allow, reason? }`. Each attempt is cut at the hook's
 * `timeout`; timeouts, network errors, 429/5XX and Lambda throttles or service errors are retried
 * `retries` times with a doubling, jittered wait, then count as a failed call. Never throws.
 */
export class HookCallers implements HookCaller {
  constructor(private readonly transports: HookTransports) {}

  async call(hook: HookPolicy, request: HookRequest): Promise<HookCallResult> {
    const wallNow = this.transports.wallNow ?? Date.now;
    const sleep = this.transports.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    const random = this.transports.random ?? Math.random;
    const started = wallNow();
    const retries = Math.max(0, Math.floor(hook.retries));
    let last: Attempt = { kind: 'failure', retryable: false, reason: 'not called' };
    let attempts = 0;
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      attempts = attempt;
      last = await this.attempt(hook, { ...request, attempt });
      if (last.kind === 'answer' || !last.retryable || attempt > retries) break;
      const wait = Math.min(HOOK_RETRY_MAX_MS, HOOK_RETRY_BASE_MS * 2 ** (attempt - 1));
      await sleep(wait + Math.floor(random() * wait));
    }
    const result: HookCallResult = {
      hook: hook.name,
      point: request.point,
      allow: last.kind === 'answer' && last.allow,
      failed: last.kind === 'failure',
      reason:
        last.kind === 'failure' && attempts > 1
          ? clip(`call failed after ${attempts} attempts: ${last.reason}`)
          : clip(last.reason),
      attempts,
      ms: Math.max(0, wallNow() - started),
    };
    if (last.status !== undefined) result.status = last.status;
    return result;
  }

  private async attempt(hook: HookPolicy, request: HookRequest & { attempt: number }): Promise<Attempt> {
    const timeoutMs = Math.max(1, hook.timeoutSeconds) * 1000;
    try {
      return hook.target.type === 'https'
        ? await this.post(hook.target.url, hook.target.secretParameter, request, timeoutMs)
        : await this.invoke(hook.target.functionName, request, timeoutMs);
    } catch (error) {
      // Anything unexpected (a secret that cannot be read, a transport bug) is a failed call, not a crash.
      return { kind: 'failure', retryable: false, reason: describe(error) };
    }
  }

  private async post(
    url: string,
    secretParameter: string | undefined,
    request: HookRequest & { attempt: number },
    timeoutMs: number,
  ): Promise<Attempt> {
    const body = JSON.stringify(request);
    const timestamp = String(Math.floor((this.transports.wallNow ?? Date.now)() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'rollout-watchdog-hooks/1',
      [HOOK_TIMESTAMP_HEADER]: timestamp,
    };
    if (secretParameter) {
      const key = await this.transports.secret(secretParameter);
      if (key === undefined)
        return { kind: 'failure', retryable: false, reason: `secret ${secretParameter} not found in SSM` };
      headers[HOOK_SIGNATURE_HEADER] = signHookBody(key, timestamp, body);
    }
    const doFetch = this.transports.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as { name?: string })?.name === 'TimeoutError';
      return {
        kind: 'failure',
        retryable: true,
        reason: timedOut ? `no answer within ${timeoutMs / 1000}s` : `network error: ${networkReason(error)}`,
      };
    }
    let text = '';
    try {
      text = await response.text();
    } catch {
      // The status decides; a body cut off on the way only loses the reason.
    }
    const status = response.status;
    const said = reasonOf(text);
    if (status >= 200 && status < 300)
      return { kind: 'answer', allow: true, reason: said || 'allowed', status };
    const reason = said ? `HTTP ${status}: ${said}` : `HTTP ${status}`;
    if (status === 429 || status >= 500) return { kind: 'failure', retryable: true, reason, status };
    return { kind: 'answer', allow: false, reason, status };
  }

  private async invoke(
    functionName: string,
    request: HookRequest & { attempt: number },
    timeoutMs: number,
  ): Promise<Attempt> {
    const invokeLambda = this.transports.invokeLambda;
    if (!invokeLambda) return { kind: 'failure', retryable: false, reason: 'no Lambda client configured' };
    let invocation: LambdaInvocation;
    try {
      invocation = await invokeLambda(functionName, JSON.stringify(request), AbortSignal.timeout(timeoutMs));
    } catch (error) {
      const name = (error as { name?: string })?.name ?? '';
      const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
      const retryable =
        name === 'TimeoutError' ||
        name === 'AbortError' ||
        name === 'TooManyRequestsException' ||
        name === 'ServiceException' ||
        name === 'EC2ThrottledException' ||
        status === undefined ||
        status === 429 ||
        status >= 500;
      const reason =
        name === 'TimeoutError' || name === 'AbortError'
          ? `no answer within ${timeoutMs / 1000}s`
          : `Lambda ${describe(error)}`;
      return { kind: 'failure', retryable, reason, ...(status !== undefined ? { status } : {}) };
    }
    const { status } = invocation;
    if (invocation.functionError) {
      const said = reasonOf(invocation.payload);
      return {
        kind: 'failure',
        retryable: false,
        reason: `function error (${invocation.functionError})${said ? `: ${said}` : ''}`,
        status,
      };
    }
    let answer: unknown;
    try {
      answer = JSON.parse(invocation.payload);
    } catch {
      answer = undefined;
    }
    const allow = (answer as { allow?: unknown } | undefined)?.allow;
    if (typeof allow !== 'boolean')
      return {
        kind: 'failure',
        retryable: false,
        reason: `malformed answer (expected {"allow": true|false, "reason"?: "..."}): ${clip(invocation.payload, 100)}`,
        status,
      };
    const said = (answer as { reason?: unknown }).reason;
    const reason =
      typeof said === 'string' && said.trim() !== '' ? said.trim() : allow ? 'allowed' : 'no reason given';
    return { kind: 'answer', allow, reason, status };
  }
}

/** The reason in a body: a JSON `{ "reason": "..." }`, else the text itself (trimmed). */
function reasonOf(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  try {
    const parsed = JSON.parse(trimmed) as { reason?: unknown; errorMessage?: unknown };
    if (typeof parsed?.reason === 'string') return clip(parsed.reason.trim());
    if (typeof parsed?.errorMessage === 'string') return clip(parsed.errorMessage.trim());
  } catch {
    // Not JSON: the text is the reason.
  }
  return clip(trimmed);
}

function clip(text: string, max = HOOK_REASON_MAX_CHARS): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** fetch's "fetch failed" hides the reason in `cause` (ECONNREFUSED, ENOTFOUND...). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? describe(error);
}
