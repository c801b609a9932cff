import { basename } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicyFileSync } from '../../shared/config/load-policy';
import type { RolloutPolicy } from '../../shared/domain/types';
import { formatScoreTable } from '../../shared/simulation/format-timeline';
import type { ReplayOutputLine } from '../../shared/simulation/replay-session';
import { runScenario, type ScenarioRun } from '../../shared/simulation/run-scenario';
import { createScenarioPlayer } from '../../shared/simulation/scenario-player';
import { loadScenarioFile, type Scenario } from '../../shared/simulation/scenario-schema';
import { startCli } from './replay-child';
import { FIXTURE_SCENARIOS_DIR, PUBLIC_SCENARIOS_DIR, scenarioFiles } from './scenario-files';

/** Seeds per scenario beyond the file's own. */
const EXTRA_SEEDS = 5;

interface Case {
  file: string;
  scenario: Scenario;
  policy: RolloutPolicy;
}

const loaded = new Map<string, Case>();

/** Loads a scenario and its policy once; a broken file fails its own tests, not the whole suite. */
function loadCase(file: string): Case {
  let testCase = loaded.get(file);
  if (!testCase) {
    const scenario = loadScenarioFile(file);
    if (!scenario.policyPath) throw new Error(`${file}: no policy path`);
    testCase = { file, scenario, policy: loadPolicyFileSync(scenario.policyPath) };
    loaded.set(file, testCase);
  }
  return testCase;
}

/** The scenario's seed, read without failing collection when the file is broken. */
function seedOf(file: string): number {
  try {
    return loadCase(file).scenario.seed;
  } catch {
    return 1;
  }
}

const publicFiles = scenarioFiles(PUBLIC_SCENARIOS_DIR);
const fixtureFiles = scenarioFiles(FIXTURE_SCENARIOS_DIR);
const runs: ScenarioRun[] = [];

function seedsOf(file: string): number[] {
  const seed = seedOf(file);
  return Array.from({ length: EXTRA_SEEDS + 1 }, (_, i) => seed + i);
}

function describeRun(run: ScenarioRun): string {
  const decisive = run.timeline.filter((e) => e.decision.action !== 'hold');
  return decisive.map((e) => `minute ${e.minute}: ${e.decision.action} (${e.decision.reason})`).join('\n');
}

function expectScenarioOutcome(file: string, seed: number): void {
  const { scenario, policy } = loadCase(file);
  const run = runScenario(scenario, policy, { seed });
  runs.push(run);
  // A scenario that states no outcome is still played for the invariants below.
  if (scenario.expect) {
    expect(run.outcome, `${scenario.name} seed ${seed}:\n${describeRun(run)}`).toBe(scenario.expect.outcome);
  }
  const weights = run.timeline.map((e) => e.decision.weights);
  for (const w of weights) {
    expect(Object.values(w).reduce((a, b) => a + b, 0)).toBe(100);
  }
  if (run.outcome === 'RolledBack') {
    expect(run.timeline.at(-1)?.decision.weights[policy.endpoint.canaryVariant]).toBe(0);
  }
  if (run.outcome === 'Promoted') {
    expect(run.timeline.at(-1)?.decision.weights[policy.endpoint.canaryVariant]).toBe(100);
    expect(run.scores.timeToPromoteMinutes).toBeGreaterThanOrEqual(run.scores.minimumPromoteMinutes ?? 0);
  }
  const regression = scenario.expect?.regressionFromMinute;
  if (run.outcome === 'RolledBack' && regression !== undefined) {
    // Rolling back before anything went wrong would be luck, not detection.
    expect(
      run.scores.rollbackMinute,
      `${scenario.name} seed ${seed}:\n${describeRun(run)}`,
    ).toBeGreaterThanOrEqual(regression);
  }
}

describe.each(publicFiles.map((f) => [basename(f), f] as const))('public scenario %s', (_name, file) => {
  it.each(seedsOf(file))('reaches its expected outcome with seed %i', (seed) => {
    expectScenarioOutcome(file, seed);
  });
});

describe.each(fixtureFiles.map((f) => [basename(f), f] as const))('own scenario %s', (_name, file) => {
  it.each(seedsOf(file))('reaches its expected outcome with seed %i', (seed) => {
    expectScenarioOutcome(file, seed);
  });
});

describe('scenarios through the real replay process, line by line', () => {
  it.concurrent.each(publicFiles.map((f) => [basename(f), f] as const))(
    '%s reaches its outcome and answers exactly as the in-process engine',
    async (_name, file) => {
      const { scenario, policy } = loadCase(file);
      const child = startCli(['replay', '--policy', scenario.policyPath ?? '']);
      const player = createScenarioPlayer(scenario, policy);
      try {
        for (let line = player.nextLine(); line !== null; line = player.nextLine()) {
          const answer = JSON.parse(await child.send(JSON.stringify(line))) as ReplayOutputLine;
          expect(Object.keys(answer)).toEqual(['time', 'phase', 'stepIndex', 'weights', 'action', 'reason']);
          player.accept(answer);
        }
      } finally {
        expect(await child.close()).toBe(0);
      }
      const viaChild = player.result();
      if (scenario.expect) expect(viaChild.outcome).toBe(scenario.expect.outcome);
      const inProcess = runScenario(scenario, policy);
      expect(viaChild.timeline.map((e) => e.decision)).toEqual(inProcess.timeline.map((e) => e.decision));
      expect(child.stderr()).toEqual([]);
    },
  );
});

afterAll(() => {
  if (runs.length === 0) return;
  const ordered = [...runs].sort((a, b) => a.scenario.localeCompare(b.scenario) || a.seed - b.seed);
  console.log(
    `\nScenario scores (detect: minutes from the regression to the rollback decision; blast radius: canary requests failed or slower than the baseline p99 until the canary reached 0; promote: minutes / minimum the steps allow)\n${formatScoreTable(ordered)}\n`,
  );
});
