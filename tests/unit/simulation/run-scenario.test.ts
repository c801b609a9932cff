import { describe, expect, it } from 'vitest';
import { loadPolicyFileSync } from '../../../shared/events/policy-text';
import { runScenario } from '../../../shared/simulation/run-scenario';
import { STANDARD_POLICY_FILE } from '../../../shared/simulation/scenario-catalogue';
import { minimumPromoteMinutes } from '../../../shared/simulation/scenario-player';
import { buildScenario } from './scenario-builder';

const policy = loadPolicyFileSync(STANDARD_POLICY_FILE);
const spike = buildScenario({
  durationMinutes: 90,
  variants: {
    primary: [{ fromMinute: 0, errorRate5xx: 0.002, latencyMs: { p50: 40, p99: 180 } }],
    canary: [
      { fromMinute: 0, errorRate5xx: 0.002, latencyMs: { p50: 40, p99: 180 } },
      { fromMinute: 25, errorRate5xx: 0.1 },
    ],
  },
  expect: { outcome: 'RolledBack', regressionFromMinute: 25 },
});

describe('runScenario', () => {
  const run = runScenario(spike, policy);

  it('starts with the first setWeight step in force and applies each decision from the next minute', () => {
    expect(run.timeline[0]?.canaryWeight).toBe(5);
    for (let m = 1; m < run.timeline.length; m++) {
      expect(run.timeline[m]?.canaryWeight).toBe(run.timeline[m - 1]?.decision.weights.canary);
    }
    expect(run.timeline[11]?.canaryWeight).toBe(20);
  });

  it('stops at a final phase and scores detection and blast radius from the regression', () => {
    expect(run.outcome).toBe('RolledBack');
    const last = run.timeline.at(-1);
    expect(last?.decision.phase).toBe('RolledBack');
    expect(run.scores.rollbackMinute).toBe(last?.minute);
    expect(run.scores.timeToDetectMinutes).toBe((last?.minute ?? 0) + 1 - 25);
    const bad = run.timeline.filter((e) => e.minute >= 25).reduce((sum, e) => sum + e.canaryBadRequests, 0);
    expect(run.scores.blastRadius).toBe(bad);
    expect(run.scores.matchesExpectation).toBe(true);
  });

  it('plays the same seed the same way and another seed differently', () => {
    expect(runScenario(spike, policy).timeline).toEqual(run.timeline);
    const other = runScenario(spike, policy, { seed: 99 });
    expect(other.seed).toBe(99);
    expect(other.timeline[0]?.canary.invocations).not.toBe(run.timeline[0]?.canary.invocations);
  });

  it('scores time to promote against the minimum the steps allow', () => {
    const healthy = runScenario(buildScenario({ durationMinutes: 60 }), policy);
    expect(healthy.outcome).toBe('Promoted');
    expect(healthy.scores.timeToPromoteMinutes).toBe(40);
    expect(healthy.scores.minimumPromoteMinutes).toBe(40);
    expect(healthy.scores.blastRadius).toBeNull();
  });

  it('runs out of minutes without a final phase when the scenario is shorter than the plan', () => {
    const short = runScenario(buildScenario({ durationMinutes: 12 }), policy);
    expect(short.timeline).toHaveLength(12);
    expect(short.outcome).toBe('Progressing');
  });

  it('keys the lines by the policy variant names when the scenario names them differently', () => {
    const healthy = { fromMinute: 0, errorRate5xx: 0.002, latencyMs: { p50: 40, p99: 180 } };
    const renamed = buildScenario({
      durationMinutes: 60,
      endpoint: { name: 'x', baselineVariant: 'blue', canaryVariant: 'green' },
      variants: { blue: [healthy], green: [healthy] },
    });
    const result = runScenario(renamed, policy);
    expect(result.outcome).toBe('Promoted');
    expect(result.timeline[0]?.canary.name).toBe('green');
  });
});

describe('minimumPromoteMinutes', () => {
  it('adds up the timed pauses, and has no minimum when a pause waits for a person', () => {
    expect(minimumPromoteMinutes(policy)).toBe(40);
    expect(
      minimumPromoteMinutes({
        ...policy,
        steps: [
          { kind: 'setWeight', weight: 10 },
          { kind: 'pause', durationSeconds: null },
        ],
      }),
    ).toBeNull();
  });
});
