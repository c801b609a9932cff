import type { HistoryEntry } from '../ports/rollout-repository';

/** When a bad canary first showed, and when the watchdog cut its traffic for it (epoch ms / ISO). */
export interface Detection {
  startedAt: number;
  cutAt: string;
}

/**
 * Time to detect, as deployment analytics define it, for a rollout rolled back by a metric or an
 * alarm. `earlier` holds the rollout's entries before `final`, oldest first.
 *
 * - A metric: from the start of the window of the first failing judgement of the streak that
 *   reached `failureLimit` (the most recent judgement before the rollback in which that metric
 *   failed with one failure in a row), to the rollback decision. With several metrics failing at
 *   once, the earliest streak counts.
 * - An alarm: from the first breaching datapoint CloudWatch names in the alarm's reason (a
 *   datapoint's time is the start of its period), to the first decision that cut the canary's
 *   traffic for that alarm (the rollback itself, or the halving of a `staged` strategy).
 *
 * Null when the history does not hold what is needed (an alarm reason without datapoints).
 */
export function detectionStart(final: HistoryEntry, earlier: ReadonlyArray<HistoryEntry>): Detection | null {
  const cause = final.cause;
  if (cause?.kind === 'metric-failed') {
    const starts = cause.metrics.map((m) => streakStart(m.metric, final, earlier));
    const known = starts.filter((s): s is number => s !== null);
    return known.length > 0 ? { startedAt: Math.min(...known), cutAt: final.time } : null;
  }
  const alarmName =
    cause?.kind === 'alarm-rollback' || cause?.kind === 'staged-rollback'
      ? cause.alarmName
      : final.evidence?.alarm?.name;
  if (!alarmName) return null;
  // The first entry that acted on the alarm: a staged halving before the final rollback, else the rollback.
  const cut =
    [...earlier, final].find(
      (e) =>
        (e.cause?.kind === 'alarm-staged' || e.cause?.kind === 'alarm-rollback') &&
        e.cause.alarmName === alarmName,
    ) ?? final;
  const reasons = [cut.evidence?.alarm?.reason, final.evidence?.alarm?.reason];
  for (const reason of reasons) {
    const first = firstDatapointTime(reason);
    if (first !== null) return { startedAt: first, cutAt: cut.time };
  }
  return null;
}

/** Window start of the judgement that began `metric`'s failing streak ending at `final`; null if unknown. */
function streakStart(
  metric: string,
  final: HistoryEntry,
  earlier: ReadonlyArray<HistoryEntry>,
): number | null {
  for (const entry of [final, ...[...earlier].reverse()]) {
    const verdict = entry.evidence?.metrics.find((m) => m.name === metric);
    if (verdict?.verdict === 'fail' && verdict.consecutiveFailures === 1)
      return entry.evidence?.windowStart ?? null;
  }
  return final.evidence?.windowStart ?? null;
}

/** `(dd/MM/yy HH:mm:ss)`: how CloudWatch prints datapoint times (UTC) in an alarm's state reason. */
const DATAPOINT_TIME = /\((\d{2})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})\)/g;

/** The earliest datapoint time (epoch ms) named in a CloudWatch alarm reason, or null. */
export function firstDatapointTime(reason: string | undefined): number | null {
  if (!reason) return null;
  let first: number | null = null;
  for (const m of reason.matchAll(DATAPOINT_TIME)) {
    const [, dd, mo, yy, hh, mi, ss] = m.map(Number) as number[];
    const time = Date.UTC(2000 + (yy as number), (mo as number) - 1, dd, hh, mi, ss);
    if (Number.isFinite(time) && (first === null || time < first)) first = time;
  }
  return first;
}
