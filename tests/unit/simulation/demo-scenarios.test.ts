import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDemoScenario } from '../../../shared/simulation/demo-scenarios';
import { catalogueScenarioFile, STANDARD_POLICY_FILE } from '../../../shared/simulation/scenario-catalogue';

const NAMES = ['healthy-steady', 'canary-5xx-spike'] as const;

describe('loadDemoScenario', () => {
  it.each(NAMES)('loads %s and its policy from the scenario catalogue', (name) => {
    const demo = loadDemoScenario(name);
    expect(demo.source).toBe(catalogueScenarioFile(name));
    expect(demo.scenario.name).toBe(name);
    expect(demo.scenario.policyPath).toBe(STANDARD_POLICY_FILE);
    expect(demo.policy.endpoint.canaryVariant).toBe('canary');
    expect(demo.policyText).toContain('apiVersion: rollout-watchdog/v1');
  });

  it('fails with the missing file named when the folder has no such scenario', () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-scenarios-'));
    expect(() => loadDemoScenario('healthy-steady', { dir })).toThrow(join(dir, 'healthy-steady.json'));
  });
});
