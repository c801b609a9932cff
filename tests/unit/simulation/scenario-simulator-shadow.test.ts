import { describe, expect, it } from 'vitest';
import { createScenarioSimulator } from '../../../shared/simulation/scenario-simulator';
import { buildScenario } from './scenario-builder';

const failingCanary = () =>
  buildScenario({
    variants: {
      primary: [{ fromMinute: 0, errorRate5xx: 0, errorRate4xx: 0, latencyMs: { p50: 40, p99: 180 } }],
      canary: [{ fromMinute: 0, errorRate5xx: 0.25, errorRate4xx: 0, latencyMs: { p50: 40, p99: 180 } }],
    },
  });

const production = (m: ReturnType<ReturnType<typeof createScenarioSimulator>['simulateMinute']>) => ({
  totalRequests: m.totalRequests,
  baseline: [m.baseline.invocations, m.baseline.errors5xx, m.baseline.latencyP99Ms],
  canary: [m.canary.invocations, m.canary.errors5xx, m.canary.latencyP99Ms],
  bad: m.canaryBadRequests,
});

describe('the scenario simulator with a shadow share', () => {
  it.each([0, 5, 50])(
    'leaves every production number of a minute unchanged when a shadow gets copies (canary at %i%%)',
    (weight) => {
      const simulator = createScenarioSimulator(failingCanary());
      for (let minute = 0; minute < 20; minute++) {
        const without = simulator.simulateMinute(minute, weight);
        const withShadow = simulator.simulateMinute(minute, weight, { shadowShare: 0.4 });
        expect(production(withShadow)).toEqual(production(without));
        expect(without.shadow).toBeUndefined();
      }
    },
  );

  it('copies about the share of the requests, with the canary behaviour, without taking them from production', () => {
    const simulator = createScenarioSimulator(failingCanary());
    let copies = 0;
    let requests = 0;
    let errors = 0;
    for (let minute = 0; minute < 30; minute++) {
      const m = simulator.simulateMinute(minute, 0, { shadowShare: 0.2 });
      expect(m.baseline.invocations).toBe(m.totalRequests);
      expect(m.shadow?.role).toBe('shadow');
      copies += m.shadow?.invocations ?? 0;
      errors += m.shadow?.errors5xx ?? 0;
      requests += m.totalRequests;
    }
    expect(copies / requests).toBeCloseTo(0.2, 1);
    expect(errors / copies).toBeCloseTo(0.25, 1);
  });

  it('copies every request at a share of 1 or more, and none at 0', () => {
    const simulator = createScenarioSimulator(failingCanary());
    const all = simulator.simulateMinute(3, 10, { shadowShare: 4 });
    expect(all.shadow?.invocations).toBe(all.totalRequests);
    expect(simulator.simulateMinute(3, 10, { shadowShare: 0 }).shadow).toBeUndefined();
  });

  it('draws the same copies for the same minute every time', () => {
    const a = createScenarioSimulator(failingCanary()).simulateMinute(7, 5, { shadowShare: 0.3 });
    const b = createScenarioSimulator(failingCanary()).simulateMinute(7, 5, { shadowShare: 0.3 });
    expect(b.shadow?.invocations).toBe(a.shadow?.invocations);
    expect(b.shadow?.errors5xx).toBe(a.shadow?.errors5xx);
  });
});
