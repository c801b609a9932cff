/**
 * Metric alarms: PutMetricAlarm, DescribeAlarms, SetAlarmState, DeleteAlarms, and evaluation as
 * periods close on the sandbox clock. Evaluation reads the metric store and decides with the
 * shared `evaluateAlarm` (the same rules the scenario simulator uses); every state change puts a
 * `CloudWatch Alarm State Change` event on the bus and, when actions are enabled, publishes to
 * the state's SNS actions.
 */
import { randomUUID } from 'node:crypto';
import type { AlarmStateValue } from '../../../shared/domain/types';
import {
  type AlarmDatapoint,
  type ComparisonOperator,
  evaluateAlarm,
  type TreatMissingData,
} from '../../../shared/simulation/evaluate-alarm';
import { AwsError } from '../../aws-error';
import type { EventBus } from '../../event-bus';
import type { RequestContext } from '../../service';
import {
  type AlarmState,
  alarmConfigurationChangeEvent,
  alarmNotification,
  alarmStat,
  alarmStateChangeEvent,
  type StoredAlarm,
} from './alarm-events';
import { runQuery } from './get-metric-data';
import {
  type Input,
  invalidValue,
  missing,
  optionalBoolean,
  optionalList,
  optionalNumber,
  optionalString,
  optionalStringList,
  optionalUnit,
  parseDimensions,
  requiredNumber,
  requiredString,
  validation,
} from './input';
import type { MetricStore } from './metric-store';
import { parseStatistic } from './statistic';

/** Publishes one message to an SNS topic of the sandbox (CORE's SNS emulation provides it). */
export type PublishToSns = (
  region: string,
  topicArn: string,
  message: { subject: string; message: string },
) => void | Promise<void>;

/** Most alarm names one DescribeAlarms or DeleteAlarms call may carry (AWS limit). */
export const MAX_ALARM_NAMES = 100;
/** DescribeAlarms page size when the request names no `MaxRecords` (AWS default). */
export const DEFAULT_DESCRIBE_MAX_RECORDS = 50;
/** Most actions per state (AWS limit). */
export const MAX_ACTIONS_PER_STATE = 5;
/** Longest alarm name, in characters (AWS limit). */
export const MAX_ALARM_NAME_LENGTH = 255;

const COMPARISON_OPERATORS: readonly ComparisonOperator[] = [
  'GreaterThanThreshold',
  'GreaterThanOrEqualToThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
];
const TREATMENTS: readonly TreatMissingData[] = ['missing', 'notBreaching', 'breaching', 'ignore'];
const STATE_VALUES: readonly AlarmStateValue[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

export interface AlarmsOptions {
  store: MetricStore;
  bus: EventBus;
  publishToSns?: PublishToSns;
  /** Reports a failed SNS publish (alarm actions never fail the evaluation). Default: `console.error`. */
  onActionError?: (error: unknown, alarm: StoredAlarm, topicArn: string) => void;
}

export interface Alarms {
  putMetricAlarm(input: Input, ctx: RequestContext): Promise<Record<string, never>>;
  describeAlarms(input: Input, ctx: RequestContext): Record<string, unknown>;
  setAlarmState(input: Input, ctx: RequestContext): Promise<Record<string, never>>;
  deleteAlarms(input: Input, ctx: RequestContext): Promise<Record<string, never>>;
  /** Evaluates every alarm of every region at simulated time `now` (epoch ms, normally a period end). */
  evaluate(now: number): Promise<void>;
  /** The stored alarm, for tests and the sandbox's state dump. */
  get(region: string, alarmName: string): StoredAlarm | undefined;
  list(region: string): StoredAlarm[];
}

/** Creates the alarm registry over `store`; state changes go to `bus` and, via `publishToSns`, to actions. */
export function createAlarms(opts: AlarmsOptions): Alarms {
  const regions = new Map<string, Map<string, StoredAlarm>>();
  const onActionError =
    opts.onActionError ??
    ((error: unknown, alarm: StoredAlarm, topicArn: string) =>
      console.error(`sandbox cloudwatch: alarm ${alarm.alarmName} could not publish to ${topicArn}`, error));

  const alarmsOf = (region: string): Map<string, StoredAlarm> => {
    let map = regions.get(region);
    if (!map) {
      map = new Map();
      regions.set(region, map);
    }
    return map;
  };

  /** Records a transition, emits the event, runs the actions. Same value: only the reason is updated. */
  async function transition(alarm: StoredAlarm, next: AlarmState): Promise<void> {
    const previous = alarm.state;
    alarm.state = next;
    if (previous.value === next.value) return;
    alarm.stateTransitionedAt = next.timestamp;
    await opts.bus.publish(alarmStateChangeEvent(alarm, previous));
    if (!alarm.actionsEnabled || !opts.publishToSns) return;
    const actions =
      next.value === 'ALARM'
        ? alarm.alarmActions
        : next.value === 'OK'
          ? alarm.okActions
          : alarm.insufficientDataActions;
    const notification = alarmNotification(alarm, previous);
    for (const arn of actions) {
      // Only SNS actions can be carried out in the sandbox; others (Auto Scaling, EC2) are ignored.
      if (!arn.startsWith('arn:aws:sns:')) continue;
      try {
        await opts.publishToSns(alarm.region, arn, notification);
      } catch (error) {
        onActionError(error, alarm, arn);
      }
    }
  }

  function evaluateOne(alarm: StoredAlarm, now: number): Promise<void> {
    const stat = parseStatistic(alarmStat(alarm));
    if (!stat) return Promise.resolve();
    const periodMs = alarm.periodSeconds * 1000;
    // The evaluation range: the last N whole periods that ended at or before `now`.
    const end = Math.floor(now / 60_000) * 60_000;
    const start = end - alarm.evaluationPeriods * periodMs;
    const points = runQuery(
      opts.store,
      alarm.region,
      {
        id: 'm',
        label: alarm.metricName,
        metric: { namespace: alarm.namespace, metricName: alarm.metricName, dimensions: alarm.dimensions },
        periodSeconds: alarm.periodSeconds,
        stat,
        ...(alarm.unit === undefined ? {} : { unit: alarm.unit }),
        returnData: true,
      },
      start,
      end,
    );
    const byTime = new Map(points.map((p) => [p.timestamp, p.value]));
    const range: AlarmDatapoint[] = [];
    for (let t = start; t < end; t += periodMs) range.push({ timestamp: t, value: byTime.get(t) ?? null });
    const result = evaluateAlarm(
      {
        threshold: alarm.threshold,
        comparisonOperator: alarm.comparisonOperator as ComparisonOperator,
        evaluationPeriods: alarm.evaluationPeriods,
        ...(alarm.datapointsToAlarm === undefined ? {} : { datapointsToAlarm: alarm.datapointsToAlarm }),
        ...(alarm.treatMissingData === undefined
          ? {}
          : { treatMissingData: alarm.treatMissingData as TreatMissingData }),
        statistic: alarmStat(alarm),
        period: alarm.periodSeconds,
      },
      range,
      { currentState: alarm.state.value, now },
    );
    if (!result.changed) return Promise.resolve();
    return transition(alarm, {
      value: result.state,
      reason: result.reason,
      reasonData: JSON.stringify(result.reasonData),
      timestamp: now,
    });
  }

  return {
    async putMetricAlarm(input, ctx) {
      const parsed = parsePutMetricAlarm(input);
      const alarms = alarmsOf(ctx.region);
      const now = ctx.now();
      const existing = alarms.get(parsed.alarmName);
      const alarm: StoredAlarm = {
        ...parsed,
        region: ctx.region,
        accountId: ctx.accountId,
        alarmArn: `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${parsed.alarmName}`,
        metricId: existing?.metricId ?? randomUUID(),
        configurationUpdatedAt: now,
        // An update keeps the state; a new alarm starts unchecked, as on AWS.
        state: existing?.state ?? {
          value: 'INSUFFICIENT_DATA',
          reason: 'Unchecked: Initial alarm creation',
          timestamp: now,
        },
        stateTransitionedAt: existing?.stateTransitionedAt ?? now,
      };
      alarms.set(alarm.alarmName, alarm);
      await opts.bus.publish(alarmConfigurationChangeEvent(alarm, existing ? 'update' : 'create', now));
      return {};
    },

    describeAlarms(input, ctx) {
      const names = optionalStringList(input, 'AlarmNames');
      const prefix = optionalString(input, 'AlarmNamePrefix');
      const stateValue = optionalString(input, 'StateValue');
      const actionPrefix = optionalString(input, 'ActionPrefix');
      const types = optionalStringList(input, 'AlarmTypes');
      const maxRecords = optionalNumber(input, 'MaxRecords') ?? DEFAULT_DESCRIBE_MAX_RECORDS;
      const nextToken = optionalString(input, 'NextToken');
      if (names && names.length > MAX_ALARM_NAMES) {
        throw validation(`The collection AlarmNames must not have a size greater than ${MAX_ALARM_NAMES}.`);
      }
      if (names && prefix !== undefined) {
        throw new AwsError(
          'InvalidParameterCombination',
          'The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have specified both.',
        );
      }
      if (stateValue !== undefined && !(STATE_VALUES as readonly string[]).includes(stateValue)) {
        throw invalidValue('StateValue', stateValue);
      }
      if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > 100) {
        throw invalidValue('MaxRecords', maxRecords);
      }
      const wantMetric = !types || types.includes('MetricAlarm');
      const all = wantMetric ? [...alarmsOf(ctx.region).values()] : [];
      const matching = all
        .filter((a) => !names || names.includes(a.alarmName))
        .filter((a) => prefix === undefined || a.alarmName.startsWith(prefix))
        .filter((a) => stateValue === undefined || a.state.value === stateValue)
        .filter(
          (a) =>
            actionPrefix === undefined ||
            [...a.alarmActions, ...a.okActions, ...a.insufficientDataActions].some((x) =>
              x.startsWith(actionPrefix),
            ),
        )
        .sort((a, b) => (a.alarmName < b.alarmName ? -1 : a.alarmName > b.alarmName ? 1 : 0));
      let from = 0;
      if (nextToken !== undefined) {
        from = Number.parseInt(Buffer.from(nextToken, 'base64url').toString('utf8'), 10);
        if (!Number.isInteger(from) || from < 0) {
          throw new AwsError('InvalidNextToken', 'The service cannot process the NextToken: it is invalid.');
        }
      }
      const page = matching.slice(from, from + maxRecords);
      const more = from + maxRecords < matching.length;
      return {
        MetricAlarms: page.map(describe),
        CompositeAlarms: [],
        ...(more ? { NextToken: Buffer.from(String(from + maxRecords)).toString('base64url') } : {}),
      };
    },

    async setAlarmState(input, ctx) {
      const alarmName = requiredString(input, 'AlarmName');
      const stateValue = requiredString(input, 'StateValue');
      const reason = requiredString(input, 'StateReason');
      const reasonData = optionalString(input, 'StateReasonData');
      if (!(STATE_VALUES as readonly string[]).includes(stateValue))
        throw invalidValue('StateValue', stateValue);
      if (reasonData !== undefined) {
        try {
          JSON.parse(reasonData);
        } catch {
          throw new AwsError('InvalidFormat', 'The StateReasonData is not valid JSON.');
        }
      }
      const alarm = alarmsOf(ctx.region).get(alarmName);
      if (!alarm) throw new AwsError('ResourceNotFound', `Alarm ${alarmName} not found`, 404);
      await transition(alarm, {
        value: stateValue as AlarmStateValue,
        reason,
        ...(reasonData === undefined ? {} : { reasonData }),
        timestamp: ctx.now(),
      });
      return {};
    },

    async deleteAlarms(input, ctx) {
      const names = optionalStringList(input, 'AlarmNames');
      if (!names) throw missing('AlarmNames');
      if (names.length > MAX_ALARM_NAMES) {
        throw validation(`The collection AlarmNames must not have a size greater than ${MAX_ALARM_NAMES}.`);
      }
      const alarms = alarmsOf(ctx.region);
      const unknown = names.filter((n) => !alarms.has(n));
      // AWS deletes nothing when any name is wrong.
      if (unknown.length > 0) {
        throw new AwsError(
          'ResourceNotFound',
          `Could not find alarms for the following names: ${unknown.join(', ')}`,
          404,
        );
      }
      const now = ctx.now();
      for (const name of new Set(names)) {
        const alarm = alarms.get(name) as StoredAlarm;
        alarms.delete(name);
        await opts.bus.publish(alarmConfigurationChangeEvent(alarm, 'delete', now));
      }
      return {};
    },

    async evaluate(now) {
      for (const alarms of regions.values()) {
        for (const alarm of [...alarms.values()]) await evaluateOne(alarm, now);
      }
    },

    get(region, alarmName) {
      return regions.get(region)?.get(alarmName);
    },

    list(region) {
      return [...(regions.get(region)?.values() ?? [])];
    },
  };
}

type ParsedAlarm = Omit<
  StoredAlarm,
  | 'region'
  | 'accountId'
  | 'alarmArn'
  | 'metricId'
  | 'configurationUpdatedAt'
  | 'state'
  | 'stateTransitionedAt'
>;

function actionList(input: Input, key: string): string[] {
  const list = optionalStringList(input, key) ?? [];
  if (list.length > MAX_ACTIONS_PER_STATE) {
    throw validation(`The collection ${key} must not have a size greater than ${MAX_ACTIONS_PER_STATE}.`);
  }
  list.forEach((arn, i) => {
    if (!arn.startsWith('arn:')) throw invalidValue(`${key}.member.${i + 1}`, arn);
  });
  return list;
}

/** Validates a PutMetricAlarm for a single-metric alarm; metric-math alarms are refused clearly. */
function parsePutMetricAlarm(input: Input): ParsedAlarm {
  const alarmName = requiredString(input, 'AlarmName');
  if (alarmName.length > MAX_ALARM_NAME_LENGTH) {
    throw validation(
      `The value ${alarmName} for parameter AlarmName must have length less than or equal to ${MAX_ALARM_NAME_LENGTH}.`,
    );
  }
  if (input.Metrics !== undefined && input.Metrics !== null) {
    throw validation(
      'Metrics: metric math alarms are not supported by the rollout-watchdog sandbox; use MetricName.',
    );
  }
  if (input.ThresholdMetricId !== undefined && input.ThresholdMetricId !== null) {
    throw validation(
      'ThresholdMetricId: anomaly detection alarms are not supported by the rollout-watchdog sandbox.',
    );
  }
  const namespace = requiredString(input, 'Namespace');
  const metricName = requiredString(input, 'MetricName');
  const dimensions = parseDimensions(optionalList(input, 'Dimensions'), 'Dimensions');
  const statistic = optionalString(input, 'Statistic');
  const extendedStatistic = optionalString(input, 'ExtendedStatistic');
  if ((statistic === undefined) === (extendedStatistic === undefined)) {
    throw new AwsError(
      'InvalidParameterCombination',
      'Exactly one of the parameters Statistic and ExtendedStatistic must be specified.',
    );
  }
  if (statistic !== undefined && parseStatistic(statistic)?.kind !== 'simple')
    throw invalidValue('Statistic', statistic);
  if (extendedStatistic !== undefined && parseStatistic(extendedStatistic)?.kind !== 'percentile') {
    throw invalidValue('ExtendedStatistic', extendedStatistic);
  }
  const periodSeconds = requiredNumber(input, 'Period');
  if (!Number.isInteger(periodSeconds) || periodSeconds < 60 || periodSeconds % 60 !== 0) {
    throw validation(
      'The parameter Period must be a multiple of 60 (the sandbox stores standard-resolution metrics only).',
    );
  }
  const evaluationPeriods = requiredNumber(input, 'EvaluationPeriods');
  if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) {
    throw invalidValue('EvaluationPeriods', evaluationPeriods);
  }
  if (periodSeconds * evaluationPeriods > 7 * 86_400) {
    throw validation('The product of Period and EvaluationPeriods must not exceed 7 days (604800 seconds).');
  }
  const datapointsToAlarm = optionalNumber(input, 'DatapointsToAlarm');
  if (
    datapointsToAlarm !== undefined &&
    (!Number.isInteger(datapointsToAlarm) || datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods)
  ) {
    throw validation('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
  }
  const threshold = requiredNumber(input, 'Threshold');
  const comparisonOperator = requiredString(input, 'ComparisonOperator');
  if (!(COMPARISON_OPERATORS as readonly string[]).includes(comparisonOperator)) {
    throw invalidValue('ComparisonOperator', comparisonOperator);
  }
  const treatMissingData = optionalString(input, 'TreatMissingData');
  if (treatMissingData !== undefined && !(TREATMENTS as readonly string[]).includes(treatMissingData)) {
    throw invalidValue('TreatMissingData', treatMissingData);
  }
  const description = optionalString(input, 'AlarmDescription');
  const unit = optionalUnit(input, 'Unit');
  const evaluateLowSampleCountPercentile = optionalString(input, 'EvaluateLowSampleCountPercentile');
  return {
    alarmName,
    ...(description === undefined ? {} : { description }),
    actionsEnabled: optionalBoolean(input, 'ActionsEnabled') ?? true,
    okActions: actionList(input, 'OKActions'),
    alarmActions: actionList(input, 'AlarmActions'),
    insufficientDataActions: actionList(input, 'InsufficientDataActions'),
    namespace,
    metricName,
    dimensions,
    ...(statistic === undefined ? {} : { statistic }),
    ...(extendedStatistic === undefined ? {} : { extendedStatistic }),
    periodSeconds,
    ...(unit === undefined ? {} : { unit }),
    evaluationPeriods,
    ...(datapointsToAlarm === undefined ? {} : { datapointsToAlarm }),
    threshold,
    comparisonOperator,
    ...(treatMissingData === undefined ? {} : { treatMissingData }),
    ...(evaluateLowSampleCountPercentile === undefined ? {} : { evaluateLowSampleCountPercentile }),
  };
}

/** DescribeAlarms' `MetricAlarm` shape (timestamps as epoch seconds for the JSON protocol). */
function describe(alarm: StoredAlarm): Record<string, unknown> {
  return {
    AlarmName: alarm.alarmName,
    AlarmArn: alarm.alarmArn,
    ...(alarm.description === undefined ? {} : { AlarmDescription: alarm.description }),
    AlarmConfigurationUpdatedTimestamp: alarm.configurationUpdatedAt / 1000,
    ActionsEnabled: alarm.actionsEnabled,
    OKActions: [...alarm.okActions],
    AlarmActions: [...alarm.alarmActions],
    InsufficientDataActions: [...alarm.insufficientDataActions],
    StateValue: alarm.state.value,
    StateReason: alarm.state.reason,
    ...(alarm.state.reasonData === undefined ? {} : { StateReasonData: alarm.state.reasonData }),
    StateUpdatedTimestamp: alarm.state.timestamp / 1000,
    StateTransitionedTimestamp: alarm.stateTransitionedAt / 1000,
    MetricName: alarm.metricName,
    Namespace: alarm.namespace,
    ...(alarm.statistic === undefined ? {} : { Statistic: alarm.statistic }),
    ...(alarm.extendedStatistic === undefined ? {} : { ExtendedStatistic: alarm.extendedStatistic }),
    Dimensions: Object.entries(alarm.dimensions).map(([Name, Value]) => ({ Name, Value })),
    Period: alarm.periodSeconds,
    ...(alarm.unit === undefined ? {} : { Unit: alarm.unit }),
    EvaluationPeriods: alarm.evaluationPeriods,
    ...(alarm.datapointsToAlarm === undefined ? {} : { DatapointsToAlarm: alarm.datapointsToAlarm }),
    Threshold: alarm.threshold,
    ComparisonOperator: alarm.comparisonOperator,
    ...(alarm.treatMissingData === undefined ? {} : { TreatMissingData: alarm.treatMissingData }),
    ...(alarm.evaluateLowSampleCountPercentile === undefined
      ? {}
      : { EvaluateLowSampleCountPercentile: alarm.evaluateLowSampleCountPercentile }),
  };
}
