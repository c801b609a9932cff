import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { createBaselineEndpoint } from '../../../../sandbox/local-stack/scenario-endpoint';
import type { RolloutNotification } from '../../../../shared/notify/notification';
import { parseScenario, type Scenario } from '../../../../shared/simulation/scenario-schema';
import { httpEvent } from '../control-api/control-api-fixture';
import {
  ENDPOINT_DELAY_MS,
  type Harness,
  lambdaContext,
  MINUTE,
  REGION,
  scheduledEvent,
  startHarness,
} from '../tick/watchdog-harness';

/**
 * A blue/green suite on the real handlers (canaryTick, controlApi) against an in-process sandbox:
 * endpoints serving an old model as `primary`, the new model's behaviour played as the scenario's
 * canary (the green fleet), and every SageMaker operation the watchdog calls counted.
 */

export const ALICE = 'arn:aws:iam::123456789012:user/alice';
/** A JSON body of the control API, read field by field by the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are read field by field in the tests
export type Body = any;
type Handler = (event: unknown, context: unknown) => Promise<unknown>;

export interface BlueGreenSuite {
  h: Harness;
  /** SageMaker operations called so far, by name (every client, the suite's own included). */
  operations: Map<string, number>;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Body }>;
  /** One tick a minute later on the simulated clock. */
  tick(): Promise<void>;
  /** Ticks until `done` holds (at most `max` ticks). */
  tickUntil(done: () => Promise<boolean>, max?: number): Promise<void>;
  status(endpointName: string): Promise<Body>;
  messages(endpointName: string): RolloutNotification[];
  endpointStatus(endpointName: string): Promise<{ status: string; config: string; failureReason?: string }>;
}

export async function startBlueGreenSuite(suite: string): Promise<BlueGreenSuite> {
  const h = await startHarness(suite);
  h.applyEnv({ CONTROL_API_CLOCK_HEADER: 'true' });
  const tickHandler = (await import('../../../../handlers/canary-tick')).handler as Handler;
  const controlHandler = (await import('../../../../handlers/control-api')).handler as Handler;
  const operations = new Map<string, number>();
  const faults = h.sandbox.faults;
  const beforeCall = faults.beforeCall.bind(faults);
  faults.beforeCall = (call) => {
    operations.set(call.operation, (operations.get(call.operation) ?? 0) + 1);
    return beforeCall(call);
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = (await controlHandler(
      httpEvent(method, path, { now: h.clock.now(), userArn: ALICE, ...(body ? { body } : {}) }),
      lambdaContext('controlApi'),
    )) as { statusCode: number; body: string };
    return { status: response.statusCode, body: JSON.parse(response.body) as Body };
  };
  const tick = async () => {
    await h.clock.advance(MINUTE);
    await tickHandler(scheduledEvent(h), lambdaContext('canaryTick'));
  };
  return {
    h,
    operations,
    call,
    tick,
    async tickUntil(done, max = 20) {
      for (let i = 0; i < max; i++) {
        if (await done()) return;
        await tick();
      }
      if (!(await done())) throw new Error(`not reached after ${max} ticks`);
    },
    status: async (endpointName) => (await call('GET', `/rollouts/${endpointName}`)).body,
    messages: (endpointName) => h.notifications.filter((n) => n.endpointName === endpointName),
    async endpointStatus(endpointName) {
      const out = await h.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
      return {
        status: out.EndpointStatus ?? '',
        config: out.EndpointConfigName ?? '',
        ...(out.FailureReason ? { failureReason: out.FailureReason } : {}),
      };
    },
  };
}

/** A policy of SageMaker's canary routing (20 % for 3m), a 3m bake, the team's 5XX alarm, and the standard analysis. */
export function blueGreenPolicy(endpointName: string, alarm = `${endpointName}-5xx`, extra = ''): string {
  return `apiVersion: rollout-watchdog/v1
endpoint: { name: ${endpointName}, region: ${REGION}, baselineVariant: primary, canaryVariant: canary }
strategy:
  blueGreen:
    trafficRouting: { type: canary, size: { capacityPercent: 20 }, waitInterval: 3m }
    bake: 3m
${alarm ? `    alarms: [${alarm}]\n` : ''}analysis:
  interval: 1m
  window: 3m
  minCanaryInvocations: 100
  metrics:
    - { name: error-rate, type: errorRate, threshold: 0.05, maxIncrease: 0.01, failureLimit: 2 }
    - { name: p99-latency, type: latency, statistic: p99, thresholdMs: 2000, maxIncreasePct: 30, failureLimit: 2 }
${extra}`;
}

/**
 * The endpoint `endpointName` serving `<endpointName>-v1` as `primary` on 2 instances, the model
 * `<endpointName>-v2` ready, the team's alarm on the variant's 5XX (both fleets together), and the
 * scenario's traffic playing: the old model healthy, the new one as `green` says.
 */
export async function blueGreenEndpoint(
  h: Harness,
  endpointName: string,
  green: { errorRate5xx?: number; p99?: number; p50?: number } = {},
): Promise<void> {
  await createBaselineEndpoint({
    sandboxUrl: h.sandbox.url,
    region: REGION,
    endpointName,
    baselineVariant: 'primary',
    models: [`${endpointName}-v1`, `${endpointName}-v2`],
  });
  await h.cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: `${endpointName}-5xx`,
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Dimensions: [
        { Name: 'EndpointName', Value: endpointName },
        { Name: 'VariantName', Value: 'primary' },
      ],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 60,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    }),
  );
  await h.clock.advance(ENDPOINT_DELAY_MS);
  h.sandbox.playScenario({
    scenario: scenario(endpointName, green),
    region: REGION,
    endpointName,
    stopAtEnd: false,
  });
}

function scenario(
  endpointName: string,
  green: { errorRate5xx?: number; p99?: number; p50?: number },
): Scenario {
  const parsed = parseScenario({
    name: `bg-${endpointName}`,
    seed: 11,
    durationMinutes: 120,
    endpoint: { name: endpointName, baselineVariant: 'primary', canaryVariant: 'canary' },
    traffic: [{ fromMinute: 0, requestsPerMinute: 2000 }],
    variants: {
      primary: [{ fromMinute: 0, errorRate5xx: 0.002, errorRate4xx: 0.01, latencyMs: { p50: 40, p99: 180 } }],
      canary: [
        {
          fromMinute: 0,
          errorRate5xx: green.errorRate5xx ?? 0.002,
          errorRate4xx: 0.01,
          latencyMs: { p50: green.p50 ?? 40, p99: green.p99 ?? 180 },
        },
      ],
    },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.scenario;
}

export { MINUTE };
