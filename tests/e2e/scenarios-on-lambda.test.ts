import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxClientConfig } from '../../sandbox/local-stack/sandbox-clients';
import { configureScenario, createVariantEndpoint } from '../../sandbox/local-stack/scenario-endpoint';
import { LOCAL_SLACK_HOOK } from '../../sandbox/local-stack/start-local-stack';
import type { TrafficHandle } from '../../sandbox/traffic';
import { scenarioFiles, usesStandardPolicy } from '../../shared/simulation/scenario-catalogue';
import { loadScenarioFile, type Scenario } from '../../shared/simulation/scenario-schema';
import { type E2eStack, ENDPOINT_DELAY_MS, MINUTE, startE2eStack } from './local-stack-fixture';

/**
 * Every scenario of the catalogue judged under the standard policy (the others need custom
 * metrics or a person at a manual gate, which this suite does not supply), end to end: the
 * control API starts a rollout per scenario (each on its own endpoint in one sandbox), the
 * sandbox plays the scenario's traffic and alarms minute by minute, and the bundled `canaryTick`
 * / `alarmRollback` / `slackNotifier` functions, hosted by serverless-offline, drive the
 * endpoints to the outcome the scenario expects.
 */

const FINAL = new Set(['Promoted', 'RolledBack', 'Aborted']);

interface Run {
  scenario: Scenario;
  endpointName: string;
  traffic?: TrafficHandle;
}

describe('the watchdog on serverless-offline against the sandbox', () => {
  let e2e: E2eStack;
  const runs: Run[] = [];
  const phases = new Map<string, string>();

  beforeAll(async () => {
    e2e = await startE2eStack();
    for (const file of scenarioFiles()) {
      const scenario = loadScenarioFile(file);
      if (!usesStandardPolicy(scenario)) continue;
      const endpointName = `e2e-${scenario.name}`;
      const target = { sandboxUrl: e2e.stack.sandbox.url, region: e2e.stack.region };
      await createVariantEndpoint({ ...target, endpointName, ...scenario.endpoint });
      await configureScenario({
        ...target,
        parameterPrefix: e2e.stack.provisioned.parameterPrefix,
        scenario,
        endpointName,
      });
      runs.push({ scenario, endpointName });
    }
    await e2e.clock.advance(ENDPOINT_DELAY_MS); // every endpoint InService
    for (const run of runs) {
      const started = await e2e.api.start({
        endpointName: run.endpointName,
        reason: `scenario ${run.scenario.name}`,
      });
      if (!started.ok)
        throw new Error(`start ${run.endpointName}: ${started.status} ${started.error} ${started.problems}`);
      run.traffic = e2e.stack.sandbox.playScenario({
        scenario: run.scenario,
        region: e2e.stack.region,
        endpointName: run.endpointName,
        stopAtEnd: false,
      });
    }
    const longest = Math.max(...runs.map((r) => r.scenario.durationMinutes));
    for (let minute = 0; minute < longest; minute++) {
      await e2e.clock.advance(MINUTE);
      const list = await e2e.api.list();
      if (!list.ok) throw new Error(`list: ${list.status} ${list.error}`);
      for (const item of [...list.body.active, ...list.body.recent])
        phases.set(item.endpointName, item.phase);
      if (runs.every((r) => FINAL.has(phases.get(r.endpointName) ?? ''))) break;
    }
    await e2e.stack.sandbox.sns.idle();
  }, 600_000);

  afterAll(async () => {
    await e2e?.stack.close();
  });

  it('brings every standard-policy scenario to the outcome it expects', () => {
    const outcomes = Object.fromEntries(runs.map((r) => [r.scenario.name, phases.get(r.endpointName)]));
    const expected = Object.fromEntries(runs.map((r) => [r.scenario.name, r.scenario.expect?.outcome]));
    expect(outcomes).toEqual(expected);
  });

  it('leaves each endpoint with the weights its outcome implies (or the promoted model alone once the baseline is retired)', async () => {
    const sagemaker = new SageMakerClient(sandboxClientConfig(e2e.stack.sandbox.url, e2e.stack.region));
    for (const run of runs) {
      const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: run.endpointName }));
      const canary = endpoint.ProductionVariants?.find(
        (v) => v.VariantName === run.scenario.endpoint.canaryVariant,
      );
      const total = (endpoint.ProductionVariants ?? []).reduce((sum, v) => sum + (v.CurrentWeight ?? 0), 0);
      const share = Math.round(((canary?.CurrentWeight ?? 0) / total) * 100);
      const outcome = run.scenario.expect?.outcome;
      // Once its hold-back is over the baseline is retired: the promoted model then runs alone,
      // as the baseline variant, on a config the watchdog named `...-promoted`.
      const retired = canary === undefined && /-promoted$/.test(endpoint.EndpointConfigName ?? '');
      if (outcome === 'Promoted')
        expect({ [run.endpointName]: retired ? 100 : share }).toEqual({ [run.endpointName]: 100 });
      if (outcome === 'RolledBack') expect({ [run.endpointName]: share }).toEqual({ [run.endpointName]: 0 });
    }
    sagemaker.destroy();
  });

  it('tells people by email and Slack, with the reason, for every rollback and promotion', async () => {
    const messages = e2e.stack.sandbox.slack.posts(LOCAL_SLACK_HOOK);
    const emails = await e2e.stack.sandbox.outbox.list();
    for (const run of runs.filter((r) => r.scenario.expect?.outcome !== 'Paused')) {
      const slackText = messages.map((m) => JSON.stringify(m)).filter((t) => t.includes(run.endpointName));
      expect(slackText.length, `Slack messages about ${run.endpointName}`).toBeGreaterThan(0);
    }
    expect(emails.length).toBeGreaterThan(runs.length);
  });
});
