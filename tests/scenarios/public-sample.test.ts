/**
 * Optional: when the public sample of scenarios sits beside the project (`../shared/scenarios`,
 * as in the workspace the project was built in), the engine is judged on it as well, with the
 * same checks as the catalogue. A clone has no such folder; the test is then skipped, never
 * failed. This is the only place in the repository that looks outside it.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { scenarioFiles } from '../../shared/simulation/scenario-catalogue';
import { expectScenarioOutcome, seedsOf } from './scenario-expectations';

const PUBLIC_SAMPLE_DIR = fileURLToPath(new URL('../../../shared/scenarios', import.meta.url));
const present = existsSync(PUBLIC_SAMPLE_DIR);

describe('the public scenario sample beside the project (optional)', () => {
  if (!present) {
    console.log(`note: ${PUBLIC_SAMPLE_DIR} does not exist; the public sample is not played.`);
  }

  it.skipIf(!present)(
    present
      ? 'every file of ../shared/scenarios reaches its expected outcome on every seed'
      : '../shared/scenarios is not beside the project: skipped',
    () => {
      const files = scenarioFiles(PUBLIC_SAMPLE_DIR);
      for (const file of files) {
        for (const seed of seedsOf(file)) expectScenarioOutcome(file, seed);
      }
      console.log(`played ${files.map((f) => basename(f)).join(', ')}`);
    },
  );
});
