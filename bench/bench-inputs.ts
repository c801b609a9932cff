/**
 * Inputs shared by the benchmarks: a policy that keeps judging (its last pause outlasts any
 * benchmark, so the rollout does not end and every tick is a full judgement) and a pool of
 * realistic periods from the scenario simulator.
 */
import { loadPolicyText } from '../shared/events/policy-text';
import type { PeriodObservation, RolloutPolicy, VariantPeriodMetrics } from '../shared/domain/types';
import { parseScenario } from '../shared/simulation/scenario-schema';
import { createScenarioSimulator } from '../shared/simulation/scenario-simulator';
import { SCENARIO_START_TIME, toReplayLine } from '../shared/simulation/to-replay-line';

/** The analysis of the catalogue's standard policy (scenarios/policies/standard.yaml), with a final pause long enough that the rollout never ends during a benchmark. */
export const LONG_POLICY_YAML = `apiVersion: rollout-watchdog/v1
endpoint: { name: bench-endpoint, region: us-east-1, baselineVariant: primary, canaryVariant: canary }
strategy:
  canary:
    steps:
      - setWeight: 5
      - pause: { duration: 10m }
      - setWeight: 20
      - pause: { duration: 10m }
      - setWeight: 50
      - pause: { duration: 50000h }
analysis:
  interval: 1m
  window: 5m
  minCanaryInvocations: 100
  inconclusiveLimit: 30
  metrics:
    - { name: error-rate, type: errorRate, threshold: 0.05, maxIncrease: 0.01, failureLimit: 2 }
    - { name: p99-latency, type: latency, statistic: p99, thresholdMs: 500, maxIncreasePct: 30, failureLimit: 3 }
rollback:
  onAlarms:
    - { alarmName: bench-canary-5xx, strategy: immediate }
`;

export function longPolicy(): RolloutPolicy {
  return loadPolicyText(LONG_POLICY_YAML, 'bench policy');
}

/** A healthy canary next to its baseline at 3,000 requests a minute (healthy-steady). */
export const HEALTHY_SCENARIO = (() => {
  const healthy = {
    fromMinute: 0,
    errorRate5xx: 0.002,
    errorRate4xx: 0.01,
    latencyMs: { p50: 40, p99: 180 },
  };
  const result = parseScenario({
    name: 'bench-healthy',
    seed: 1,
    durationMinutes: 1_000_000,
    endpoint: { name: 'bench-endpoint', baselineVariant: 'primary', canaryVariant: 'canary' },
    traffic: [{ fromMinute: 0, requestsPerMinute: 3000 }],
    variants: { primary: [healthy], canary: [healthy] },
  });
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.scenario;
})();

/** `count` simulated periods' per-variant aggregates (canary at 50 %), to be cycled through. */
export function variantPool(count: number): Array<Record<string, VariantPeriodMetrics>> {
  const simulator = createScenarioSimulator(HEALTHY_SCENARIO);
  return Array.from({ length: count }, (_, m) => toReplayLine(simulator.simulateMinute(m, 50), 0).variants);
}

/** Observations for ticks `from` .. `from + count - 1`, one minute apart, cycling through `pool`. */
export function observations(
  pool: ReadonlyArray<Record<string, VariantPeriodMetrics>>,
  from: number,
  count: number,
): PeriodObservation[] {
  return Array.from({ length: count }, (_, i) => ({
    time: SCENARIO_START_TIME + (from + i + 1) * 60_000,
    variants: pool[(from + i) % pool.length] ?? {},
  }));
}
