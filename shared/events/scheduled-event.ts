import * as z from 'zod';

/**
 * The EventBridge `Scheduled Event` that drives the tick. Only `time` matters: it is the tick's
 * "now" (the sandbox sets it to simulated time). Unknown fields pass through.
 */
export const scheduledEventSchema = z.looseObject({
  'detail-type': z.string().optional(),
  source: z.string().optional(),
  id: z.string().optional(),
  time: z.string().refine((t) => Number.isFinite(Date.parse(t)), 'not a timestamp'),
});

export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;

/**
 * The tick time of `input` (epoch ms) and its id; `time: null` when the event carries no valid
 * `time` (a hand-made invocation), so the caller can decide and log.
 */
export function scheduledEventTime(input: unknown): { time: number | null; id: string | undefined } {
  const parsed = scheduledEventSchema.safeParse(input);
  if (!parsed.success) {
    const id =
      typeof (input as { id?: unknown } | null)?.id === 'string' ? (input as { id: string }).id : undefined;
    return { time: null, id };
  }
  return { time: Date.parse(parsed.data.time), id: parsed.data.id };
}
