/** Builds small valid scenarios for the simulation unit tests. */
import { parseScenario, type Scenario } from '../../../shared/simulation/scenario-schema';

/** A healthy two-variant scenario (3000 requests a minute), with `overrides` merged at the top level. */
export function rawScenario(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const healthy = {
    fromMinute: 0,
    errorRate5xx: 0.002,
    errorRate4xx: 0.01,
    latencyMs: { p50: 40, p99: 180 },
  };
  return {
    name: 'unit',
    seed: 7,
    durationMinutes: 60,
    endpoint: { name: 'unit-endpoint', baselineVariant: 'primary', canaryVariant: 'canary' },
    traffic: [{ fromMinute: 0, requestsPerMinute: 3000 }],
    variants: { primary: [healthy], canary: [healthy] },
    ...overrides,
  };
}

/** Parses `rawScenario(overrides)`, failing loudly when it is invalid. */
export function buildScenario(overrides: Record<string, unknown> = {}): Scenario {
  const result = parseScenario(rawScenario(overrides));
  if (!result.ok) throw new Error(`test scenario invalid: ${result.problems.join('; ')}`);
  return result.scenario;
}
