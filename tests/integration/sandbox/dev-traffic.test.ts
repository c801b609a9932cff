import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeOverride, findScenario, overrideCanary } from '../../../sandbox/local-stack/dev-traffic';

/** The local stage's (`npm run dev`) scenario lookup and the canary faults it lays over a scenario. */

const PROJECT = fileURLToPath(new URL('../../../', import.meta.url));

describe("the local stage's scenarios and canary faults", () => {
  it('finds a scenario by name or file, and names the known ones when it cannot', () => {
    const byName = findScenario(PROJECT, 'canary-5xx-spike');
    expect(byName.name).toBe('canary-5xx-spike');
    expect(findScenario(PROJECT, 'scenarios/healthy-steady.json', PROJECT).name).toBe('healthy-steady');
    expect(() => findScenario(PROJECT, 'no-such-scenario')).toThrow(
      expect.objectContaining({
        name: 'ScenarioLookupError',
        message: expect.stringMatching(/no scenario called "no-such-scenario"; known: .*healthy-steady/),
      }),
    );
  });

  it('lays a canary fault over the scenario from a minute on, later segments included', () => {
    const spike = findScenario(PROJECT, 'canary-5xx-spike');
    const faulted = overrideCanary(spike, 10, { errorRate5xx: 0.3, latencyMs: { p99: 900 } });
    const canary = faulted.variants[spike.endpoint.canaryVariant] ?? [];
    expect(canary.map((s) => [s.fromMinute, s.profile.errorRate5xx, s.profile.latencyMs.p99])).toEqual([
      [0, 0.002, 180],
      [10, 0.3, 900],
      [25, 0.3, 900],
    ]);
    expect(canary[1]?.profile.latencyMs.p50).toBe(40);
    // The baseline and the scenario itself are untouched.
    expect(faulted.variants[spike.endpoint.baselineVariant]).toBe(
      spike.variants[spike.endpoint.baselineVariant],
    );
    expect(spike.variants[spike.endpoint.canaryVariant]?.map((s) => s.fromMinute)).toEqual([0, 25]);
    expect(overrideCanary(spike, 10, {})).toBe(spike);
    expect(describeOverride({ errorRate5xx: 0.3, latencyMs: { p99: 900 } })).toBe('5XX 30%, p99 900 ms');
  });
});
