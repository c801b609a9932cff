/**
 * Plays a scenario one minute at a time for any judge: `nextLine()` simulates the next minute
 * under the weights in force and gives its replay input line (`ReplayInputLine`);
 * `accept(answer)` takes the judge's answer (whose weights split the following minute).
 * `runScenario` drives it with an in-process replay session; the scenario tests drive it with
 * the real `replay` process.
 */
import { isFinal, startRollout } from '../domain/index';
import { shadowShare } from '../domain/judge-shadow';
import type { AlarmStateValue, Phase, RolloutPolicy } from '../domain/types';
import type { ReplayOutputLine } from './replay-session';
import { createScenarioAlarmTracker } from './scenario-alarm-tracker';
import type { Scenario, ScenarioOutcome } from './scenario-schema';
import { createScenarioSimulator, type SimulatedMinute, type SimulatedVariant } from './scenario-simulator';
import { timeToDetectMinutes } from './time-to-detect';
import { periodEndOf, periodStartOf, type ReplayInputLine, toReplayLine } from './to-replay-line';

/** One variant's minute as a person reads it. */
export interface VariantMinuteSummary {
  name: string;
  invocations: number;
  /** 5XX / invocations; null without traffic. */
  errorRate5xx: number | null;
  latencyP99Ms: number | null;
}

export interface TimelineEntry {
  minute: number;
  /** Time of the minute's replay line (the period's end), ISO. */
  time: string;
  /** Canary weight in force during the minute, percent. */
  canaryWeight: number;
  /** Percent of the requests copied to the new model as a shadow during the minute (absent: no shadow). */
  shadowPercent?: number;
  /** The shadow's copies during the minute (they answer nobody), when a shadow ran. */
  shadow?: VariantMinuteSummary;
  dataGap: boolean;
  baseline: VariantMinuteSummary;
  canary: VariantMinuteSummary;
  alarms: Readonly<Record<string, AlarmStateValue>>;
  /** Canary requests that failed or were slower than the baseline's configured p99. */
  canaryBadRequests: number;
  /** The engine's answer to the minute's line (weights in force from the next minute). */
  decision: ReplayOutputLine;
}

export interface ScenarioScores {
  outcome: Phase;
  expectedOutcome: ScenarioOutcome | null;
  /** Null when the scenario states no expectation. */
  matchesExpectation: boolean | null;
  regressionFromMinute: number | null;
  /** Minute whose line got the rollback decision. */
  rollbackMinute: number | null;
  /**
   * Time to detect, minutes, as `timeToDetectMinutes` (time-to-detect.ts) defines it: from the
   * start of `regressionFromMinute` to the end of `rollbackMinute`. Null without a regression or
   * without a rollback.
   */
  timeToDetectMinutes: number | null;
  /** Canary requests failed (5XX) or slower than the baseline's p99 from the regression until the canary weight reached 0. */
  blastRadius: number | null;
  promoteMinute: number | null;
  /** Minutes from the rollout's start (the first line's time) to the promotion decision. */
  timeToPromoteMinutes: number | null;
  /** The least the policy's steps allow (the sum of timed pauses); null when a pause waits for a person. */
  minimumPromoteMinutes: number | null;
  /** User requests the new model answered: canary requests while it had a weight (a shadow's copies answer nobody). */
  userTrafficToNewModel: number;
  /** The most `expect.userTrafficToNewModel` allows; null when the scenario states no such limit. */
  expectedUserTrafficToNewModel: number | null;
}

export interface ScenarioRun {
  scenario: string;
  seed: number;
  outcome: Phase;
  timeline: TimelineEntry[];
  scores: ScenarioScores;
}

export interface ScenarioPlayer {
  /** The next minute's replay line, or null when the run is over (final phase or durationMinutes played). */
  nextLine(): ReplayInputLine | null;
  /** Records the judge's answer to the line `nextLine` gave last; its weights apply from the next minute. */
  accept(answer: ReplayOutputLine): TimelineEntry;
  /** The run so far: outcome, timeline and scores. */
  result(): ScenarioRun;
}

/**
 * Creates a player for `scenario` under `policy` (the policy's variant names key the lines).
 * `options.seed` overrides the scenario's seed.
 */
export function createScenarioPlayer(
  scenario: Scenario,
  policy: RolloutPolicy,
  options: { seed?: number } = {},
): ScenarioPlayer {
  const simulator = createScenarioSimulator(
    scenario,
    options.seed === undefined ? {} : { seed: options.seed },
  );
  const alarms = createScenarioAlarmTracker(scenario);
  const rename = variantRenamer(scenario, policy);
  const period = scenario.periodSeconds;
  const timeline: TimelineEntry[] = [];
  // Before the first answer the rollout's first setWeight step is in force: a rollout starts at
  // its first step's weight, and the first line is judged under it (as `replay` starts one).
  const started = startRollout(policy, periodEndOf(0, period)).state;
  let canaryWeight = started.canaryWeight;
  // A shadow copies this share of the requests to the new model (see judge-shadow.ts).
  let shadowPercent = shadowShare(policy, started);
  let minute = 0;
  let finished = false;
  let pending: {
    simulated: SimulatedMinute;
    line: ReplayInputLine;
    alarms: Record<string, AlarmStateValue>;
  } | null = null;

  return {
    nextLine() {
      if (finished || minute >= scenario.durationMinutes) return null;
      if (pending) return pending.line;
      const simulated = simulator.simulateMinute(
        minute,
        canaryWeight,
        shadowPercent === null ? {} : { shadowShare: shadowPercent / 100 },
      );
      const alarmStates = alarms.observe(simulated, periodStartOf(minute, period));
      const line = rename(toReplayLine(simulated, periodEndOf(minute, period), alarmStates));
      pending = { simulated, line, alarms: alarmStates };
      return line;
    },
    accept(answer) {
      if (!pending) throw new Error('accept() without a line from nextLine()');
      const { simulated, line } = pending;
      const entry: TimelineEntry = {
        minute,
        time: line.time,
        canaryWeight,
        ...(shadowPercent === null ? {} : { shadowPercent }),
        ...(simulated.shadow ? { shadow: summarise(simulated.shadow) } : {}),
        dataGap: simulated.dataGap,
        baseline: summarise(simulated.baseline),
        canary: summarise(simulated.canary),
        alarms: pending.alarms,
        canaryBadRequests: simulated.canaryBadRequests,
        decision: answer,
      };
      timeline.push(entry);
      pending = null;
      minute++;
      canaryWeight = answer.weights[policy.endpoint.canaryVariant] ?? 0;
      shadowPercent = answer.shadowPercent ?? null;
      if (isFinal(answer.phase)) finished = true;
      return entry;
    },
    result() {
      const outcome = timeline.at(-1)?.decision.phase ?? 'Progressing';
      return {
        scenario: scenario.name,
        seed: simulator.seed,
        outcome,
        timeline: [...timeline],
        scores: scoreRun(scenario, policy, timeline, outcome),
      };
    },
  };
}

function summarise(variant: SimulatedVariant): VariantMinuteSummary {
  return {
    name: variant.name,
    invocations: variant.invocations,
    errorRate5xx: variant.invocations > 0 ? variant.errors5xx / variant.invocations : null,
    latencyP99Ms: variant.latencyP99Ms,
  };
}

/** Keys the line's variants by the policy's names when the scenario calls them differently. */
function variantRenamer(
  scenario: Scenario,
  policy: RolloutPolicy,
): (line: ReplayInputLine) => ReplayInputLine {
  const map: Record<string, string> = {
    [scenario.endpoint.baselineVariant]: policy.endpoint.baselineVariant,
    [scenario.endpoint.canaryVariant]: policy.endpoint.canaryVariant,
  };
  if (Object.entries(map).every(([from, to]) => from === to)) return (line) => line;
  return (line) => {
    const variants: ReplayInputLine['variants'] = {};
    for (const [name, metrics] of Object.entries(line.variants)) variants[map[name] ?? name] = metrics;
    return { ...line, variants };
  };
}

/** Minutes of the shadow phase and the timed pauses in the policy's steps, or null when a pause waits for a person. */
export function minimumPromoteMinutes(policy: RolloutPolicy): number | null {
  // A shadow phase is judged for its whole duration before the first step.
  let seconds = policy.shadow?.durationSeconds ?? 0;
  for (const step of policy.steps) {
    if (step.kind !== 'pause') continue;
    if (step.durationSeconds === null) return null;
    seconds += step.durationSeconds;
  }
  return seconds / 60;
}

function scoreRun(
  scenario: Scenario,
  policy: RolloutPolicy,
  timeline: ReadonlyArray<TimelineEntry>,
  outcome: Phase,
): ScenarioScores {
  const expected = scenario.expect?.outcome ?? null;
  const regression = scenario.expect?.regressionFromMinute ?? null;
  const rollback = timeline.find(
    (e) => e.decision.action === 'rollback' || e.decision.phase === 'RolledBack',
  );
  const promote = timeline.find((e) => e.decision.phase === 'Promoted');
  let blastRadius: number | null = null;
  if (regression !== null) {
    blastRadius = 0;
    for (const entry of timeline) {
      if (entry.minute >= regression && entry.canaryWeight > 0) blastRadius += entry.canaryBadRequests;
    }
  }
  const firstLineTime = timeline[0] ? Date.parse(timeline[0].time) : periodEndOf(0, scenario.periodSeconds);
  let userTrafficToNewModel = 0;
  for (const entry of timeline) if (entry.canaryWeight > 0) userTrafficToNewModel += entry.canary.invocations;
  const allowedUserTraffic = scenario.expect?.userTrafficToNewModel;
  return {
    outcome,
    expectedOutcome: expected,
    matchesExpectation:
      expected === null
        ? null
        : expected === outcome &&
          (allowedUserTraffic === undefined || userTrafficToNewModel <= allowedUserTraffic),
    regressionFromMinute: regression,
    rollbackMinute: rollback?.minute ?? null,
    timeToDetectMinutes: timeToDetectMinutes({
      regressionFromMinute: regression,
      rollbackMinute: rollback?.minute,
      periodSeconds: scenario.periodSeconds,
    }),
    blastRadius,
    promoteMinute: promote?.minute ?? null,
    timeToPromoteMinutes: promote ? (Date.parse(promote.time) - firstLineTime) / 60_000 : null,
    minimumPromoteMinutes: minimumPromoteMinutes(policy),
    userTrafficToNewModel,
    expectedUserTrafficToNewModel: allowedUserTraffic ?? null,
  };
}
