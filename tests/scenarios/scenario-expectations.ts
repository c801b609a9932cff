/**
 * What every scenario run must satisfy, shared by the catalogue's tests (scenarios.test.ts) and
 * the optional run over a public sample kept outside the repository (public-sample.test.ts).
 */
import { expect } from 'vitest';
import { loadPolicyFileSync } from '../../shared/events/policy-text';
import type { RolloutPolicy } from '../../shared/domain/types';
import { runScenario, type ScenarioRun } from '../../shared/simulation/run-scenario';
import { loadScenarioFile, type Scenario } from '../../shared/simulation/scenario-schema';

/** Seeds per scenario beyond the file's own. */
export const EXTRA_SEEDS = 5;

export interface ScenarioCase {
  file: string;
  scenario: Scenario;
  policy: RolloutPolicy;
}

const loaded = new Map<string, ScenarioCase>();

/** Loads a scenario and its policy once; a broken file fails its own tests, not the whole suite. */
export function loadCase(file: string): ScenarioCase {
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

/** The file's own seed and the EXTRA_SEEDS after it. */
export function seedsOf(file: string): number[] {
  const seed = seedOf(file);
  return Array.from({ length: EXTRA_SEEDS + 1 }, (_, i) => seed + i);
}

function describeRun(run: ScenarioRun): string {
  const decisive = run.timeline.filter((e) => e.decision.action !== 'hold');
  return decisive.map((e) => `minute ${e.minute}: ${e.decision.action} (${e.decision.reason})`).join('\n');
}

/**
 * Plays `file` with `seed` in process and checks the expected outcome (when the file states one)
 * and the invariants every run keeps: weights sum to 100, a rollback ends at canary 0, a
 * promotion at canary 100 no sooner than the steps allow, and no rollback before the regression.
 * Returns the run for the score table.
 */
export function expectScenarioOutcome(file: string, seed: number): ScenarioRun {
  const { scenario, policy } = loadCase(file);
  const run = runScenario(scenario, policy, { seed });
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
  return run;
}
