/**
 * Text a person reads while a rollout plays: one line per minute (weights, each variant's
 * requests, error rate and p99, the decision and why) and the run's scores (defined in
 * `scenarios/README.md`, "Judging a run"). Shared by `rollout-watchdog simulate` and the scenario
 * tests' score table.
 */
import { formatCount as count, formatMs, formatPercent } from '../wording/format-values';
import type { ScenarioRun, ScenarioScores, TimelineEntry, VariantMinuteSummary } from './scenario-player';

function variantCell(variant: VariantMinuteSummary): string {
  return `${variant.name} ${count(variant.invocations).padStart(6)} req ${formatPercent(variant.errorRate5xx, 2).padStart(6)} 5xx p99 ${formatMs(variant.latencyP99Ms).padStart(7)}`;
}

/** Header matching `formatTimelineEntry`'s columns. */
export function formatTimelineHeader(): string {
  return 'min  time   weights (base/canary)  traffic during the minute                                          decision';
}

/**
 * One minute as a line: minute, clock time, weights in force, both variants' requests, 5XX rate
 * and p99, any alarm in ALARM, then the decision (action, phase, weights from now on) and its reason.
 */
export function formatTimelineEntry(
  entry: TimelineEntry,
  options: { maxReasonLength?: number } = {},
): string {
  const clock = entry.time.slice(11, 16);
  const inForce = `${100 - entry.canaryWeight}/${entry.canaryWeight}${
    entry.shadowPercent === undefined ? '' : ` +${entry.shadowPercent}% shadow`
  }`.padEnd(7);
  // During a shadow the new model's column shows its copies, which answer nobody.
  const traffic = entry.dataGap
    ? '(no datapoints: metrics pipeline gap)'.padEnd(90)
    : `${variantCell(entry.baseline)} | ${entry.shadow ? `(shadow) ${variantCell(entry.shadow)}` : variantCell(entry.canary)}`;
  const alarming = Object.entries(entry.alarms)
    .filter(([, state]) => state === 'ALARM')
    .map(([name]) => ` [ALARM ${name}]`)
    .join('');
  const { action, phase, weights } = entry.decision;
  const max = options.maxReasonLength ?? Number.POSITIVE_INFINITY;
  const reason =
    entry.decision.reason.length > max
      ? `${entry.decision.reason.slice(0, max - 3)}...`
      : entry.decision.reason;
  const after = Object.values(weights).join('/');
  return `${String(entry.minute).padStart(3)}  ${clock}  ${inForce}  ${traffic}${alarming}  -> ${action.padEnd(12)} ${phase.padEnd(11)} ${after.padEnd(7)} ${reason}`;
}

/** The scores of a run as short lines ("time to detect: 2 min", ...). */
export function formatScores(scores: ScenarioScores): string[] {
  const lines = [
    `outcome: ${scores.outcome}${
      scores.expectedOutcome
        ? ` (expected ${scores.expectedOutcome}: ${scores.matchesExpectation ? 'ok' : 'MISMATCH'})`
        : ''
    }`,
  ];
  if (scores.regressionFromMinute !== null) {
    lines.push(
      `regression from minute ${scores.regressionFromMinute}; ` +
        (scores.rollbackMinute === null
          ? 'never rolled back'
          : `rolled back on minute ${scores.rollbackMinute}: time to detect ${scores.timeToDetectMinutes} min`),
      `blast radius: ${count(scores.blastRadius ?? 0)} canary requests failed or slower than the baseline p99`,
    );
  } else if (scores.rollbackMinute !== null) {
    lines.push(`rolled back on minute ${scores.rollbackMinute} although no regression was injected`);
  }
  if (scores.expectedUserTrafficToNewModel !== null) {
    const allowed = scores.expectedUserTrafficToNewModel;
    lines.push(
      `user requests answered by the new model: ${count(scores.userTrafficToNewModel)} (expected at most ${count(allowed)}: ${
        scores.userTrafficToNewModel <= allowed ? 'ok' : 'MISMATCH'
      })`,
    );
  }
  if (scores.promoteMinute !== null) {
    lines.push(
      `promoted after ${scores.timeToPromoteMinutes} min (the steps allow ${
        scores.minimumPromoteMinutes === null
          ? 'no fixed minimum: a pause waits for a person'
          : `${scores.minimumPromoteMinutes} min at least`
      })`,
    );
  }
  return lines;
}

/** A table of runs: scenario, seed, outcome vs expected, time to detect, blast radius, time to promote. */
export function formatScoreTable(runs: ReadonlyArray<ScenarioRun>): string {
  const header = ['scenario', 'seed', 'outcome', 'expected', 'detect (min)', 'blast radius', 'promote (min)'];
  const rows = runs.map((run) => [
    run.scenario,
    String(run.seed),
    run.outcome,
    run.scores.expectedOutcome ?? '-',
    run.scores.timeToDetectMinutes === null ? '-' : String(run.scores.timeToDetectMinutes),
    run.scores.blastRadius === null ? '-' : String(run.scores.blastRadius),
    run.scores.timeToPromoteMinutes === null
      ? '-'
      : `${run.scores.timeToPromoteMinutes}${run.scores.minimumPromoteMinutes === null ? '' : ` / ${run.scores.minimumPromoteMinutes}`}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...rows.map(render)].join('\n');
}
