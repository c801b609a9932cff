/**
 * The scenarios the demo plays (`npm start`), read from the project's scenario catalogue
 * (`scenarios/` at the repository root) with the policy each names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicyFileSync } from '../events/policy-text';
import type { RolloutPolicy } from '../domain/types';
import { SCENARIO_CATALOGUE_DIR } from './scenario-catalogue';
import { loadScenarioFile, type Scenario } from './scenario-schema';

export type DemoScenarioName = 'healthy-steady' | 'canary-5xx-spike';

export interface DemoScenario {
  scenario: Scenario;
  policy: RolloutPolicy;
  /** The policy as written (YAML), for storing it where the watchdog reads it. */
  policyText: string;
  /** The scenario file it came from. */
  source: string;
}

/**
 * Loads a demo scenario and its policy from `options.dir` (default: the catalogue). Throws when
 * the file or its policy is missing or invalid: the demo has nothing sensible to play then.
 */
export function loadDemoScenario(name: DemoScenarioName, options: { dir?: string } = {}): DemoScenario {
  const file = join(options.dir ?? SCENARIO_CATALOGUE_DIR, `${name}.json`);
  const scenario = loadScenarioFile(file);
  if (!scenario.policyPath) throw new Error(`${file}: the scenario has no policy path`);
  const policyText = readFileSync(scenario.policyPath, 'utf8');
  return { scenario, policy: loadPolicyFileSync(scenario.policyPath), policyText, source: file };
}
