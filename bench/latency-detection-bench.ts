/**
 * `npm run bench -- latency`: how fast the engine detects latency regressions and how often it
 * rolls back a healthy canary, over many seeds of the catalogue's scenarios (issue 12).
 *
 * - Latency regressions (catalogue scenarios with "latency" in their name and a
 *   `regressionFromMinute`): median and worst time to detect per scenario (`timeToDetectMinutes`,
 *   the one definition), and the summary the issue asks for: relative regressions of 1.6x or
 *   more at 1,500 requests a minute or more (the `latency-<k>x-...` files and
 *   `canary-latency-*` files).
 * - Error-rate regressions (the 5XX scenarios): the same figures, to show they are no slower.
 * - Healthy scenarios (every catalogue file expecting `Promoted`, the latency look-alikes
 *   among them): false rollbacks over the seeds.
 *
 * `LATENCY_BENCH_EXTRA_DIR=<folder>` adds a scenario folder outside the catalogue (a public sample, say).
 *
 * Seeds: 100 per scenario unless `LATENCY_BENCH_SEEDS` says otherwise (a bench, not a test: the
 * many-seed measurement lives here so `npm test` stays fast). Seeds are the file's own seed and
 * the ones after it, so a figure here is reproducible with `rollout-watchdog simulate --seed`.
 */
import { basename } from 'node:path';
import { loadPolicyFileSync } from '../shared/events/policy-text';
import type { RolloutPolicy } from '../shared/domain/types';
import { runScenario } from '../shared/simulation/run-scenario';
import { LATENCY_SCENARIO_DIR, scenarioFiles } from '../shared/simulation/scenario-catalogue';
import { loadScenarioFile, type Scenario } from '../shared/simulation/scenario-schema';
import type { Benchmark, BenchmarkResult } from './benchmark';

/** Seeds per scenario when LATENCY_BENCH_SEEDS is not set. */
const DEFAULT_SEEDS = 100;

/** Error-rate regressions whose detection time is reported beside the latency ones. */
const ERROR_RATE_SCENARIOS = new Set(
  ['canary-5xx-spike', 'zero-baseline-errors', 'fails-only-at-scale'].flatMap((name) => [
    name,
    `extra/${name}`,
  ]),
);

/** The target class: a relative regression of at least this factor... */
const TARGET_MIN_FACTOR = 1.6;
/** ...at this many requests a minute or more. */
const TARGET_MIN_REQUESTS_PER_MINUTE = 1500;
/**
 * ...split by how far the body (p50) moved with the tail: at least this factor is a slowdown of
 * the whole distribution (the "p50 up too"); below it the regression is tail-dominated,
 * and the fast test, which reads the body, cannot convict it sooner than the p99 alone allows.
 */
const WHOLE_DISTRIBUTION_MIN_P50_FACTOR = 1.5;

interface Case {
  scenario: Scenario;
  policy: RolloutPolicy;
}

/**
 * The catalogue (`latency/` included), plus the scenario folder `LATENCY_BENCH_EXTRA_DIR` names
 * when set (e.g. a sample kept outside the repository), its scenarios labelled `extra/<name>`.
 */
function loadCases(): Case[] {
  const load = (file: string, label = (name: string) => name): Case => {
    const scenario = loadScenarioFile(file);
    return {
      scenario: { ...scenario, name: label(scenario.name) },
      policy: loadPolicyFileSync(scenario.policyPath!),
    };
  };
  const extraDir = process.env.LATENCY_BENCH_EXTRA_DIR;
  return [
    ...[...scenarioFiles(), ...scenarioFiles(LATENCY_SCENARIO_DIR)].map((file) => load(file)),
    ...(extraDir ? scenarioFiles(extraDir).map((file) => load(file, (name) => `extra/${name}`)) : []),
  ];
}

/**
 * Factor by which the canary's `statistic` exceeds the baseline's once the regression is in
 * force, from the scenario's own segments (the profiles in force at the regression's first minute).
 */
function latencyFactor(scenario: Scenario, statistic: 'p50' | 'p99'): number | null {
  const from = scenario.expect?.regressionFromMinute;
  if (from === undefined) return null;
  const at = (variant: string) =>
    scenario.variants[variant]?.filter((segment) => segment.fromMinute <= from).at(-1)?.profile.latencyMs[
      statistic
    ];
  const canary = at(scenario.endpoint.canaryVariant);
  const baseline = at(scenario.endpoint.baselineVariant);
  return canary && baseline ? canary / baseline : null;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Detection {
  name: string;
  times: number[];
  missed: number;
}

function detect(testCase: Case, seeds: number): Detection {
  const times: number[] = [];
  let missed = 0;
  for (let i = 0; i < seeds; i++) {
    const run = runScenario(testCase.scenario, testCase.policy, { seed: testCase.scenario.seed + i });
    if (run.scores.timeToDetectMinutes === null || run.scores.timeToDetectMinutes <= 0) missed++;
    else times.push(run.scores.timeToDetectMinutes);
  }
  return { name: testCase.scenario.name, times, missed };
}

function detectionResults(detections: Detection[], seeds: number): BenchmarkResult[] {
  return detections.map((d) => ({
    label: `${d.name} median / worst`,
    value: d.times.length > 0 ? median(d.times) : Number.NaN,
    unit: 'min',
    note: `worst ${d.times.length > 0 ? Math.max(...d.times) : '-'} min; ${d.missed} of ${seeds} not rolled back after the regression`,
  }));
}

/** The median and worst time to detect over a class of regression scenarios, as two result lines. */
function summary(title: string, runs: ReadonlyArray<{ d: Detection }>, seeds: number): BenchmarkResult[] {
  const times = runs.flatMap(({ d }) => d.times);
  const missed = runs.reduce((sum, { d }) => sum + d.missed, 0);
  return [
    {
      label: `${title}: median`,
      value: times.length > 0 ? median(times) : Number.NaN,
      unit: 'min',
      note: `target <= 3; ${runs.length} scenarios x ${seeds} seeds; ${missed} not rolled back`,
    },
    {
      label: `${title}: worst`,
      value: times.length > 0 ? Math.max(...times) : Number.NaN,
      unit: 'min',
      note: `target <= 6; ${runs.map(({ d }) => d.name).join(', ')}`,
    },
  ];
}

export const benchmark: Benchmark = {
  name: 'latency-detection',
  description:
    'time to detect latency (and error-rate) regressions and false rollbacks of healthy scenarios, over many seeds of the catalogue (LATENCY_BENCH_SEEDS, default 100)',
  run() {
    const seeds = Number(process.env.LATENCY_BENCH_SEEDS) || DEFAULT_SEEDS;
    const cases = loadCases();
    const latency = cases.filter(
      (c) => c.scenario.name.includes('latency') && c.scenario.expect?.regressionFromMinute !== undefined,
    );
    const errors = cases.filter((c) => ERROR_RATE_SCENARIOS.has(c.scenario.name));
    const healthy = cases.filter((c) => c.scenario.expect?.outcome === 'Promoted');

    const results: BenchmarkResult[] = [];
    const latencyDetections = latency.map((c) => ({ c, d: detect(c, seeds) }));
    results.push(
      ...detectionResults(
        latencyDetections.map((x) => x.d),
        seeds,
      ),
    );
    const target = latencyDetections.filter(({ c }) => {
      const factor = latencyFactor(c.scenario, 'p99');
      const minRate = Math.min(...c.scenario.traffic.map((t) => t.requestsPerMinute));
      return factor !== null && factor >= TARGET_MIN_FACTOR && minRate >= TARGET_MIN_REQUESTS_PER_MINUTE;
    });
    const whole = (c: Case) => (latencyFactor(c.scenario, 'p50') ?? 0) >= WHOLE_DISTRIBUTION_MIN_P50_FACTOR;
    const span = `p99 >= ${TARGET_MIN_FACTOR}x at >= ${TARGET_MIN_REQUESTS_PER_MINUTE} req/min`;
    results.push(
      ...summary(
        `${span}, p50 >= ${WHOLE_DISTRIBUTION_MIN_P50_FACTOR}x`,
        target.filter(({ c }) => whole(c)),
        seeds,
      ),
      ...summary(
        `${span}, tail-dominated`,
        target.filter(({ c }) => !whole(c)),
        seeds,
      ),
    );

    results.push(
      ...detectionResults(
        errors.map((c) => detect(c, seeds)),
        seeds,
      ),
    );

    let falseRollbacks = 0;
    for (const c of healthy) {
      let rolledBack = 0;
      for (let i = 0; i < seeds; i++) {
        const run = runScenario(c.scenario, c.policy, { seed: c.scenario.seed + i });
        if (run.outcome === 'RolledBack') rolledBack++;
      }
      falseRollbacks += rolledBack;
      results.push({
        label: `${c.scenario.name} false rollbacks`,
        value: rolledBack,
        unit: `of ${seeds}`,
      });
    }
    results.push({
      label: 'healthy scenarios: false rollbacks in all',
      value: falseRollbacks,
      unit: `of ${healthy.length * seeds}`,
      note: `${healthy.length} healthy scenarios (${healthy.map((c) => basename(c.scenario.name)).join(', ')})`,
    });
    return results;
  },
};
