/**
 * The interim `npm start`: plays two public scenarios through the rollout engine with the
 * simulator in the loop (healthy-steady to promotion, canary-5xx-spike to rollback) and prints
 * each minute as it is judged, then the scores. No AWS and no sandbox needed; a later step
 * replaces this with the full sandbox demo. `DEMO_PACE_MS` (default 0) slows the printing down
 * for a person watching. Exits 1 if a scenario does not reach its expected outcome.
 */
import { describePolicy } from '../shared/domain/index';
import { type DemoScenarioName, loadDemoScenario } from '../shared/simulation/demo-scenarios';
import {
  formatScores,
  formatTimelineEntry,
  formatTimelineHeader,
} from '../shared/simulation/format-timeline';
import { runScenario, type ScenarioRun } from '../shared/simulation/run-scenario';

/** Scenarios played, in order. */
const DEMO_SCENARIOS: DemoScenarioName[] = ['healthy-steady', 'canary-5xx-spike'];

/** Longest decision reason printed per minute line (the full reason is in `rollout-watchdog simulate`). Characters. */
const REASON_WIDTH = 110;

/** Pause between printed minutes. Milliseconds. */
const PACE_MS = Number(process.env.DEMO_PACE_MS ?? 0) || 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function play(name: DemoScenarioName): Promise<ScenarioRun> {
  const { scenario, policy, source } = loadDemoScenario(name);
  console.log(`\n=== ${scenario.name}: ${scenario.description}`);
  console.log(`    scenario: ${source}`);
  console.log(`    policy:   ${describePolicy(policy)}`);
  console.log(`    expected: ${scenario.expect?.outcome ?? 'nothing stated'}\n`);
  console.log(formatTimelineHeader());
  const lines: string[] = [];
  const run = runScenario(scenario, policy, {
    onMinute: (entry) => lines.push(formatTimelineEntry(entry, { maxReasonLength: REASON_WIDTH })),
  });
  for (const line of lines) {
    console.log(line);
    if (PACE_MS > 0) await sleep(PACE_MS);
  }
  console.log(
    `\n${formatScores(run.scores)
      .map((l) => `    ${l}`)
      .join('\n')}`,
  );
  return run;
}

async function main(): Promise<number> {
  console.log(
    'rollout-watchdog demo: the rollout engine judging simulated SageMaker canary traffic, minute by minute.',
  );
  console.log(
    'Each line: traffic split in force, both variants (requests, 5XX rate, p99), then the decision and why.',
  );
  const runs: ScenarioRun[] = [];
  for (const name of DEMO_SCENARIOS) runs.push(await play(name));
  console.log('\n=== summary');
  for (const run of runs) {
    const s = run.scores;
    const detail =
      s.promoteMinute !== null
        ? `promoted after ${s.timeToPromoteMinutes} min (minimum ${s.minimumPromoteMinutes ?? '-'})`
        : s.rollbackMinute !== null
          ? `rolled back ${s.timeToDetectMinutes ?? '?'} min after the regression began; blast radius ${s.blastRadius ?? 0} requests`
          : `ended ${run.outcome}`;
    console.log(
      `    ${run.scenario.padEnd(18)} ${run.outcome.padEnd(11)} ${s.matchesExpectation === false ? 'UNEXPECTED ' : ''}${detail}`,
    );
  }
  return runs.every((r) => r.scores.matchesExpectation !== false) ? 0 : 1;
}

process.exitCode = await main();
