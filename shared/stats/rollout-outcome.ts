import type { Phase } from '../domain/types';
import type { HistoryEntry } from '../ports/rollout-repository';
import { detectionStart } from './detection-start';

/** The final phases a rollout ends in. */
export type FinalPhase = Extract<Phase, 'Promoted' | 'RolledBack' | 'Aborted'>;

const FINAL_PHASES: ReadonlySet<Phase> = new Set<Phase>(['Promoted', 'RolledBack', 'Aborted']);

/**
 * What ended a rollout: `plan` (every step passed), `metric` (a metric reached its failureLimit),
 * `alarm` (a rollback alarm), `operator` (a command), `watchdog` (a decision made outside the
 * engine, e.g. a rollout stopped because its endpoint changed under it).
 */
export type OutcomeCause = 'plan' | 'metric' | 'alarm' | 'operator' | 'watchdog';

/**
 * One finished rollout, as deployment analytics count it (one item per rollout in the
 * `outcome-index`). Times are ISO; durations milliseconds.
 */
export interface RolloutOutcome {
  endpointName: string;
  rolloutId: string;
  /** When the rollout was started (its start entry). */
  startedAt: string;
  /** When the decision that made it final was taken. */
  endedAt: string;
  outcome: FinalPhase;
  cause: OutcomeCause;
  /** What triggered it: metric names, the alarm name, or the command (`rollback`, `abort`, `promote`). */
  triggers: string[];
  durationMs: number;
  /**
   * Rolled back by a metric or an alarm: when the bad canary first showed (see `detectionStart`),
   * and how long until the watchdog cut its traffic. Null otherwise, or when history lacks the data.
   */
  detectionStartedAt: string | null;
  timeToDetectMs: number | null;
}

/**
 * True for the history entry of the decision that ends a rollout: a decision or command entry in
 * a final phase. (Later entries of a final rollout, for its weights or endpoint clean-up, are not.)
 */
export function endsRollout(entry: HistoryEntry): boolean {
  return FINAL_PHASES.has(entry.phase) && (entry.kind === 'decision' || entry.kind === 'command');
}

/**
 * The outcome of the rollout `final` ended, from `final` and the rollout's earlier history
 * (entries of other rollouts are ignored; any order). Pure.
 *
 * Inputs that drive it: the final entry's phase, cause and source; the start entry's time (else
 * the time inside the rollout id, else the oldest entry); for detection, the failing judgements
 * and alarm decisions before it.
 */
export function rolloutOutcome(
  endpointName: string,
  final: HistoryEntry,
  earlier: ReadonlyArray<HistoryEntry>,
): RolloutOutcome {
  const own = earlier
    .filter((e) => e.rolloutId === final.rolloutId && e !== final)
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.version - b.version));
  const startedAt =
    own.find((e) => e.kind === 'start')?.time ??
    timeInRolloutId(final.rolloutId) ??
    own[0]?.time ??
    final.time;
  const { cause, triggers } = causeOf(final);
  const detection =
    final.phase === 'RolledBack' && (cause === 'metric' || cause === 'alarm')
      ? detectionStart(final, own)
      : null;
  const timeToDetectMs = detection ? Math.max(0, Date.parse(detection.cutAt) - detection.startedAt) : null;
  return {
    endpointName,
    rolloutId: final.rolloutId,
    startedAt,
    endedAt: final.time,
    outcome: final.phase as FinalPhase,
    cause,
    triggers,
    durationMs: Math.max(0, Date.parse(final.time) - Date.parse(startedAt)),
    detectionStartedAt: detection ? new Date(detection.startedAt).toISOString() : null,
    timeToDetectMs,
  };
}

function causeOf(final: HistoryEntry): { cause: OutcomeCause; triggers: string[] } {
  const cause = final.cause;
  switch (cause?.kind) {
    case 'promoted':
      return { cause: 'plan', triggers: [] };
    case 'metric-failed':
      return { cause: 'metric', triggers: cause.metrics.map((m) => m.metric) };
    case 'alarm-rollback':
    case 'staged-rollback':
      return { cause: 'alarm', triggers: [cause.alarmName] };
    case 'command':
      return { cause: 'operator', triggers: [cause.command] };
    default:
      if (final.source === 'operator') return { cause: 'operator', triggers: [] };
      if (final.evidence?.alarm) return { cause: 'alarm', triggers: [final.evidence.alarm.name] };
      return { cause: 'watchdog', triggers: [] };
  }
}

/** The start time a rollout id carries (`<endpoint>@<ISO>#<random>`, see newRolloutId), or undefined. */
function timeInRolloutId(rolloutId: string): string | undefined {
  const match = /@(\d{4}-\d{2}-\d{2}T[\d:.]+Z)#/.exec(rolloutId);
  return match && Number.isFinite(Date.parse(match[1] as string)) ? match[1] : undefined;
}
