import {
  type CloudWatchClient,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  VERDICT_ALARM_PERIOD_SECONDS,
  VERDICT_METRIC_NAME,
  VERDICT_NAMESPACE,
  verdictAlarmName,
  verdictValue,
} from '../domain/blue-green-verdict';
import type { VerdictAlarms } from '../ports/blue-green-deployments';

/** PutMetricData's limit of datums per call (AWS). Datums. */
export const MAX_VERDICTS_PER_CALL = 1000;

/**
 * The watchdog's verdict alarms and metric in one region. The alarm: Maximum of
 * `RolloutWatchdog/Verdict` (dimension EndpointName) ≥ 1 over one 60 s period, missing data not
 * breaching (a watchdog that publishes nothing never rolls a deployment back by its silence).
 */
export class CloudWatchVerdictAlarms implements VerdictAlarms {
  constructor(private readonly client: CloudWatchClient) {}

  async ensureAlarm(endpointName: string): Promise<string> {
    const name = verdictAlarmName(endpointName);
    await this.client.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        AlarmDescription: `rollout-watchdog: the watchdog's judgement of ${endpointName}'s blue/green deployment failed; SageMaker rolls back on it (AutoRollbackConfiguration).`,
        Namespace: VERDICT_NAMESPACE,
        MetricName: VERDICT_METRIC_NAME,
        Dimensions: [{ Name: 'EndpointName', Value: endpointName }],
        Statistic: 'Maximum',
        Period: VERDICT_ALARM_PERIOD_SECONDS,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        ActionsEnabled: false,
      }),
    );
    return name;
  }

  async publish(
    verdicts: ReadonlyArray<{ endpointName: string; failing: boolean }>,
    at: number,
  ): Promise<void> {
    for (let i = 0; i < verdicts.length; i += MAX_VERDICTS_PER_CALL) {
      await this.client.send(
        new PutMetricDataCommand({
          Namespace: VERDICT_NAMESPACE,
          MetricData: verdicts.slice(i, i + MAX_VERDICTS_PER_CALL).map((v) => ({
            MetricName: VERDICT_METRIC_NAME,
            Dimensions: [{ Name: 'EndpointName', Value: v.endpointName }],
            Timestamp: new Date(at),
            Value: verdictValue(v.failing ? 'failing' : 'passing'),
            Unit: 'None',
          })),
        }),
      );
    }
  }
}
