import { describe, expect, it } from 'vitest';
import { strategyScenarioFile } from '../../../shared/simulation/scenario-catalogue';
import { loadScenarioFile, parseScenario } from '../../../shared/simulation/scenario-schema';
import { buildScenario, rawScenario } from './scenario-builder';

describe("a scenario's hooks field", () => {
  it('keeps each hook receiver script, answers in minute order', () => {
    const scenario = buildScenario({
      hooks: {
        'load-test': [
          { fromMinute: 0, allow: false, reason: 'load test running' },
          { fromMinute: 14, allow: true },
        ],
      },
    });
    expect(scenario.hooks).toEqual({
      'load-test': [
        { fromMinute: 0, allow: false, reason: 'load test running' },
        { fromMinute: 14, allow: true },
      ],
    });
  });

  it('is empty when the scenario names no hooks', () => {
    expect(buildScenario().hooks).toEqual({});
  });

  it.each([
    [{ 'Load Test': [{ fromMinute: 0, allow: true }] }, 'hooks.Load Test'],
    [{ 'load-test': [] }, 'hooks.load-test: needs at least one answer'],
    [{ 'load-test': [{ fromMinute: 0 }] }, 'hooks.load-test[0].allow'],
    [{ 'load-test': [{ fromMinute: 0, allow: false, status: 99 }] }, 'hooks.load-test[0].status'],
    [
      {
        'load-test': [
          { fromMinute: 5, allow: false },
          { fromMinute: 5, allow: true },
        ],
      },
      "hooks.load-test[1].fromMinute: must be greater than the previous segment's (5)",
    ],
  ])('refuses %j with the problem at its path', (hooks, problem) => {
    const result = parseScenario(rawScenario({ hooks }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toContain(problem);
  });

  it('scripts the load-test gate of both gate scenarios of the catalogue', () => {
    const holds = loadScenarioFile(strategyScenarioFile('gate-holds-then-lets-go'));
    const fails = loadScenarioFile(strategyScenarioFile('gate-fails-into-rollback'));
    expect(holds.hooks['load-test']?.map((a) => a.allow)).toEqual([false, true]);
    expect(fails.hooks['load-test']?.every((a) => !a.allow)).toBe(true);
    expect([holds.expect?.outcome, fails.expect?.outcome]).toEqual(['Promoted', 'RolledBack']);
  });
});
