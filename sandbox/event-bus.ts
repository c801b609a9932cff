/**
 * The sandbox's stand-in for the EventBridge default bus: CloudWatch puts its alarm state
 * changes here, and the event router delivers the ones a function's rule matches. Events keep
 * the EventBridge envelope exactly, because the handlers validate it.
 */

/** An event in EventBridge's envelope (what a rule target receives). */
export interface BusEvent<TDetail = unknown> {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** ISO-8601, second precision, `Z` (as EventBridge writes it). */
  time: string;
  region: string;
  resources: string[];
  detail: TDetail;
}

export type BusSubscriber = (event: BusEvent) => void | Promise<void>;

/** How many published events {@link EventBus.recent} remembers. */
export const DEFAULT_RECENT_EVENTS = 1000;

export interface EventBus {
  /** Hands `event` to every subscriber; resolves when they have all settled (a failing one is reported, not thrown). */
  publish(event: BusEvent): Promise<void>;
  /** Subscribes; returns the unsubscribe function. */
  subscribe(subscriber: BusSubscriber): () => void;
  /** Published events, oldest first (at most {@link DEFAULT_RECENT_EVENTS} or the configured limit). */
  recent(): BusEvent[];
}

export interface EventBusOptions {
  /** How many events `recent()` keeps. Default {@link DEFAULT_RECENT_EVENTS}. */
  keep?: number;
  /** Called when a subscriber throws or rejects. Default: `console.error`. */
  onSubscriberError?: (error: unknown, event: BusEvent) => void;
}

/** Creates an in-memory event bus; `keep` bounds the history `recent()` returns. */
export function createEventBus(opts: EventBusOptions = {}): EventBus {
  const keep = opts.keep ?? DEFAULT_RECENT_EVENTS;
  const onSubscriberError =
    opts.onSubscriberError ??
    ((error: unknown, event: BusEvent) =>
      console.error(`sandbox event bus: subscriber failed on ${event['detail-type']} ${event.id}`, error));
  const subscribers = new Set<BusSubscriber>();
  const history: BusEvent[] = [];

  return {
    async publish(event) {
      history.push(event);
      if (history.length > keep) history.splice(0, history.length - keep);
      await Promise.all(
        [...subscribers].map(async (subscriber) => {
          try {
            await subscriber(event);
          } catch (error) {
            onSubscriberError(error, event);
          }
        }),
      );
    },
    subscribe(subscriber) {
      subscribers.add(subscriber);
      return () => {
        subscribers.delete(subscriber);
      };
    },
    recent() {
      return [...history];
    },
  };
}

/** EventBridge's `time`: ISO-8601 without milliseconds (`2026-01-01T00:01:00Z`). */
export function eventTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}
