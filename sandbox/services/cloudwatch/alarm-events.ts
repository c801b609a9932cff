/**
 * The shapes CloudWatch sends when an alarm changes state: the EventBridge
 * `CloudWatch Alarm State Change` event and the JSON message published to the alarm's SNS
 * actions. Both follow the examples in the CloudWatch user guide field for field, because the
 * watchdog's handlers parse them.
 */
import { randomUUID } from 'node:crypto';
import type { AlarmStateValue } from '../../../shared/domain/types';
import { type BusEvent, eventTime } from '../../event-bus';
import { MAX_SUBJECT_LENGTH } from '../sns/sns-emulation';

/** A metric alarm as the sandbox stores it (times epoch ms). */
export interface StoredAlarm {
  region: string;
  accountId: string;
  alarmName: string;
  alarmArn: string;
  /** Stable id of the alarm's single metric in `configuration.metrics` (AWS uses a UUID). */
  metricId: string;
  description?: string;
  actionsEnabled: boolean;
  okActions: string[];
  alarmActions: string[];
  insufficientDataActions: string[];
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Exactly one of `statistic` and `extendedStatistic`. */
  statistic?: string;
  extendedStatistic?: string;
  periodSeconds: number;
  unit?: string;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold: number;
  comparisonOperator: string;
  treatMissingData?: string;
  evaluateLowSampleCountPercentile?: string;
  configurationUpdatedAt: number;
  state: AlarmState;
  /** When the state value last changed (not just its reason). */
  stateTransitionedAt: number;
}

export interface AlarmState {
  value: AlarmStateValue;
  reason: string;
  /** JSON string, as AWS carries it; absent for states set without data. */
  reasonData?: string;
  /** Epoch ms. */
  timestamp: number;
}

/** `2026-01-01T00:01:00.000+0000`: the timestamp form inside alarm events and messages. */
export function cloudWatchTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+0000');
}

/** The statistic an alarm evaluates (`Sum`, `p99`, ...). */
export const alarmStat = (alarm: StoredAlarm): string => alarm.statistic ?? alarm.extendedStatistic ?? '';

function stateDetail(state: AlarmState) {
  return {
    value: state.value,
    reason: state.reason,
    ...(state.reasonData === undefined ? {} : { reasonData: state.reasonData }),
    timestamp: cloudWatchTime(state.timestamp),
  };
}

/** The alarm's `configuration` block as state-change events carry it. */
export function eventConfiguration(alarm: StoredAlarm) {
  return {
    ...(alarm.description === undefined ? {} : { description: alarm.description }),
    metrics: [
      {
        id: alarm.metricId,
        metricStat: {
          metric: { namespace: alarm.namespace, name: alarm.metricName, dimensions: { ...alarm.dimensions } },
          period: alarm.periodSeconds,
          stat: alarmStat(alarm),
          ...(alarm.unit === undefined ? {} : { unit: alarm.unit }),
        },
        returnData: true,
      },
    ],
  };
}

/** The EventBridge event for a transition from `previous` to the alarm's current state. */
export function alarmStateChangeEvent(alarm: StoredAlarm, previous: AlarmState): BusEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: alarm.accountId,
    time: eventTime(alarm.state.timestamp),
    region: alarm.region,
    resources: [alarm.alarmArn],
    detail: {
      alarmName: alarm.alarmName,
      state: stateDetail(alarm.state),
      previousState: stateDetail(previous),
      configuration: eventConfiguration(alarm),
    },
  };
}

export type ConfigurationOperation = 'create' | 'update' | 'delete';

/**
 * The `CloudWatch Alarm Configuration Change` event AWS also puts on the bus when an alarm is
 * created, updated or deleted (same source, other detail-type: rules must filter on it).
 */
export function alarmConfigurationChangeEvent(
  alarm: StoredAlarm,
  operation: ConfigurationOperation,
  at: number,
): BusEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CloudWatch Alarm Configuration Change',
    source: 'aws.cloudwatch',
    account: alarm.accountId,
    time: eventTime(at),
    region: alarm.region,
    resources: [alarm.alarmArn],
    detail: {
      alarmName: alarm.alarmName,
      operation,
      state: { value: alarm.state.value, timestamp: cloudWatchTime(alarm.state.timestamp) },
      configuration: {
        ...eventConfiguration(alarm),
        actionsEnabled: alarm.actionsEnabled,
        alarmActions: [...alarm.alarmActions],
        okActions: [...alarm.okActions],
        insufficientDataActions: [...alarm.insufficientDataActions],
        comparisonOperator: alarm.comparisonOperator,
        threshold: alarm.threshold,
        evaluationPeriods: alarm.evaluationPeriods,
        ...(alarm.datapointsToAlarm === undefined ? {} : { datapointsToAlarm: alarm.datapointsToAlarm }),
        treatMissingData: alarm.treatMissingData ?? 'missing',
      },
    },
  };
}

/** Region display names as alarm notifications write them. */
const REGION_NAMES: Readonly<Record<string, string>> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'ca-central-1': 'Canada (Central)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-north-1': 'EU (Stockholm)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'sa-east-1': 'South America (Sao Paulo)',
};

export const regionDisplayName = (region: string): string => REGION_NAMES[region] ?? region;

const SIMPLE_STAT_NAMES: Readonly<Record<string, string>> = {
  SampleCount: 'SAMPLE_COUNT',
  Average: 'AVERAGE',
  Sum: 'SUM',
  Minimum: 'MINIMUM',
  Maximum: 'MAXIMUM',
};

/** Subject and JSON message CloudWatch publishes to an alarm action topic. */
export function alarmNotification(
  alarm: StoredAlarm,
  previous: AlarmState,
): { subject: string; message: string } {
  const regionName = regionDisplayName(alarm.region);
  const subject = `${alarm.state.value}: "${alarm.alarmName}" in ${regionName}`.slice(0, MAX_SUBJECT_LENGTH);
  const trigger = {
    MetricName: alarm.metricName,
    Namespace: alarm.namespace,
    StatisticType: alarm.statistic === undefined ? 'ExtendedStatistic' : 'Statistic',
    ...(alarm.statistic === undefined
      ? { ExtendedStatistic: alarm.extendedStatistic }
      : { Statistic: SIMPLE_STAT_NAMES[alarm.statistic] ?? alarm.statistic }),
    Unit: alarm.unit ?? null,
    Dimensions: Object.entries(alarm.dimensions).map(([name, value]) => ({ value, name })),
    Period: alarm.periodSeconds,
    EvaluationPeriods: alarm.evaluationPeriods,
    ...(alarm.datapointsToAlarm === undefined ? {} : { DatapointsToAlarm: alarm.datapointsToAlarm }),
    ComparisonOperator: alarm.comparisonOperator,
    Threshold: alarm.threshold,
    TreatMissingData: alarm.treatMissingData ?? 'missing',
    EvaluateLowSampleCountPercentile: alarm.evaluateLowSampleCountPercentile ?? '',
  };
  const message = {
    AlarmName: alarm.alarmName,
    AlarmDescription: alarm.description ?? null,
    AWSAccountId: alarm.accountId,
    AlarmConfigurationUpdatedTimestamp: cloudWatchTime(alarm.configurationUpdatedAt),
    NewStateValue: alarm.state.value,
    NewStateReason: alarm.state.reason,
    StateChangeTime: cloudWatchTime(alarm.state.timestamp),
    Region: regionName,
    AlarmArn: alarm.alarmArn,
    OldStateValue: previous.value,
    OKActions: [...alarm.okActions],
    AlarmActions: [...alarm.alarmActions],
    InsufficientDataActions: [...alarm.insufficientDataActions],
    Trigger: trigger,
  };
  return { subject, message: JSON.stringify(message) };
}
