/** Where the scenario files live: the public sample beside the project, and this project's own. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared/scenarios` relative to the project root. */
export const PUBLIC_SCENARIOS_DIR = fileURLToPath(new URL('../../../shared/scenarios', import.meta.url));

/** Scenarios written for this project's tests. */
export const FIXTURE_SCENARIOS_DIR = fileURLToPath(new URL('../fixtures/scenarios', import.meta.url));

/** The `.json` scenario files directly in `dir`, sorted (read at test time, so new files are picked up). */
export function scenarioFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(dir, name));
}
