import { createSlackApiSink, type SlackApiSink } from './slack-api-sink';

/**
 * A stand-in for Slack incoming webhooks: `POST /_sandbox/slack/<hookId>` records `{ text, blocks }`
 * and answers `ok`, or answers the way Slack refuses posts (429 with `Retry-After`, 404
 * `no_service`, 410 `channel_is_archived`, 403, 400 `invalid_payload`, 500) when told to. Its `api`
 * part is the bot-token side: `chat.postMessage` and `chat.update` (see slack-api-sink.ts).
 */

/** Slack's refusals the sink can play. */
export type SlackFailure =
  | 'rate_limited'
  | 'no_service'
  | 'channel_not_found'
  | 'channel_is_archived'
  | 'action_prohibited'
  | 'invalid_payload'
  | 'server_error';

export interface SlackBehaviour {
  failure: SlackFailure;
  /** Answer the next N posts this way, then return to normal. Default: until `reset`. */
  times?: number;
  /** `rate_limited` only: the `Retry-After` header, seconds. Default {@link DEFAULT_RETRY_AFTER_SECONDS}. */
  retryAfterSeconds?: number;
}

/** Default `Retry-After` for a rate-limited post, seconds. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

export interface SlackPost {
  text?: string;
  blocks?: unknown;
  /** The whole JSON payload as posted. */
  payload: Record<string, unknown>;
  /** Wall-clock receipt time, epoch ms. */
  receivedAt: number;
}

export interface SlackAttempt {
  status: number;
  body: string;
  receivedAt: number;
}

export interface SlackReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface SlackSink {
  /** Handles one webhook post (raw body); records it when accepted. */
  post(hookId: string, rawBody: string): SlackReply;
  /** Accepted messages for `hookId`, oldest first. */
  posts(hookId: string): SlackPost[];
  /** Every attempt for `hookId` including refused ones. */
  attempts(hookId: string): SlackAttempt[];
  /** Makes the hook refuse posts as `behaviour` says. */
  behave(hookId: string, behaviour: SlackBehaviour): void;
  /** Forgets posts and behaviours of one hook, or of all hooks. */
  reset(hookId?: string): void;
  hooks(): string[];
  /** The Web API (`/_sandbox/slack-api/<method>`): channels, threads and their edits. */
  readonly api: SlackApiSink;
}

interface HookState {
  posts: SlackPost[];
  attempts: SlackAttempt[];
  behaviour?: SlackBehaviour & { used: number };
}

const FAILURES: Record<SlackFailure, { status: number; body: string }> = {
  rate_limited: { status: 429, body: 'rate_limited' },
  no_service: { status: 404, body: 'no_service' },
  channel_not_found: { status: 404, body: 'channel_not_found' },
  channel_is_archived: { status: 410, body: 'channel_is_archived' },
  action_prohibited: { status: 403, body: 'action_prohibited' },
  invalid_payload: { status: 400, body: 'invalid_payload' },
  server_error: { status: 500, body: 'internal_error' },
};

/** Creates an empty sink: every hook accepts posts until told otherwise. */
export function createSlackSink(): SlackSink {
  const hooks = new Map<string, HookState>();
  const api = createSlackApiSink();
  const hook = (id: string) => {
    let h = hooks.get(id);
    if (!h) {
      h = { posts: [], attempts: [] };
      hooks.set(id, h);
    }
    return h;
  };

  return {
    post(hookId, rawBody) {
      const h = hook(hookId);
      const receivedAt = Date.now();
      const reply = (status: number, body: string, headers: Record<string, string> = {}): SlackReply => {
        h.attempts.push({ status, body: rawBody, receivedAt });
        return { status, headers: { 'content-type': 'text/plain', ...headers }, body };
      };
      const b = h.behaviour;
      if (b && (b.times === undefined || b.used < b.times)) {
        b.used += 1;
        if (b.times !== undefined && b.used >= b.times) h.behaviour = undefined;
        const { status, body } = FAILURES[b.failure];
        const headers: Record<string, string> =
          b.failure === 'rate_limited'
            ? { 'retry-after': String(b.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS) }
            : {};
        return reply(status, body, headers);
      }
      let payload: unknown;
      try {
        payload = JSON.parse(rawBody);
      } catch {
        return reply(400, 'invalid_payload');
      }
      if (!payload || typeof payload !== 'object' || Array.isArray(payload))
        return reply(400, 'invalid_payload');
      const record = payload as Record<string, unknown>;
      const hasText = typeof record.text === 'string' && record.text !== '';
      const hasBlocks = Array.isArray(record.blocks) && record.blocks.length > 0;
      if (record.blocks !== undefined && !Array.isArray(record.blocks)) return reply(400, 'invalid_blocks');
      if (!hasText && !hasBlocks) return reply(400, 'no_text');
      h.posts.push({
        ...(typeof record.text === 'string' ? { text: record.text } : {}),
        ...(record.blocks !== undefined ? { blocks: record.blocks } : {}),
        payload: record,
        receivedAt,
      });
      return reply(200, 'ok');
    },
    posts: (hookId) => [...(hooks.get(hookId)?.posts ?? [])],
    attempts: (hookId) => [...(hooks.get(hookId)?.attempts ?? [])],
    behave(hookId, behaviour) {
      if (!(behaviour.failure in FAILURES))
        throw new RangeError(`unknown Slack failure: ${behaviour.failure}`);
      hook(hookId).behaviour = { ...behaviour, used: 0 };
    },
    reset(hookId) {
      if (hookId === undefined) {
        hooks.clear();
        api.reset();
      } else hooks.delete(hookId);
    },
    hooks: () => [...hooks.keys()],
    api,
  };
}
