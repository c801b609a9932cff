import { readFileSync } from 'node:fs';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Scenario } from '../../shared/simulation/scenario-schema';
import { wireScenarioHooks } from './scenario-hooks';
import { sandboxClientConfig } from './sandbox-clients';

export interface SandboxTarget {
  sandboxUrl: string;
  region: string;
}

export interface VariantEndpointOptions extends SandboxTarget {
  endpointName: string;
  baselineVariant: string;
  canaryVariant: string;
}

export interface ScenarioSetupOptions extends SandboxTarget {
  /** SSM prefix of the stage, `/rollout-watchdog/<stage>`. */
  parameterPrefix: string;
  /** A scenario loaded from its file (its `policyPath` is known). */
  scenario: Scenario;
  /** The sandbox endpoint that plays the scenario (several scenarios can share one sandbox). */
  endpointName: string;
  /** The policy text; default: the file the scenario names. */
  policyText?: string;
  /** Store the policy in SSM (default true); false creates the alarms only. */
  storePolicy?: boolean;
}

export interface ScenarioSetup {
  endpointName: string;
  /** The scenario's policy, renamed for this endpoint, as stored in SSM. */
  policyText: string;
  /** Scenario alarm name → the alarm created for this endpoint. */
  alarmNames: Readonly<Record<string, string>>;
}

const clientConfig = (target: SandboxTarget) => sandboxClientConfig(target.sandboxUrl, target.region);

/**
 * Creates what a team has before it asks for a canary rollout: a SageMaker endpoint whose
 * baseline variant takes all traffic and whose canary variant takes none (model, endpoint config,
 * endpoint). The endpoint is `Creating` when this returns.
 */
export async function createVariantEndpoint(options: VariantEndpointOptions): Promise<void> {
  const { endpointName } = options;
  const sagemaker = new SageMakerClient(clientConfig(options));
  try {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: `${endpointName}-model`,
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sagemaker-execution',
        PrimaryContainer: { Image: '000000000000.dkr.ecr.us-east-1.amazonaws.com/model:latest' },
      }),
    );
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${endpointName}-config`,
        ProductionVariants: [options.baselineVariant, options.canaryVariant].map((VariantName, i) => ({
          VariantName,
          ModelName: `${endpointName}-model`,
          InitialInstanceCount: 1,
          InstanceType: 'ml.m5.large',
          InitialVariantWeight: i === 0 ? 1 : 0,
        })),
      }),
    );
    await sagemaker.send(
      new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: `${endpointName}-config` }),
    );
  } finally {
    sagemaker.destroy();
  }
}

export interface BaselineEndpointOptions extends SandboxTarget {
  endpointName: string;
  baselineVariant: string;
  /** Models to register; the first one is the baseline the endpoint serves. */
  models: string[];
  /** Default ml.m5.xlarge. */
  instanceType?: string;
  /** Default 2. */
  instanceCount?: number;
}

/**
 * Creates what a team has before its first rollout from a model name: an endpoint serving one
 * model alone as its baseline variant, and the team's later model versions registered
 * (CreateModel) but not deployed. The endpoint is `Creating` when this returns; its config is
 * `<endpoint>-initial`.
 */
export async function createBaselineEndpoint(options: BaselineEndpointOptions): Promise<void> {
  const { endpointName, models } = options;
  if (models.length === 0) throw new Error('createBaselineEndpoint needs at least the baseline model');
  const sagemaker = new SageMakerClient(clientConfig(options));
  try {
    for (const model of models) {
      await sagemaker.send(
        new CreateModelCommand({
          ModelName: model,
          ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sagemaker-execution',
          PrimaryContainer: { Image: `000000000000.dkr.ecr.${options.region}.amazonaws.com/${model}:latest` },
        }),
      );
    }
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${endpointName}-initial`,
        ProductionVariants: [
          {
            VariantName: options.baselineVariant,
            ModelName: models[0],
            InstanceType: (options.instanceType ?? 'ml.m5.xlarge') as 'ml.m5.xlarge',
            InitialInstanceCount: options.instanceCount ?? 2,
            InitialVariantWeight: 1,
          },
        ],
      }),
    );
    await sagemaker.send(
      new CreateEndpointCommand({
        EndpointName: endpointName,
        EndpointConfigName: `${endpointName}-initial`,
      }),
    );
  } finally {
    sagemaker.destroy();
  }
}

/**
 * Prepares an endpoint for a scenario's rollout: the CloudWatch alarms the scenario defines on
 * it, and the scenario's policy stored in SSM. Names are made unique per endpoint (alarm
 * `demo-canary-5xx` becomes `<endpoint>-demo-canary-5xx`) so many scenarios can run side by side.
 */
export async function configureScenario(options: ScenarioSetupOptions): Promise<ScenarioSetup> {
  const { scenario, endpointName, region } = options;
  const alarmNames = Object.fromEntries(scenario.alarms.map((a) => [a.name, `${endpointName}-${a.name}`]));
  // The policy's hooks answer from the sandbox's receivers, scripted by the scenario's `hooks`.
  const policyText = await wireScenarioHooks(
    renamePolicy(
      options.policyText ?? readFileSync(scenario.policyPath ?? scenario.policy, 'utf8'),
      endpointName,
      region,
      alarmNames,
    ),
    { sandboxUrl: options.sandboxUrl, endpointName, scenario },
  );
  const cloudwatch = new CloudWatchClient(clientConfig(options));
  const ssm = new SSMClient(clientConfig(options));
  try {
    for (const alarm of scenario.alarms) {
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: alarmNames[alarm.name],
          Namespace: 'AWS/SageMaker',
          MetricName: alarm.metric,
          Dimensions: [
            { Name: 'EndpointName', Value: endpointName },
            { Name: 'VariantName', Value: alarm.variant },
          ],
          ...(/^p\d/.test(alarm.statistic)
            ? { ExtendedStatistic: alarm.statistic }
            : { Statistic: alarm.statistic as 'Sum' }),
          Period: 60,
          EvaluationPeriods: alarm.evaluationPeriods,
          Threshold: alarm.threshold,
          ...(alarm.datapointsToAlarm !== undefined ? { DatapointsToAlarm: alarm.datapointsToAlarm } : {}),
          ComparisonOperator: alarm.comparisonOperator,
          TreatMissingData: alarm.treatMissingData ?? 'missing',
        }),
      );
    }
    // A start refuses a policy naming an alarm that does not exist (and SageMaker a blue/green
    // deployment rolling back on one). Where the scenario defines no
    // alarm the policy names (a latency scenario under the standard policy), that alarm exists
    // anyway, quiet: missing data does not breach, so it never fires in the scenario.
    const defined = new Set(Object.values(alarmNames));
    for (const alarmName of policyAlarmNames(policyText)) {
      if (defined.has(alarmName)) continue;
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: alarmName,
          Namespace: 'AWS/SageMaker',
          MetricName: 'Invocation5XXErrors',
          Dimensions: [
            { Name: 'EndpointName', Value: endpointName },
            { Name: 'VariantName', Value: scenario.endpoint.canaryVariant },
          ],
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1e9,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
        }),
      );
    }
    if (options.storePolicy !== false) {
      await ssm.send(
        new PutParameterCommand({
          Name: `${options.parameterPrefix}/policies/${endpointName}`,
          Value: policyText,
          Type: 'String',
          Overwrite: true,
        }),
      );
    }
  } finally {
    cloudwatch.destroy();
    ssm.destroy();
  }
  return { endpointName, policyText, alarmNames };
}

/** The alarms a (renamed) policy's `rollback.onAlarms` and blue/green `alarms` name. */
function policyAlarmNames(text: string): string[] {
  const policy = parseYaml(text) as PolicyAlarms;
  return [
    ...(policy.rollback?.onAlarms ?? []).map((entry) => entry.alarmName),
    ...(policy.strategy?.blueGreen?.alarms ?? []),
  ];
}

/** Where a policy names CloudWatch alarms. */
interface PolicyAlarms {
  rollback?: { onAlarms?: Array<{ alarmName: string }> };
  /** The alarms SageMaker rolls a blue/green deployment back on. */
  strategy?: { blueGreen?: { alarms?: string[] } };
}

/** The scenario's policy with this endpoint's name, region and alarm names. */
function renamePolicy(
  text: string,
  endpointName: string,
  region: string,
  alarmNames: Readonly<Record<string, string>>,
): string {
  const policy = parseYaml(text) as PolicyAlarms & { endpoint: { name: string; region: string } };
  policy.endpoint.name = endpointName;
  policy.endpoint.region = region;
  const renamed = (alarmName: string) => alarmNames[alarmName] ?? `${endpointName}-${alarmName}`;
  for (const entry of policy.rollback?.onAlarms ?? []) entry.alarmName = renamed(entry.alarmName);
  const blueGreen = policy.strategy?.blueGreen;
  if (blueGreen?.alarms) blueGreen.alarms = blueGreen.alarms.map(renamed);
  return stringifyYaml(policy);
}
