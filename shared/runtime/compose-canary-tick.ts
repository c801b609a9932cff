import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CloudWatchAlarmStates } from '../aws/cloudwatch-alarms';
import { CloudWatchVerdictAlarms } from '../aws/cloudwatch-verdict-alarms';
import { SageMakerBlueGreenDeployments } from '../aws/sagemaker-blue-green-deployments';
import { CloudWatchMetrics, DEFAULT_METRIC_SETTLE_SECONDS } from '../aws/cloudwatch-metrics';
import { PolicySource } from '../aws/policy-source';
import type { AlarmDeps } from '../watchdog/handle-alarm-event';
import type { TickDeps } from '../watchdog/run-tick';
import { perRegion } from './client-cache';
import { clientCache, type RuntimeOptions, watchdogDeps } from './composition-root';
import { hookCaller } from './compose-hooks';
import type { WatchdogEnv } from './env';

/**
 * How long the tick and the alarm handler reuse a stored policy before asking SSM again.
 * Milliseconds. A tick visits every rollout each minute; a one-minute cache would ask SSM once
 * per rollout per tick (GetParameter allows about 40 per second by default).
 */
export const DEFAULT_RUNTIME_POLICY_TTL_MS = 5 * 60_000;

/** canary-tick: the watchdog's dependencies plus metrics and alarm states per region and the stored policies. */
export function canaryTickDeps(env: WatchdogEnv, options: RuntimeOptions = {}): TickDeps {
  const clients = clientCache(env, options);
  const settle = options.metricSettleSeconds ?? env.metricSettleSeconds ?? DEFAULT_METRIC_SETTLE_SECONDS;
  return {
    ...watchdogDeps(env, clients, options),
    hooks: hookCaller(env, clients, options),
    metrics: perRegion((region) => new CloudWatchMetrics(clients.get(CloudWatchClient, region), settle)),
    alarmStates: perRegion((region) => new CloudWatchAlarmStates(clients.get(CloudWatchClient, region))),
    blueGreen: perRegion((region) => new SageMakerBlueGreenDeployments(clients.get(SageMakerClient, region))),
    verdicts: perRegion((region) => new CloudWatchVerdictAlarms(clients.get(CloudWatchClient, region))),
    policies: new PolicySource(clients.get(SSMClient), env.parameterPrefix, {
      ttlMs: options.policyTtlMs ?? env.policyTtlMs ?? DEFAULT_RUNTIME_POLICY_TTL_MS,
    }),
  };
}

/**
 * The tick's and the alarm handler's dependencies over one client cache, for tests, benchmarks and
 * tools that play both functions in one process.
 */
export function createWatchdogRuntime(env: WatchdogEnv, options: RuntimeOptions = {}): TickDeps & AlarmDeps {
  const deps: TickDeps & AlarmDeps = canaryTickDeps(env, options);
  const wait = options.alarmApplyWaitMs ?? env.alarmApplyWaitMs;
  if (wait !== undefined) deps.applyWaitMs = wait;
  return deps;
}
