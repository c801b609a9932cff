/**
 * The scenarios the demo plays (`npm start`): read from `../shared/scenarios` beside the project
 * (DESIGN 3.4) when it is there, else from built-in copies of the two public files and their
 * standard policy, so the demo also runs from a lone clone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicyFileSync, loadPolicyText } from '../config/load-policy';
import type { RolloutPolicy } from '../domain/types';
import { loadScenarioFile, parseScenario, type Scenario } from './scenario-schema';

/** `../shared/scenarios`, beside the project root. */
export const PUBLIC_SCENARIOS_DIR = fileURLToPath(new URL('../../../shared/scenarios', import.meta.url));

export type DemoScenarioName = 'healthy-steady' | 'canary-5xx-spike';

export interface DemoScenario {
  scenario: Scenario;
  policy: RolloutPolicy;
  /** The policy as written (YAML), for storing it where the watchdog reads it. */
  policyText: string;
  /** Where the scenario came from: its file, or `built-in`. */
  source: string;
}

const STANDARD_POLICY = `apiVersion: rollout-watchdog/v1
endpoint: { name: demo-endpoint, region: us-east-1, baselineVariant: primary, canaryVariant: canary }
strategy:
  canary:
    steps:
      - setWeight: 5
      - pause: { duration: 10m }
      - setWeight: 20
      - pause: { duration: 10m }
      - setWeight: 50
      - pause: { duration: 20m }
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
    - { alarmName: demo-canary-5xx, strategy: immediate }
`;

const healthy = { fromMinute: 0, errorRate5xx: 0.002, errorRate4xx: 0.01, latencyMs: { p50: 40, p99: 180 } };
const common = {
  periodSeconds: 60,
  durationMinutes: 90,
  endpoint: { name: 'demo-endpoint', baselineVariant: 'primary', canaryVariant: 'canary' },
  traffic: [{ fromMinute: 0, requestsPerMinute: 3000 }],
  alarms: [
    {
      name: 'demo-canary-5xx',
      variant: 'canary',
      metric: 'Invocation5XXErrors',
      statistic: 'Sum',
      threshold: 30,
      evaluationPeriods: 2,
      comparisonOperator: 'GreaterThanThreshold',
    },
  ],
};
const BUILT_IN: Record<DemoScenarioName, unknown> = {
  'healthy-steady': {
    ...common,
    name: 'healthy-steady',
    description: 'Canary identical to the baseline at steady traffic.',
    seed: 1,
    variants: { primary: [healthy], canary: [healthy] },
    expect: { outcome: 'Promoted' },
  },
  'canary-5xx-spike': {
    ...common,
    name: 'canary-5xx-spike',
    description: 'Canary healthy at first; from minute 25 its 5XX rate jumps to 8%.',
    seed: 7,
    variants: { primary: [healthy], canary: [healthy, { fromMinute: 25, errorRate5xx: 0.08 }] },
    expect: { outcome: 'RolledBack', regressionFromMinute: 25 },
  },
};

/** Loads a demo scenario and its policy, preferring the files in `options.dir` (default: the public folder). */
export function loadDemoScenario(name: DemoScenarioName, options: { dir?: string } = {}): DemoScenario {
  const file = join(options.dir ?? PUBLIC_SCENARIOS_DIR, `${name}.json`);
  if (existsSync(file)) {
    const scenario = loadScenarioFile(file);
    if (scenario.policyPath && existsSync(scenario.policyPath)) {
      const policyText = readFileSync(scenario.policyPath, 'utf8');
      return { scenario, policy: loadPolicyFileSync(scenario.policyPath), policyText, source: file };
    }
  }
  const parsed = parseScenario(BUILT_IN[name]);
  if (!parsed.ok) throw new Error(`built-in scenario ${name} is invalid: ${parsed.problems.join('; ')}`);
  return {
    scenario: parsed.scenario,
    policy: loadPolicyText(STANDARD_POLICY, 'built-in standard policy'),
    policyText: STANDARD_POLICY,
    source: 'built-in',
  };
}
