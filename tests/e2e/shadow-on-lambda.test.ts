import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxClientConfig } from '../../sandbox/local-stack/sandbox-clients';
import { configureScenario, createBaselineEndpoint } from '../../sandbox/local-stack/scenario-endpoint';
import type { TrafficHandle } from '../../sandbox/traffic';
import type { RolloutStatus } from '../../shared/control/control-contract';
import { strategyScenarioFile } from '../../shared/simulation/scenario-catalogue';
import { loadScenarioFile, type Scenario } from '../../shared/simulation/scenario-schema';
import { type E2eStack, ENDPOINT_DELAY_MS, MINUTE, startE2eStack } from './local-stack-fixture';

/**
 * The shadow scenarios of the catalogue end to end: the control API (bundled, on
 * serverless-offline) starts each one from a model name, the sandbox's SageMaker runs the new
 * model as a shadow variant and copies a share of the requests to it, and the bundled
 * `canaryTick` judges it: a healthy shadow passes into the canary and is promoted; a failing one
 * is removed with the rollout RolledBack, the new model never having answered a user request.
 */

const SCENARIOS = ['shadow-passes-into-canary', 'shadow-fails'];

interface Run {
  scenario: Scenario;
  endpointName: string;
  traffic?: TrafficHandle;
  status?: RolloutStatus;
  /** Every status seen, one per minute. */
  seen: RolloutStatus[];
}

describe('shadow phases on serverless-offline against the sandbox', () => {
  let e2e: E2eStack;
  let sagemaker: SageMakerClient;
  const runs: Run[] = [];
  const run = (name: string): Run => runs.find((r) => r.scenario.name === name)!;

  beforeAll(async () => {
    e2e = await startE2eStack();
    sagemaker = new SageMakerClient({
      ...sandboxClientConfig(e2e.stack.sandbox.url, e2e.stack.region),
      maxAttempts: 6,
    });
    const target = { sandboxUrl: e2e.stack.sandbox.url, region: e2e.stack.region };
    for (const name of SCENARIOS) {
      const scenario = loadScenarioFile(strategyScenarioFile(name));
      const endpointName = `e2e-${name}`;
      await createBaselineEndpoint({
        ...target,
        endpointName,
        baselineVariant: scenario.endpoint.baselineVariant,
        models: [`${endpointName}-v1`, `${endpointName}-v2`],
      });
      await configureScenario({
        ...target,
        parameterPrefix: e2e.stack.provisioned.parameterPrefix,
        scenario,
        endpointName,
      });
      runs.push({ scenario, endpointName, seen: [] });
    }
    await e2e.clock.advance(ENDPOINT_DELAY_MS);
    for (const r of runs) {
      const started = await e2e.api.start({
        endpointName: r.endpointName,
        model: `${r.endpointName}-v2`,
        reason: `scenario ${r.scenario.name}`,
      });
      if (!started.ok)
        throw new Error(`start ${r.endpointName}: ${started.status} ${started.error} ${started.problems}`);
      r.traffic = e2e.stack.sandbox.playScenario({
        scenario: r.scenario,
        region: e2e.stack.region,
        endpointName: r.endpointName,
        stopAtEnd: false,
      });
    }
    const longest = Math.max(...runs.map((r) => r.scenario.durationMinutes));
    for (let minute = 0; minute < longest; minute++) {
      await e2e.clock.advance(MINUTE);
      for (const r of runs) {
        const status = await e2e.api.status(r.endpointName);
        if (!status.ok) continue;
        r.status = status.body;
        r.seen.push(status.body);
      }
      // A failed shadow's rollout is over once its removal is done too.
      const failing = run('shadow-fails').status;
      if (
        run('shadow-passes-into-canary').status?.phase === 'Promoted' &&
        failing?.phase === 'RolledBack' &&
        failing.endpointChange?.status === 'done'
      )
        break;
    }
    for (const r of runs) r.traffic?.stop();
    await e2e.stack.sandbox.sns.idle();
  }, 300_000);

  afterAll(async () => {
    sagemaker?.destroy();
    await e2e?.stack.close();
  });

  it('brings each shadow scenario to the outcome it expects', () => {
    const outcomes = Object.fromEntries(runs.map((r) => [r.scenario.name, r.status?.phase]));
    const expected = Object.fromEntries(runs.map((r) => [r.scenario.name, r.scenario.expect?.outcome]));
    expect(outcomes).toEqual(expected);
  });

  it('judged the passing shadow on copies at 0% first, then the canary on user traffic', () => {
    const passing = run('shadow-passes-into-canary');
    const shadowed = passing.seen.filter((s) => s.shadow?.status === 'judging');
    expect(shadowed.length).toBeGreaterThanOrEqual(8);
    expect(shadowed.every((s) => s.weights.canary === 0)).toBe(true);
    const records = passing.traffic!.records();
    const firstUserMinute = records.findIndex((r) => r.canary.invocations > 0);
    expect(firstUserMinute).toBeGreaterThan(0);
    // Before the canary took users, the new model got copies only.
    expect(records.slice(0, firstUserMinute).some((r) => (r.shadow?.invocations ?? 0) > 0)).toBe(true);
    expect(records.slice(firstUserMinute).every((r) => (r.shadow?.invocations ?? 0) === 0)).toBe(true);
  });

  it('never served a user request from the failing shadow’s model, and removed the shadow', async () => {
    const failing = run('shadow-fails');
    expect(failing.scenario.expect?.userTrafficToNewModel).toBe(0);
    const records = failing.traffic!.records();
    const userRequests = records.reduce((sum, r) => sum + r.canary.invocations, 0);
    expect(userRequests).toBe(failing.scenario.expect?.userTrafficToNewModel);
    expect(records.some((r) => (r.shadow?.invocations ?? 0) > 0)).toBe(true);
    expect(failing.seen.every((s) => s.weights.canary === 0 && (s.appliedWeights?.canary ?? 0) === 0)).toBe(
      true,
    );
    expect(failing.status?.message).toMatch(/no user request was answered by the new model/);
    expect(failing.status?.endpointChange).toMatchObject({ kind: 'remove-shadow', status: 'done' });

    const endpoint = await sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: failing.endpointName }),
    );
    const config = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
    );
    expect(config.ProductionVariants?.map((v) => [v.VariantName, v.ModelName])).toEqual([
      ['primary', `${failing.endpointName}-v1`],
    ]);
    expect(config.ShadowProductionVariants ?? []).toEqual([]);
  });
});
