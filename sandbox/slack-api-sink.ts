/**
 * A stand-in for Slack's Web API methods the thread mode calls, `chat.postMessage` and
 * `chat.update`, as a bot token (`Authorization: Bearer xoxb-...`) sees them: JSON bodies in,
 * HTTP 200 with `{ ok: true, channel, ts, message }` or `{ ok: false, error }` out, 429 with
 * `Retry-After` and `{ ok: false, error: 'ratelimited' }` when rate limited. It keeps every
 * channel's messages (top-level and thread replies, with their edits), so tests can see what a
 * person would see in the channel.
 */

/** Web API errors the sink can be told to answer with (besides those it gives on its own). */
export type SlackApiFailure =
  | 'ratelimited'
  | 'channel_not_found'
  | 'invalid_auth'
  | 'not_in_channel'
  | 'message_not_found'
  | 'internal_error';

export interface SlackApiBehaviour {
  failure: SlackApiFailure;
  /** Only calls of this method (`chat.postMessage`, `chat.update`); default: both. */
  method?: string;
  /** Answer the next N matching calls this way, then return to normal. Default: until `reset`. */
  times?: number;
  /** `ratelimited` only: the `Retry-After` header, seconds. Default {@link DEFAULT_API_RETRY_AFTER_SECONDS}. */
  retryAfterSeconds?: number;
}

/** Default `Retry-After` of a rate-limited call, seconds (Slack's tier 3 pauses are about this). */
export const DEFAULT_API_RETRY_AFTER_SECONDS = 1;

/** A message as the channel shows it now, with what it looked like before each `chat.update`. */
export interface SlackChannelMessage {
  channel: string;
  ts: string;
  /** Set on a reply: the `ts` of the message it replies to. */
  threadTs?: string;
  /** A reply also shown in the channel (`reply_broadcast: true`). */
  broadcast: boolean;
  text?: string;
  blocks?: unknown;
  attachments?: unknown;
  /** Earlier versions, oldest first (one per `chat.update`). */
  edits: Array<Record<string, unknown>>;
  /** The payload of the post or the latest update. */
  payload: Record<string, unknown>;
}

/** One call, accepted or refused. */
export interface SlackApiCallRecord {
  method: string;
  httpStatus: number;
  ok: boolean;
  error?: string;
  channel?: string;
  /** Wall-clock receipt time, epoch ms. */
  receivedAt: number;
}

export interface SlackApiReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface SlackApiSink {
  /** Handles one call of `method` with the request's Authorization header and raw JSON body. */
  call(method: string, authorization: string | undefined, rawBody: string): SlackApiReply;
  /** Messages of `channel` (or of every channel), in posting order, as they read now. */
  messages(channel?: string): SlackChannelMessage[];
  /** Every call, refused ones included, oldest first. */
  calls(): SlackApiCallRecord[];
  /** Makes calls fail as `behaviour` says. */
  behave(behaviour: SlackApiBehaviour): void;
  /** Forgets messages, calls and behaviour. */
  reset(): void;
}

const METHODS = new Set(['chat.postMessage', 'chat.update']);

/** Channel ids Slack issues: C (public), G (private), D (direct), then upper-case letters and digits. */
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/** Bot tokens: `xoxb-` then anything; `xoxb-revoked...` plays a token the workspace revoked. */
const BOT_TOKEN = /^Bearer (xoxb-\S+)$/;

/** Creates an empty sink; channels exist when their id has Slack's shape. */
export function createSlackApiSink(): SlackApiSink {
  let messages: SlackChannelMessage[] = [];
  let calls: SlackApiCallRecord[] = [];
  let behaviour: (SlackApiBehaviour & { used: number }) | undefined;
  let seq = 0;
  // Slack's ts is seconds.microseconds of the post; a counter keeps them unique and increasing.
  const nextTs = () => {
    seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(seq).padStart(6, '0')}`;
  };

  const answer = (
    method: string,
    channel: string | undefined,
    status: number,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): SlackApiReply => {
    const ok = body.ok === true;
    calls.push({
      method,
      httpStatus: status,
      ok,
      ...(ok ? {} : { error: String(body.error) }),
      ...(channel ? { channel } : {}),
      receivedAt: Date.now(),
    });
    return {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: JSON.stringify(body),
    };
  };
  const refuse = (method: string, channel: string | undefined, error: string) =>
    answer(method, channel, 200, { ok: false, error });

  return {
    call(method, authorization, rawBody) {
      if (!METHODS.has(method)) return answer(method, undefined, 404, { ok: false, error: 'unknown_method' });
      let payload: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(rawBody);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new TypeError('not an object');
        payload = parsed as Record<string, unknown>;
      } catch {
        return refuse(method, undefined, 'invalid_json');
      }
      const channel = typeof payload.channel === 'string' ? payload.channel : undefined;
      const b = behaviour;
      if (
        b &&
        (b.method === undefined || b.method === method) &&
        (b.times === undefined || b.used < b.times)
      ) {
        b.used += 1;
        if (b.times !== undefined && b.used >= b.times) behaviour = undefined;
        if (b.failure === 'ratelimited') {
          return answer(
            method,
            channel,
            429,
            { ok: false, error: 'ratelimited' },
            { 'retry-after': String(b.retryAfterSeconds ?? DEFAULT_API_RETRY_AFTER_SECONDS) },
          );
        }
        if (b.failure === 'internal_error')
          return answer(method, channel, 500, { ok: false, error: 'internal_error' });
        return refuse(method, channel, b.failure);
      }
      if (authorization === undefined || authorization === '') return refuse(method, channel, 'not_authed');
      const token = BOT_TOKEN.exec(authorization)?.[1];
      if (!token || token.startsWith('xoxb-revoked')) return refuse(method, channel, 'invalid_auth');
      if (!channel || !CHANNEL_ID.test(channel)) return refuse(method, channel, 'channel_not_found');
      const hasContent =
        (typeof payload.text === 'string' && payload.text !== '') ||
        (Array.isArray(payload.blocks) && payload.blocks.length > 0) ||
        (Array.isArray(payload.attachments) && payload.attachments.length > 0);
      if (payload.blocks !== undefined && !Array.isArray(payload.blocks))
        return refuse(method, channel, 'invalid_blocks');
      if (!hasContent) return refuse(method, channel, 'no_text');

      if (method === 'chat.update') {
        const found = messages.find((m) => m.channel === channel && m.ts === payload.ts);
        if (!found) return refuse(method, channel, 'message_not_found');
        found.edits.push(found.payload);
        found.payload = payload;
        found.text = typeof payload.text === 'string' ? payload.text : undefined;
        found.blocks = payload.blocks;
        found.attachments = payload.attachments;
        return answer(method, channel, 200, { ok: true, channel, ts: found.ts, text: found.text ?? '' });
      }
      const threadTs = typeof payload.thread_ts === 'string' ? payload.thread_ts : undefined;
      const message: SlackChannelMessage = {
        channel,
        ts: nextTs(),
        ...(threadTs ? { threadTs } : {}),
        broadcast: threadTs !== undefined && payload.reply_broadcast === true,
        ...(typeof payload.text === 'string' ? { text: payload.text } : {}),
        ...(payload.blocks !== undefined ? { blocks: payload.blocks } : {}),
        ...(payload.attachments !== undefined ? { attachments: payload.attachments } : {}),
        edits: [],
        payload,
      };
      messages.push(message);
      return answer(method, channel, 200, {
        ok: true,
        channel,
        ts: message.ts,
        message: { ts: message.ts, ...(threadTs ? { thread_ts: threadTs } : {}), text: message.text ?? '' },
      });
    },
    messages: (channel) =>
      messages
        .filter((m) => channel === undefined || m.channel === channel)
        .map((m) => ({ ...m, edits: [...m.edits] })),
    calls: () => [...calls],
    behave(next) {
      const known: SlackApiFailure[] = [
        'ratelimited',
        'channel_not_found',
        'invalid_auth',
        'not_in_channel',
        'message_not_found',
        'internal_error',
      ];
      if (!known.includes(next.failure)) throw new RangeError(`unknown Slack API failure: ${next.failure}`);
      behaviour = { ...next, used: 0 };
    },
    reset() {
      messages = [];
      calls = [];
      behaviour = undefined;
    },
  };
}
