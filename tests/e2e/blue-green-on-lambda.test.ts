import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxClientConfig } from '../../sandbox/local-stack/sandbox-clients';
import { configureScenario, createBaselineEndpoint } from '../../sandbox/local-stack/scenario-endpoint';
import type { RolloutStatus } from '../../shared/control/control-contract';
import { strategyScenarioFile } from '../../shared/simulation/scenario-catalogue';
import { loadScenarioFile, type Scenario } from '../../shared/simulation/scenario-schema';
import { type E2eStack, ENDPOINT_DELAY_MS, MINUTE, startE2eStack } from './local-stack-fixture';

/**
 * The blue/green scenarios of the catalogue end to end: the control API (bundled, on
 * serverless-offline) starts each one from a model name, SageMaker's deployment guardrails (the
 * sandbox's) shift the traffic, the sandbox plays the old model on the blue fleet and the new one
 * on the green fleet, and the bundled `canaryTick` watches: a healthy deployment completes, one is
 * rolled back by SageMaker on the team's own alarm, one on the watchdog's verdict alarm.
 */

const SCENARIOS = [
  'blue-green-completes',
  'blue-green-rolled-back-by-alarm',
  'blue-green-rolled-back-on-verdict',
];
const FINAL = new Set(['Promoted', 'RolledBack', 'Aborted']);

interface Run {
  scenario: Scenario;
  endpointName: string;
  status?: RolloutStatus;
}

describe('blue/green deployments on serverless-offline against the sandbox', () => {
  let e2e: E2eStack;
  const runs: Run[] = [];

  beforeAll(async () => {
    e2e = await startE2eStack();
    const target = { sandboxUrl: e2e.stack.sandbox.url, region: e2e.stack.region };
    for (const name of SCENARIOS) {
      const scenario = loadScenarioFile(strategyScenarioFile(name));
      const endpointName = `e2e-${name}`.slice(0, 63);
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
      runs.push({ scenario, endpointName });
    }
    await e2e.clock.advance(ENDPOINT_DELAY_MS);
    for (const run of runs) {
      const started = await e2e.api.start({
        endpointName: run.endpointName,
        model: `${run.endpointName}-v2`,
        reason: `scenario ${run.scenario.name}`,
      });
      if (!started.ok)
        throw new Error(`start ${run.endpointName}: ${started.status} ${started.error} ${started.problems}`);
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
        const status = await e2e.api.status(run.endpointName);
        if (status.ok) run.status = status.body;
      }
      if (runs.every((r) => FINAL.has(r.status?.phase ?? ''))) break;
    }
    await e2e.stack.sandbox.sns.idle();
  }, 300_000);

  afterAll(async () => {
    await e2e?.stack.close();
  });

  it('brings each blue/green scenario to the outcome it expects', () => {
    const outcomes = Object.fromEntries(runs.map((r) => [r.scenario.name, r.status?.phase]));
    const expected = Object.fromEntries(runs.map((r) => [r.scenario.name, r.scenario.expect?.outcome]));
    expect(outcomes).toEqual(expected);
  });

  it("records which alarm SageMaker rolled back on: the team's own, or the watchdog's verdict", () => {
    const byName = new Map(runs.map((r) => [r.scenario.name, r.status?.blueGreen]));
    const alarm = runs.find((r) => r.scenario.name === 'blue-green-rolled-back-by-alarm')!;
    const verdict = runs.find((r) => r.scenario.name === 'blue-green-rolled-back-on-verdict')!;
    expect(byName.get('blue-green-completes')).toMatchObject({ phase: 'completed', verdict: 'passing' });
    expect(byName.get(alarm.scenario.name)).toMatchObject({
      phase: 'rolledBack',
      rolledBackBy: `${alarm.endpointName}-demo-primary-5xx`,
      verdict: 'passing',
    });
    expect(byName.get(verdict.scenario.name)).toMatchObject({
      phase: 'rolledBack',
      rolledBackBy: `rollout-watchdog-verdict-${verdict.endpointName}`,
      verdict: 'failing',
      rollbackRequested: { by: 'judgement' },
    });
  });

  it('leaves each endpoint on the config its outcome implies, the new model serving only after a completion', async () => {
    const sagemaker = new SageMakerClient(sandboxClientConfig(e2e.stack.sandbox.url, e2e.stack.region));
    for (const run of runs) {
      const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: run.endpointName }));
      const expected =
        run.scenario.expect?.outcome === 'Promoted'
          ? run.status?.blueGreen?.newConfig
          : `${run.endpointName}-initial`;
      expect({ [run.endpointName]: endpoint.EndpointConfigName }).toEqual({ [run.endpointName]: expected });
      expect(endpoint.EndpointStatus).toBe('InService');
    }
    sagemaker.destroy();
  });

  it('published the verdict each minute of a deployment: 0 while passing, 1 once the judgement failed', async () => {
    const cloudwatch = new CloudWatchClient(sandboxClientConfig(e2e.stack.sandbox.url, e2e.stack.region));
    const verdicts = async (endpointName: string) => {
      const out = await cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(e2e.clock.now() - 30 * MINUTE),
          EndTime: new Date(e2e.clock.now() + MINUTE),
          MetricDataQueries: [
            {
              Id: 'v',
              MetricStat: {
                Metric: {
                  Namespace: 'RolloutWatchdog',
                  MetricName: 'Verdict',
                  Dimensions: [{ Name: 'EndpointName', Value: endpointName }],
                },
                Period: 60,
                Stat: 'Maximum',
              },
            },
          ],
        }),
      );
      return out.MetricDataResults?.[0]?.Values ?? [];
    };
    const healthy = await verdicts(runs[0]!.endpointName);
    expect(healthy.length).toBeGreaterThan(5);
    expect(Math.max(...healthy)).toBe(0);
    expect(Math.max(...(await verdicts(runs[2]!.endpointName)))).toBe(1);
    cloudwatch.destroy();
  });
});
