import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureScenario, createVariantEndpoint } from '../../sandbox/local-stack/scenario-endpoint';
import { LOCAL_SLACK_HOOK } from '../../sandbox/local-stack/start-local-stack';
import type { RolloutStatus } from '../../shared/control/control-contract';
import { strategyScenarioFile } from '../../shared/simulation/scenario-catalogue';
import { loadScenarioFile, type Scenario } from '../../shared/simulation/scenario-schema';
import { type E2eStack, ENDPOINT_DELAY_MS, MINUTE, startE2eStack } from './local-stack-fixture';

/**
 * The two gate scenarios of the strategies set, end to end: the control API starts each rollout
 * under `scenarios/policies/gates.yaml` (a `load-test` gate before each later step, a Lambda the
 * sandbox hosts and scripts from the scenario's `hooks`), and the bundled `canaryTick` on
 * serverless-offline asks the gate through the Lambda SDK client every minute: one rollout is
 * held at 5% and let go, then promoted; the other is rolled back after six refusals in a row.
 */

const FINAL = new Set(['Promoted', 'RolledBack', 'Aborted']);

interface Run {
  scenario: Scenario;
  endpointName: string;
  /** Status seen while the rollout waited at its gate. */
  heldStatus?: RolloutStatus;
}

describe('gates on serverless-offline against the sandbox', () => {
  let e2e: E2eStack;
  const runs: Run[] = [];
  const phases = new Map<string, string>();

  beforeAll(async () => {
    e2e = await startE2eStack();
    const target = { sandboxUrl: e2e.stack.sandbox.url, region: e2e.stack.region };
    for (const name of ['gate-holds-then-lets-go', 'gate-fails-into-rollback']) {
      const scenario = loadScenarioFile(strategyScenarioFile(name));
      const endpointName = `e2e-${name}`;
      await createVariantEndpoint({ ...target, endpointName, ...scenario.endpoint });
      await configureScenario({
        ...target,
        parameterPrefix: e2e.stack.provisioned.parameterPrefix,
        scenario,
        endpointName,
      });
      runs.push({ scenario, endpointName });
    }
    await e2e.clock.advance(ENDPOINT_DELAY_MS);
    for (const run of runs) {
      const started = await e2e.api.start({
        endpointName: run.endpointName,
        reason: `scenario ${run.scenario.name}`,
      });
      if (!started.ok) throw new Error(`start ${run.endpointName}: ${started.status} ${started.error}`);
      e2e.stack.sandbox.playScenario({
        scenario: run.scenario,
        region: e2e.stack.region,
        endpointName: run.endpointName,
        stopAtEnd: false,
      });
    }
    const longest = Math.max(...runs.map((r) => r.scenario.durationMinutes));
    for (let minute = 0; minute < longest; minute++) {
      await e2e.clock.advance(MINUTE);
      for (const run of runs) {
        if (FINAL.has(phases.get(run.endpointName) ?? '')) continue;
        const status = await e2e.api.status(run.endpointName);
        if (!status.ok) throw new Error(`status ${run.endpointName}: ${status.status} ${status.error}`);
        phases.set(run.endpointName, status.body.phase);
        if (status.body.gate && !run.heldStatus) run.heldStatus = status.body;
      }
      if (runs.every((r) => FINAL.has(phases.get(r.endpointName) ?? ''))) break;
    }
    await e2e.stack.sandbox.sns.idle();
  }, 300_000);

  afterAll(async () => {
    await e2e?.stack.close();
  });

  it('brings each gate scenario to the outcome it expects', () => {
    const outcomes = Object.fromEntries(runs.map((r) => [r.scenario.name, phases.get(r.endpointName)]));
    expect(outcomes).toEqual({
      'gate-holds-then-lets-go': 'Promoted',
      'gate-fails-into-rollback': 'RolledBack',
    });
  });

  it('shows the gate, its reason and what happens next in status while the rollout waits at it', () => {
    const held = runs[0]!.heldStatus;
    expect(held?.gate).toMatchObject({
      point: 'beforeStep',
      hooks: ['load-test'],
      reason: 'load test at 3x traffic still running',
      failureLimit: 6,
      nextWeight: 20,
    });
    expect(held?.gate?.description).toMatch(
      /^Waits at gate load-test \(\d of 6 failures\) before 20%; asked again next minute/,
    );
  });

  it('asked the Lambda gate every minute it waited and recorded every call and answer in history', async () => {
    const [holds, fails] = runs;
    const lambdaCalls = e2e.stack.sandbox.hooks.calls(`${holds!.endpointName}-load-test`);
    expect(lambdaCalls.every((c) => c.via === 'lambda')).toBe(true);
    expect(lambdaCalls.filter((c) => !c.allow).length).toBeGreaterThanOrEqual(2);
    expect(lambdaCalls.some((c) => c.allow)).toBe(true);
    const failing = e2e.stack.sandbox.hooks.calls(`${fails!.endpointName}-load-test`);
    expect(failing.map((c) => c.allow)).toEqual([false, false, false, false, false, false]);

    const history = await e2e.api.history(fails!.endpointName, 100);
    if (!history.ok) throw new Error(history.error);
    const hookEntries = history.body.entries.filter((e) => e.kind === 'hook');
    expect(hookEntries.filter((e) => e.hook?.hook === 'load-test')).toHaveLength(6);
    const rollback = history.body.entries.find((e) => e.action === 'rollback');
    expect(rollback?.reason).toBe(
      'gate load-test said no 6 times in a row (limit 6) before canary 5% -> 20%: load test failed: p99 900 ms at 3x traffic; rolled back (canary 5% -> 0%)',
    );
  });

  it('tells the notify hook (rollout-audit, after the end) how each rollout ended, once', async () => {
    for (const [run, phase] of [
      [runs[0]!, 'Promoted'],
      [runs[1]!, 'RolledBack'],
    ] as const) {
      const told = e2e.stack.sandbox.hooks
        .calls(`${run.endpointName}-rollout-audit`)
        .map((c) => c.body as { point: string; phase: string; hook: string });
      // On a mismatch, say what the rollout's history recorded of its hook calls.
      const history = await e2e.api.history(run.endpointName, 100);
      const recorded = history.ok
        ? history.body.entries.filter((e) => e.kind === 'hook').map((e) => `${e.time} ${e.reason}`)
        : [history.error];
      expect(
        told.map((b) => [b.hook, b.point, b.phase]),
        `${run.endpointName}: ${recorded.join(' | ')}`,
      ).toEqual([['rollout-audit', 'afterEnd', phase]]);
    }
  });

  it("tells people the gate's reason in Slack", () => {
    const texts = e2e.stack.sandbox.slack.posts(LOCAL_SLACK_HOOK).map((m) => JSON.stringify(m));
    expect(
      texts.some(
        (t) => t.includes(runs[0]!.endpointName) && t.includes('load test at 3x traffic still running'),
      ),
    ).toBe(true);
    expect(
      texts.some((t) => t.includes(runs[1]!.endpointName) && t.includes('said no 6 times in a row')),
    ).toBe(true);
  });
});
