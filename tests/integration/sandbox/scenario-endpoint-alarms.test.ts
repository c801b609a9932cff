import { readFileSync } from 'node:fs';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configureScenario } from '../../../sandbox/local-stack/scenario-endpoint';
import { parseScenario, type Scenario } from '../../../shared/simulation/scenario-schema';
import { startTestSandbox, type TestSandbox } from './sandbox-fixture';

const REGION = 'us-east-2';

function healthyScenario(): Scenario {
  const healthy = { fromMinute: 0, errorRate5xx: 0, errorRate4xx: 0, latencyMs: { p50: 40, p99: 120 } };
  const parsed = parseScenario({
    name: 'scenario-endpoint-suite',
    seed: 1,
    durationMinutes: 10,
    endpoint: { name: 'demo-endpoint', baselineVariant: 'primary', canaryVariant: 'canary' },
    traffic: [{ fromMinute: 0, requestsPerMinute: 100 }],
    variants: { primary: [healthy], canary: [healthy] },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.scenario;
}

describe('preparing a sandbox endpoint for a blue/green scenario', () => {
  let t: TestSandbox;
  let cw: CloudWatchClient;

  beforeAll(async () => {
    t = await startTestSandbox();
    cw = new CloudWatchClient(t.client(REGION));
  });

  afterAll(async () => {
    cw.destroy();
    await t.stop();
  });

  it('renames the alarms SageMaker rolls back on for the endpoint, and makes sure they exist', async () => {
    const setup = await configureScenario({
      sandboxUrl: t.sandbox.url,
      region: REGION,
      parameterPrefix: '/rollout-watchdog/scenario-endpoint-suite',
      scenario: healthyScenario(),
      endpointName: 'se-suite-bg',
      policyText: readFileSync('scenarios/policies/blue-green.yaml', 'utf8'),
      storePolicy: false,
    });
    const policy = parseYaml(setup.policyText) as { strategy: { blueGreen: { alarms: string[] } } };
    expect(policy.strategy.blueGreen.alarms).toEqual(['se-suite-bg-demo-primary-5xx']);
    const alarms = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['se-suite-bg-demo-primary-5xx'] }));
    expect(alarms.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['se-suite-bg-demo-primary-5xx']);
  });
});
