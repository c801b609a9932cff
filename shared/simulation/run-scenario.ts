/**
 * Plays a scenario with the engine in the loop: each minute is simulated with the canary weight
 * the engine decided after the previous minute, turned into a replay input line, and judged by
 * the same replay session `rollout-watchdog replay` uses. Returns the outcome, the
 * minute-by-minute timeline and the scores described in `scenarios/README.md` ("Judging a run").
 */
import type { RolloutPolicy } from '../domain/types';
import { createReplaySession } from './replay-session';
import { createScenarioPlayer, type ScenarioRun, type TimelineEntry } from './scenario-player';
import type { Scenario } from './scenario-schema';

export type { ScenarioRun, ScenarioScores, TimelineEntry, VariantMinuteSummary } from './scenario-player';

export interface RunScenarioOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Called after each minute is judged (for printing as the rollout goes). */
  onMinute?: (entry: TimelineEntry) => void;
}

/**
 * Plays `scenario` under `policy` until the rollout reaches a final phase or the scenario's
 * `durationMinutes` run out. Decided by the engine; the simulator only supplies traffic under the
 * weights the engine returns (weights decided on minute m's line apply during minute m + 1).
 */
export function runScenario(
  scenario: Scenario,
  policy: RolloutPolicy,
  options: RunScenarioOptions = {},
): ScenarioRun {
  const player = createScenarioPlayer(
    scenario,
    policy,
    options.seed === undefined ? {} : { seed: options.seed },
  );
  const session = createReplaySession(policy);
  for (let line = player.nextLine(); line !== null; line = player.nextLine()) {
    const answer = session.handleLine(JSON.stringify(line));
    if (!answer) throw new Error('replay session gave no answer to a simulated line');
    // Simulated lines are never malformed: an error here is the engine's, and must not pass unseen.
    if (answer.error)
      throw new Error(`${answer.error.error} on minute ${line.time}: ${answer.error.message}`);
    const entry = player.accept(answer.output);
    options.onMinute?.(entry);
  }
  return player.result();
}
