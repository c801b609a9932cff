import { basename } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatScoreTable } from '../../shared/simulation/format-timeline';
import type { ReplayOutputLine } from '../../shared/simulation/replay-session';
import { runScenario, type ScenarioRun } from '../../shared/simulation/run-scenario';
import { LATENCY_SCENARIO_DIR, scenarioFiles } from '../../shared/simulation/scenario-catalogue';
import { createScenarioPlayer } from '../../shared/simulation/scenario-player';
import { startCli } from './replay-child';
import { expectScenarioOutcome, loadCase, seedsOf } from './scenario-expectations';

/** Every scenario of the project's catalogue (`scenarios/`). */
const catalogue = scenarioFiles();
/**
 * The latency-detection set (`scenarios/latency/`): played in process on the same seeds; the
 * replay-process pass below keeps to the top folder, whose latency representatives exercise the
 * same engine through the process (a child per file would add seconds for nothing new).
 */
const latencySet = scenarioFiles(LATENCY_SCENARIO_DIR);
const runs: ScenarioRun[] = [];

describe.each([...catalogue, ...latencySet].map((f) => [basename(f), f] as const))(
  'scenario %s',
  (_name, file) => {
    it.each(seedsOf(file))('reaches its expected outcome with seed %i', (seed) => {
      runs.push(expectScenarioOutcome(file, seed));
    });
  },
);

describe('scenarios through the real replay process, line by line', () => {
  it.concurrent.each(catalogue.map((f) => [basename(f), f] as const))(
    '%s reaches its outcome and answers exactly as the in-process engine',
    async (_name, file) => {
      const { scenario, policy } = loadCase(file);
      const child = startCli(['replay', '--policy', scenario.policyPath ?? '']);
      const player = createScenarioPlayer(scenario, policy);
      try {
        for (let line = player.nextLine(); line !== null; line = player.nextLine()) {
          const answer = JSON.parse(await child.send(JSON.stringify(line))) as ReplayOutputLine;
          expect(Object.keys(answer)).toEqual(['time', 'phase', 'stepIndex', 'weights', 'action', 'reason']);
          player.accept(answer);
        }
      } finally {
        expect(await child.close()).toBe(0);
      }
      const viaChild = player.result();
      if (scenario.expect) expect(viaChild.outcome).toBe(scenario.expect.outcome);
      const inProcess = runScenario(scenario, policy);
      expect(viaChild.timeline.map((e) => e.decision)).toEqual(inProcess.timeline.map((e) => e.decision));
      expect(child.stderr()).toEqual([]);
    },
  );
});

afterAll(() => {
  if (runs.length === 0) return;
  const ordered = [...runs].sort((a, b) => a.scenario.localeCompare(b.scenario) || a.seed - b.seed);
  console.log(
    `\nScenario scores (detect: minutes from the start of the regression's first minute to the rollback decision at the end of its minute; blast radius: canary requests failed or slower than the baseline p99 until the canary reached 0; promote: minutes / minimum the steps allow)\n${formatScoreTable(ordered)}\n`,
  );
});
