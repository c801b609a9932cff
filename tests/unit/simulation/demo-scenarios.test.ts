import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDemoScenario, PUBLIC_SCENARIOS_DIR } from '../../../shared/simulation/demo-scenarios';

const NAMES = ['healthy-steady', 'canary-5xx-spike'] as const;

describe('loadDemoScenario', () => {
  it.each(NAMES)('falls back to a built-in %s when the scenario folder is missing', (name) => {
    const demo = loadDemoScenario(name, { dir: join(PUBLIC_SCENARIOS_DIR, 'no-such-folder') });
    expect(demo.source).toBe('built-in');
    expect(demo.scenario.name).toBe(name);
    expect(demo.policy.endpoint.canaryVariant).toBe('canary');
  });

  it.runIf(existsSync(PUBLIC_SCENARIOS_DIR)).each(NAMES)(
    'keeps the built-in %s identical to the public file',
    (name) => {
      const fromFile = loadDemoScenario(name);
      const builtIn = loadDemoScenario(name, { dir: join(PUBLIC_SCENARIOS_DIR, 'no-such-folder') });
      expect(fromFile.source).not.toBe('built-in');
      expect({ ...builtIn.scenario, policyPath: null }).toEqual({ ...fromFile.scenario, policyPath: null });
      expect(builtIn.policy).toEqual(fromFile.policy);
    },
  );
});
