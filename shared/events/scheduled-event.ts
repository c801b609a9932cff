import { type infer as Infer, looseObject, optional, string } from 'zod/mini';

// zod/mini rather than @aws-lambda-powertools/parser's EventBridgeSchema, for the reason given in
// alarm-state-change-event.ts; and a schedule's event needs only its `time` checked.

/** The detail-type EventBridge gives the events of a schedule rule. */
export const SCHEDULED_EVENT = 'Scheduled Event';

/**
 * The EventBridge `Scheduled Event` that drives the tick and region sync. Only `time` matters: it
 * is the run's "now" (the sandbox sets it to simulated time). Unknown fields pass through.
 */
export const scheduledEventSchema = looseObject({
  'detail-type': optional(string()),
  source: optional(string()),
  id: optional(string()),
  time: string(),
});

export type ScheduledEvent = Infer<typeof scheduledEventSchema>;

export interface ScheduledEventTime {
  /** The event's `time`, epoch ms; null when it carries no valid one (a hand-made invocation). */
  time: number | null;
  id: string | undefined;
  /** True when the event says it comes from a schedule rule (`detail-type: Scheduled Event`). */
  scheduled: boolean;
}

/** The time of `input` (epoch ms) and its id, so the caller can decide and log when there is none. */
export function scheduledEventTime(input: unknown): ScheduledEventTime {
  const parsed = scheduledEventSchema.safeParse(input);
  if (!parsed.success) {
    const id =
      typeof (input as { id?: unknown } | null)?.id === 'string' ? (input as { id: string }).id : undefined;
    return { time: null, id, scheduled: false };
  }
  const time = Date.parse(parsed.data.time);
  return {
    time: Number.isFinite(time) ? time : null,
    id: parsed.data.id,
    scheduled: parsed.data['detail-type'] === SCHEDULED_EVENT,
  };
}
