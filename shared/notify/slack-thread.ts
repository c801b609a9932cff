import type { Phase } from '../domain/types';
import { logger } from '../middleware/telemetry';
import type { RolloutNotification } from './notification';
import { renderSlack } from './render-slack';
import { renderThreadCard, renderThreadReply, type SlackCard } from './render-slack-thread';
import type { SlackApiCall, SlackApiOutcome } from './slack-web-api';

/** Writes of the thread item tried before a delivery gives up for Lambda's retry. Attempts. */
export const THREAD_WRITE_ATTEMPTS = 4;

/** Notification ids a thread remembers as replied (a redelivery of one of them is dropped). Count. */
export const THREAD_REPLIES_REMEMBERED = 50;

/**
 * A rollout's Slack thread as stored beside the rollout (pk `ROLLOUT#<endpoint>`, sk
 * `SLACK#<rolloutId>`; never the rollout state item, so it cannot conflict with its versioned
 * writes). `rev` orders this item's own writes, which are conditional on it.
 */
export interface SlackThread {
  endpointName: string;
  rolloutId: string;
  channel: string;
  /** `ts` of the card, the thread's first message. */
  ts: string;
  rev: number;
  /** The card as it should read: the newest decision any container claimed. */
  card: SlackCard;
  cardPhase: Phase | null;
  cardCanaryWeight: number | null;
  /** The card version Slack was last seen showing (below `card.version`: the next delivery updates it). */
  shownVersion: number;
  /** Notification ids replied in the thread, oldest first, at most THREAD_REPLIES_REMEMBERED. */
  replied: string[];
  /** Highest `rolloutVersion` replied so far. */
  lastReply: number;
}

/** Where threads are kept (shared/aws/slack-thread-store.ts). */
export interface SlackThreadStore {
  get(endpointName: string, rolloutId: string): Promise<SlackThread | undefined>;
  /** Writes `thread` if the stored one has revision `expectedRev` (null: none stored); false on a conflict. */
  put(thread: SlackThread, expectedRev: number | null, now: number): Promise<boolean>;
}

export interface SlackThreadDeps {
  slack: SlackApiCall;
  store: SlackThreadStore;
  channel: string;
}

export type ThreadOutcome =
  | { status: 'delivered'; attempts: number; ts: string; threadTs?: string; cardUpdated: boolean }
  | { status: 'duplicate'; key: string }
  | { status: 'refused'; error: string; attempts: number }
  | { status: 'rejected'; error: string; attempts: number }
  | { status: 'gave-up'; reason: string; attempts: number };

/**
 * Posts one notification in thread mode. A rollout's messages (a `notificationId` of the form
 * `rolloutId#version#n` and a `rolloutVersion`) share one thread: the first creates the card, a
 * newer decision claims the card in the thread item (a conditional write) and then `chat.update`s
 * it, an older one never does (the card never goes back), and each is a reply in the thread, a
 * rollback also broadcast to the channel. A decision that arrives after a newer one was shown is
 * replied as the earlier decision it is. Anything else (an alarm action, an alert without a
 * rollout) is a message of its own in the channel.
 *
 * Inputs that decide: the notification's rollout id and version, the stored thread (its card
 * version, what Slack shows, what was replied), and Slack's answers. Nothing here throws for
 * Slack or DynamoDB: failures come back as outcomes (`gave-up` for Lambda's retry). A retry
 * carries on from the thread item: no second card once one is recorded, no reply twice once it is
 * recorded. What is posted but not recorded (DynamoDB failing right after Slack answered) may be
 * posted again by the retry: a spare card or a repeated reply, never a lost one.
 */
export async function postToThread(
  deps: SlackThreadDeps,
  n: RolloutNotification,
  options: { now: number; remainingMs?: () => number },
): Promise<ThreadOutcome> {
  const call = (method: 'chat.postMessage' | 'chat.update', body: Record<string, unknown>) =>
    deps.slack(method, body, options.remainingMs ? { remainingMs: options.remainingMs } : {});
  const rolloutId = rolloutIdOf(n);
  const version = n.rolloutVersion;
  const id = n.notificationId;
  if (rolloutId === undefined || version === undefined || id === undefined) {
    const posted = await call('chat.postMessage', { channel: deps.channel, ...renderSlack(n) });
    return posted.status === 'ok'
      ? { status: 'delivered', attempts: posted.attempts, ts: posted.ts, cardUpdated: false }
      : failed(posted);
  }
  let attempts = 0;
  const card = renderThreadCard(n);
  const cardPhase = n.phase;
  const cardCanaryWeight = n.canaryVariant ? (n.weights[n.canaryVariant] ?? null) : null;
  let thread: SlackThread | undefined;
  let claimed = false;
  try {
    for (let i = 0; thread === undefined || !claimed; i++) {
      if (i >= THREAD_WRITE_ATTEMPTS)
        return giveUp('the thread item kept changing under this write', attempts);
      thread = await deps.store.get(n.endpointName, rolloutId);
      if (thread?.replied.includes(id)) return { status: 'duplicate', key: id };
      if (!thread) {
        const posted = await call('chat.postMessage', {
          channel: deps.channel,
          text: card.text,
          attachments: card.attachments,
        });
        attempts += posted.attempts;
        if (posted.status !== 'ok') return failed(posted, attempts);
        const created: SlackThread = {
          endpointName: n.endpointName,
          rolloutId,
          channel: deps.channel,
          ts: posted.ts,
          rev: 1,
          card,
          cardPhase,
          cardCanaryWeight,
          shownVersion: card.version,
          replied: [],
          lastReply: 0,
        };
        if (await deps.store.put(created, null, options.now)) {
          thread = created;
          claimed = true;
        } else {
          // Another container created the card meanwhile: its thread wins; this card stays behind.
          logger.warn('a second card was posted for a rollout; replying in the first one', {
            endpoint: n.endpointName,
            rolloutId,
            ts: posted.ts,
          });
          thread = undefined;
        }
        continue;
      }
      if (version <= thread.card.version) {
        claimed = true;
        continue;
      }
      const next: SlackThread = { ...thread, rev: thread.rev + 1, card, cardPhase, cardCanaryWeight };
      if (await deps.store.put(next, thread.rev, options.now)) {
        thread = next;
        claimed = true;
      } else thread = undefined;
    }

    if (!thread) return giveUp('no thread item', attempts);
    // The card shows what the item says; this also repairs an update a crash or a failure left undone.
    let applied: number | undefined;
    if (thread.shownVersion < thread.card.version) {
      const updated = await updateCard(call, thread);
      attempts += updated.attempts;
      if (updated.status === 'ok') applied = thread.card.version;
      else if (updated.status === 'rejected')
        logger.warn('the rollout card could not be updated; replying anyway', {
          endpoint: n.endpointName,
          error: updated.error,
        });
      else return failed(updated, attempts);
    }

    const late = version < thread.card.version && !(n.current && n.current.version >= thread.card.version);
    const reply = renderThreadReply(
      late && thread.cardPhase !== null && thread.cardCanaryWeight !== null
        ? {
            ...n,
            current: {
              version: thread.card.version,
              phase: thread.cardPhase,
              canaryWeight: thread.cardCanaryWeight,
            },
          }
        : n,
    );
    const posted = await call('chat.postMessage', {
      channel: thread.channel,
      thread_ts: thread.ts,
      text: reply.text,
      attachments: reply.attachments,
      ...(reply.broadcast ? { reply_broadcast: true } : {}),
    });
    attempts += posted.attempts;
    if (posted.status !== 'ok') return failed(posted, attempts);

    await recordReply(deps, call, thread, { id, version, applied, now: options.now });
    return {
      status: 'delivered',
      attempts,
      ts: posted.ts,
      threadTs: thread.ts,
      cardUpdated: applied !== undefined,
    };
  } catch (error) {
    return giveUp(
      `the thread item could not be read or written: ${(error as Error)?.message ?? String(error)}`,
      attempts,
    );
  }
}

/**
 * Records the reply (and the card version this delivery showed). On a conflict it re-reads; if a
 * newer card was claimed meanwhile while this delivery updated the card, its `chat.update` may
 * have landed after the newer one: the newer card is applied again, so the card never regresses.
 * A reply posted but not recorded is only logged: a retry could repeat it, never lose it.
 */
async function recordReply(
  deps: SlackThreadDeps,
  call: (method: 'chat.update', body: Record<string, unknown>) => Promise<SlackApiOutcome>,
  start: SlackThread,
  reply: { id: string; version: number; applied: number | undefined; now: number },
): Promise<void> {
  let thread: SlackThread | undefined = start;
  for (let i = 0; i < THREAD_WRITE_ATTEMPTS && thread; i++) {
    let shown = Math.max(thread.shownVersion, reply.applied ?? 0);
    if (reply.applied !== undefined && thread.card.version > reply.applied && i > 0) {
      const again = await updateCard(call, thread);
      if (again.status === 'ok') shown = thread.card.version;
      else shown = Math.min(shown, reply.applied);
    }
    const next: SlackThread = {
      ...thread,
      rev: thread.rev + 1,
      shownVersion: Math.min(shown, thread.card.version),
      replied: [...thread.replied.filter((r) => r !== reply.id), reply.id].slice(-THREAD_REPLIES_REMEMBERED),
      lastReply: Math.max(thread.lastReply, reply.version),
    };
    if (await deps.store.put(next, thread.rev, reply.now)) return;
    thread = await deps.store.get(start.endpointName, start.rolloutId);
  }
  logger.warn('a thread reply was posted but not recorded; a retry may post it again', {
    endpoint: start.endpointName,
    rolloutId: start.rolloutId,
    notificationId: reply.id,
  });
}

function updateCard(
  call: (method: 'chat.update', body: Record<string, unknown>) => Promise<SlackApiOutcome>,
  thread: SlackThread,
): Promise<SlackApiOutcome> {
  return call('chat.update', {
    channel: thread.channel,
    ts: thread.ts,
    text: thread.card.text,
    attachments: thread.card.attachments,
  });
}

function failed(
  outcome: Exclude<SlackApiOutcome, { status: 'ok' }>,
  attempts = outcome.attempts,
): ThreadOutcome {
  if (outcome.status === 'gave-up') return { status: 'gave-up', reason: outcome.reason, attempts };
  return { status: outcome.status, error: outcome.error, attempts };
}

function giveUp(reason: string, attempts: number): ThreadOutcome {
  return { status: 'gave-up', reason, attempts };
}

/** The rollout part of `rolloutId#rolloutVersion#n`; undefined for ids of another shape. */
export function rolloutIdOf(n: Pick<RolloutNotification, 'notificationId'>): string | undefined {
  const parts = n.notificationId?.split('#') ?? [];
  return parts.length >= 3 ? parts.slice(0, -2).join('#') : undefined;
}
