/**
 * The watchdog's verdict on a blue/green deployment, as CloudWatch carries it to SageMaker:
 * SageMaker offers no call to cancel an update in flight, but it rolls back when an alarm of its
 * AutoRollbackConfiguration enters ALARM. The watchdog puts one alarm of its own per endpoint on a
 * metric it publishes each tick (1: its judgement failed, 0: passing) and names it there.
 */

/** CloudWatch namespace of the verdict metric (the IAM condition on PutMetricData names it). */
export const VERDICT_NAMESPACE = 'RolloutWatchdog';

/** Metric name of the verdict: 1 = the watchdog's judgement of the new fleet failed, 0 = passing. */
export const VERDICT_METRIC_NAME = 'Verdict';

/** The verdict alarm's period: standard resolution, one datapoint per tick. Seconds. */
export const VERDICT_ALARM_PERIOD_SECONDS = 60;

/** Longest CloudWatch alarm name. Characters. */
const MAX_ALARM_NAME_LENGTH = 255;

/** The watchdog's verdict alarm of one endpoint: `rollout-watchdog-verdict-<endpoint>`. */
export function verdictAlarmName(endpointName: string): string {
  return `rollout-watchdog-verdict-${endpointName}`.slice(0, MAX_ALARM_NAME_LENGTH);
}

/** The verdict's metric value: 1 when failing (SageMaker rolls back), 0 when passing. */
export function verdictValue(verdict: 'passing' | 'failing'): 0 | 1 {
  return verdict === 'failing' ? 1 : 0;
}
