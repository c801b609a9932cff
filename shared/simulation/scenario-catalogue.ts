/**
 * Where the project's scenario catalogue lives: the `scenarios/` folder at the repository root
 * (format and scoring in `scenarios/README.md`). Tests, the benchmarks and the demo take their
 * scenarios from here instead of computing paths of their own, so moving the catalogue is a
 * one-line change.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario } from './scenario-schema';

/** The catalogue folder (absolute): `scenarios/` at the repository root. */
export const SCENARIO_CATALOGUE_DIR = fileURLToPath(new URL('../../scenarios', import.meta.url));

/**
 * The latency-detection set (`scenarios/latency/`): relative latency regressions of several
 * magnitudes, traffic levels and onsets, and the healthy look-alikes they must be told from.
 * They are part of the catalogue, but in a folder of their own on purpose: `scenarioFiles()`
 * lists only the top folder, which the slow suites (the handler suite and the end-to-end suite,
 * seconds of sandbox time per scenario, most of `npm test`'s ten minutes) play in full. Those
 * suites check that every scenario runs through the real handlers, not detection statistics,
 * so two representatives in the top folder (`canary-latency-160pct-mid-step`,
 * `latency-lookalike-within-allowance`) stand for the set's twenty-one there. The scenario tests
 * play every one of them on six seeds, and `npm run bench -- latency` on a hundred or more.
 */
export const LATENCY_SCENARIO_DIR = join(SCENARIO_CATALOGUE_DIR, 'latency');

/**
 * The strategies set (`scenarios/strategies/`): SageMaker blue/green deployments watched by the
 * watchdog, shadow phases and gates. They need the sandbox's SageMaker (its deployment
 * guardrails, shadow variants and hook receivers), so the suites that play the top folder with
 * the engine alone do not see them; `tests/e2e/` plays each of them on the local stack.
 */
export const STRATEGY_SCENARIO_DIR = join(SCENARIO_CATALOGUE_DIR, 'strategies');

/** The strategies-set file of the scenario called `name`. */
export function strategyScenarioFile(name: string): string {
  return join(STRATEGY_SCENARIO_DIR, `${name}.json`);
}

/** The catalogue's standard policy, used by scenarios that name no policy of their own. */
export const STANDARD_POLICY_FILE = join(SCENARIO_CATALOGUE_DIR, 'policies', 'standard.yaml');

/** The catalogue file of the scenario called `name` (`<name>.json`). */
export function catalogueScenarioFile(name: string): string {
  return join(SCENARIO_CATALOGUE_DIR, `${name}.json`);
}

/**
 * The `.json` scenario files directly in `dir` (default: the catalogue), sorted by name, as
 * absolute paths. Read when called, so a new file is picked up without a list to update.
 */
export function scenarioFiles(dir: string = SCENARIO_CATALOGUE_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Whether `scenario` (loaded from a file) is judged under the catalogue's standard policy.
 * Suites that store the standard policy themselves play only these: the other scenarios need
 * custom metrics, staged alarms or a person at a manual gate, which those suites do not supply.
 */
export function usesStandardPolicy(scenario: Pick<Scenario, 'policyPath'>): boolean {
  return scenario.policyPath === STANDARD_POLICY_FILE;
}
