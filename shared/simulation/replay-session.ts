/**
 * The engine behind `rollout-watchdog replay`, without any I/O: one input line in,
 * one answer out. The CLI wires it to stdin/stdout; tests and benchmarks call it directly.
 *
 * Contract choices:
 * - The rollout starts at the first valid line's time (its first setWeight step is in force
 *   during that first period), and that line is judged at once.
 * - Every non-empty input line gets exactly one answer, so a caller that waits for each answer
 *   never deadlocks. A malformed line (bad JSON, missing or invalid `time`, wrong types) also
 *   gets an error object for standard error, and its answer repeats the current state with
 *   action `hold` and a reason starting `malformed input:`; the state does not change.
 * - Empty (whitespace-only) lines are ignored without an answer.
 * - A line with `command` applies that operator command at the line's time instead of judging;
 *   a command that does not fit the phase is refused like a malformed line.
 * - Should the engine throw (a programming error), the line is answered like a malformed one with
 *   error `engine failure` and the state is left as it was: a caller waiting for the answer must
 *   not hang, and the error object says what broke.
 */
import { applyCommand, judgeTick, startRollout, weightsOf } from '../domain/index';
import { shadowShare } from '../domain/judge-shadow';
import type { Action, Evidence, Phase, RolloutPolicy, RolloutState, Transition } from '../domain/types';
import { type ParsedReplayLine, parseReplayLine } from './parse-replay-line';

/** An answer line: state and decision after one input line; `evidence` only when asked for. */
export interface ReplayOutputLine {
  time: string | null;
  phase: Phase;
  stepIndex: number;
  weights: Record<string, number>;
  action: Action;
  reason: string;
  /**
   * Percent of the production requests copied to the new model during the next period, while it
   * runs as a shadow (`strategy.canary.shadow`; its weight is 0 meanwhile). Absent otherwise.
   */
  shadowPercent?: number;
  evidence?: Evidence;
}

/** The error object written to standard error for a line that could not be used. */
export interface ReplayLineError {
  error: 'malformed input' | 'command refused' | 'engine failure';
  line: number;
  message: string;
  time?: string;
}

export interface ReplayAnswer {
  output: ReplayOutputLine;
  error: ReplayLineError | null;
}

export interface ReplaySession {
  /** Handles one input line (without its newline); null for an empty line, which gets no answer. */
  handleLine(text: string): ReplayAnswer | null;
  /** The rollout state, or null before the first valid line. */
  state(): RolloutState | null;
}

/** Creates a replay session for a validated `policy`; `includeEvidence` adds each decision's evidence to the answers. */
export function createReplaySession(
  policy: RolloutPolicy,
  options: { includeEvidence?: boolean } = {},
): ReplaySession {
  let state: RolloutState | null = null;
  let lineNumber = 0;
  let initialWeights: Record<string, number> | null = null;

  const answer = (time: string | null, transition: Transition): ReplayOutputLine => {
    const out: ReplayOutputLine = {
      time,
      phase: transition.state.phase,
      stepIndex: transition.state.stepIndex,
      weights: weightsOf(policy, transition.state),
      action: transition.decision.action,
      reason: transition.decision.reason,
    };
    const shadow = shadowShare(policy, transition.state);
    if (shadow !== null) out.shadowPercent = shadow;
    if (options.includeEvidence) out.evidence = transition.decision.evidence;
    return out;
  };

  const refuse = (kind: ReplayLineError['error'], message: string, time: string | null): ReplayAnswer => {
    // The weights of the rollout's first step before it starts: the caller's traffic split stays
    // what it would be, and nothing is decided.
    const initial = startRollout(policy, 0).state;
    initialWeights ??= weightsOf(policy, initial);
    const error: ReplayLineError = { error: kind, line: lineNumber, message };
    if (time !== null) error.time = time;
    const output: ReplayOutputLine = {
      time,
      phase: state?.phase ?? 'Progressing',
      stepIndex: state?.stepIndex ?? 0,
      weights: state ? weightsOf(policy, state) : initialWeights,
      action: 'hold',
      reason: `${kind}: ${message}; state unchanged`,
    };
    const shadow = shadowShare(policy, state ?? initial);
    if (shadow !== null) output.shadowPercent = shadow;
    return { output, error };
  };

  const judge = (line: ParsedReplayLine): ReplayAnswer => {
    const current = state ?? startRollout(policy, line.time).state;
    if (line.command) {
      const result = applyCommand(policy, current, line.command, line.time);
      if (!result.ok) {
        state = current;
        return refuse('command refused', result.error, line.timeText);
      }
      state = result.transition.state;
      return { output: answer(line.timeText, result.transition), error: null };
    }
    const transition = judgeTick(
      policy,
      current,
      line.alarms ? { periods: [line.observation], alarms: line.alarms } : { periods: [line.observation] },
      line.time,
    );
    state = transition.state;
    return { output: answer(line.timeText, transition), error: null };
  };

  return {
    handleLine(text) {
      lineNumber++;
      if (text.trim() === '') return null;
      const parsed = parseReplayLine(text);
      if (!parsed.ok) return refuse('malformed input', parsed.error, parsed.timeText ?? null);
      const before = state;
      try {
        return judge(parsed.line);
      } catch (error) {
        state = before;
        return refuse(
          'engine failure',
          error instanceof Error ? error.message : String(error),
          parsed.line.timeText,
        );
      }
    },
    state: () => state,
  };
}
