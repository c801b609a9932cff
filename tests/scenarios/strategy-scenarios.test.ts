/**
 * The shadow scenarios of the strategies set (`scenarios/strategies/shadow-*.json`) with the
 * engine in the loop, on their own seed and five more, and once through the real `replay`
 * process (whose answers carry `shadowPercent` while the shadow runs).
 */
import { describe, expect, it } from 'vitest';
import type { ReplayOutputLine } from '../../shared/simulation/replay-session';
import { runScenario } from '../../shared/simulation/run-scenario';
import { strategyScenarioFile } from '../../shared/simulation/scenario-catalogue';
import { createScenarioPlayer } from '../../shared/simulation/scenario-player';
import { startCli } from './replay-child';
import { expectScenarioOutcome, loadCase, seedsOf } from './scenario-expectations';

const passes = strategyScenarioFile('shadow-passes-into-canary');
const fails = strategyScenarioFile('shadow-fails');

describe('shadow-passes-into-canary', () => {
  it.each(seedsOf(passes))('is promoted after its shadow passed into the canary steps (seed %i)', (seed) => {
    const run = expectScenarioOutcome(passes, seed);
    const { policy } = loadCase(passes);
    const shadowMinutes = run.timeline.filter((e) => e.shadowPercent !== undefined);
    // The shadow's 10 minutes on half of the requests, judged on its copies at 0 %.
    expect(shadowMinutes.length).toBeGreaterThanOrEqual(10);
    expect(shadowMinutes.every((e) => e.shadowPercent === 50 && e.canaryWeight === 0)).toBe(true);
    expect(shadowMinutes.every((e) => (e.shadow?.invocations ?? 0) > 0)).toBe(true);
    const passed = run.timeline.find((e) => e.decision.reason.startsWith('shadow passed'));
    expect(passed?.decision.weights[policy.endpoint.canaryVariant]).toBe(10);
    expect(passed?.decision.shadowPercent).toBeUndefined();
    expect(run.scores.userTrafficToNewModel).toBeGreaterThan(0);
  });
});

describe('shadow-fails', () => {
  it.each(seedsOf(fails))(
    'rolls back during the shadow with no user request answered by the new model (seed %i)',
    (seed) => {
      const run = expectScenarioOutcome(fails, seed);
      expect(run.scores.userTrafficToNewModel).toBe(0);
      expect(run.scores.matchesExpectation).toBe(true);
      expect(run.timeline.every((e) => e.canaryWeight === 0 && e.decision.weights.canary === 0)).toBe(true);
      expect(run.timeline.at(-1)?.decision.reason).toMatch(
        /^shadow failed, rolled back: error-rate .*no user request was answered by the new model/,
      );
    },
  );
});

describe('shadow scenarios through the real replay process', () => {
  it.concurrent.each([
    ['shadow-passes-into-canary', passes],
    ['shadow-fails', fails],
  ])('%s: shadowPercent while the shadow runs, the same answers as in process', async (_name, file) => {
    const { scenario, policy } = loadCase(file);
    const child = startCli(['replay', '--policy', scenario.policyPath ?? '']);
    const player = createScenarioPlayer(scenario, policy);
    try {
      for (let line = player.nextLine(); line !== null; line = player.nextLine()) {
        const answer = JSON.parse(await child.send(JSON.stringify(line))) as ReplayOutputLine;
        const shadowing = answer.phase !== 'RolledBack' && answer.reason.startsWith('shadow (');
        expect(Object.keys(answer)).toEqual([
          'time',
          'phase',
          'stepIndex',
          'weights',
          'action',
          'reason',
          ...(shadowing ? ['shadowPercent'] : []),
        ]);
        if (shadowing) {
          expect(answer.shadowPercent).toBe(50);
          expect(answer.weights).toEqual({ primary: 100, canary: 0 });
        }
        player.accept(answer);
      }
    } finally {
      expect(await child.close()).toBe(0);
    }
    const inProcess = runScenario(scenario, policy);
    expect(player.result().timeline.map((e) => e.decision)).toEqual(
      inProcess.timeline.map((e) => e.decision),
    );
    expect(child.stderr()).toEqual([]);
  });
});
