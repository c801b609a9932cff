/**
 * PutMetricData with AWS's limits, so a client that would be refused by CloudWatch is refused
 * here too: at most 1000 datums per call, 150 values per datum, 30 dimensions, timestamps no
 * more than two weeks in the past or two hours in the future, and no `AWS/` namespaces.
 */
import { AwsError } from '../../aws-error';
import type { RequestContext } from '../../service';
import {
  asStruct,
  type Input,
  invalidValue,
  missing,
  optionalList,
  optionalNumber,
  optionalStruct,
  optionalTimestamp,
  optionalUnit,
  parseDimensions,
  requiredNumber,
  requiredString,
} from './input';
import type { MetricStore, StoredDatum } from './metric-store';

/** Most datums one PutMetricData call may carry (AWS limit). */
export const MAX_METRIC_DATA_PER_PUT = 1000;
/** Most values one datum's `Values` array may carry (AWS limit). */
export const MAX_VALUES_PER_DATUM = 150;
/** How far in the past a datum may be stamped, in ms (two weeks, AWS limit). */
export const MAX_DATUM_AGE_MS = 14 * 24 * 3_600_000;
/** How far in the future a datum may be stamped, in ms (two hours, AWS limit). */
export const MAX_DATUM_FUTURE_MS = 2 * 3_600_000;

/** Validates a PutMetricData request and returns the datums to store; throws `AwsError` as AWS would. */
export function parsePutMetricData(input: Input, now: number): StoredDatum[] {
  const namespace = requiredString(input, 'Namespace');
  // CloudWatch reserves the AWS/ prefix for metrics AWS services publish themselves.
  if (namespace.startsWith('AWS/')) throw invalidValue('Namespace', namespace);
  const list = optionalList(input, 'MetricData');
  if (!list || list.length === 0) throw missing('MetricData');
  if (list.length > MAX_METRIC_DATA_PER_PUT) {
    throw new AwsError(
      'InvalidParameterValue',
      `The collection MetricData must not have a size greater than ${MAX_METRIC_DATA_PER_PUT}.`,
    );
  }
  return list.map((raw, i) => parseDatum(raw, `MetricData.member.${i + 1}`, namespace, now));
}

function parseDatum(raw: unknown, path: string, namespace: string, now: number): StoredDatum {
  const item = asStruct(raw, path);
  const metricName = requiredString(item, 'MetricName', `${path}.MetricName`);
  const dimensions = parseDimensions(
    optionalList(item, 'Dimensions', `${path}.Dimensions`),
    `${path}.Dimensions`,
  );
  const timestamp = optionalTimestamp(item, 'Timestamp', `${path}.Timestamp`) ?? now;
  if (timestamp < now - MAX_DATUM_AGE_MS) {
    throw new AwsError(
      'InvalidParameterValue',
      `The parameter ${path}.Timestamp must specify a time no more than two weeks in the past.`,
    );
  }
  if (timestamp > now + MAX_DATUM_FUTURE_MS) {
    throw new AwsError(
      'InvalidParameterValue',
      `The parameter ${path}.Timestamp must specify a time no more than two hours in the future.`,
    );
  }
  const unit = optionalUnit(item, 'Unit', `${path}.Unit`);
  const value = optionalNumber(item, 'Value', `${path}.Value`);
  const values = optionalList(item, 'Values', `${path}.Values`);
  const counts = optionalList(item, 'Counts', `${path}.Counts`);
  const statistics = optionalStruct(item, 'StatisticValues', `${path}.StatisticValues`);

  const given = [
    value !== undefined && 'Value',
    values !== undefined && 'Values',
    statistics !== undefined && 'StatisticValues',
  ].filter((x): x is string => typeof x === 'string');
  if (given.length > 1) {
    throw new AwsError(
      'InvalidParameterCombination',
      `The parameters ${path}.${given[0]} and ${path}.${given[1]} are mutually exclusive and you have specified both.`,
    );
  }
  if (given.length === 0) {
    throw new AwsError(
      'MissingParameter',
      `At least one of the parameters ${path}.Value, ${path}.Values or ${path}.StatisticValues must be specified.`,
    );
  }
  const metric = { namespace, metricName, dimensions };
  const base = { metric, timestamp, ...(unit === undefined ? {} : { unit }) };

  if (statistics) {
    const stat = (key: string) => requiredNumber(statistics, key, `${path}.StatisticValues.${key}`);
    const sampleCount = stat('SampleCount');
    const sum = stat('Sum');
    const minimum = stat('Minimum');
    const maximum = stat('Maximum');
    if (sampleCount <= 0) throw invalidValue(`${path}.StatisticValues.SampleCount`, sampleCount);
    if (minimum > maximum) {
      throw new AwsError(
        'InvalidParameterValue',
        `The parameter ${path}.StatisticValues.Minimum must be less than or equal to ${path}.StatisticValues.Maximum.`,
      );
    }
    return { ...base, statistics: { sampleCount, sum, minimum, maximum } };
  }
  if (values) {
    if (values.length > MAX_VALUES_PER_DATUM) {
      throw new AwsError(
        'InvalidParameterValue',
        `The collection ${path}.Values must not have a size greater than ${MAX_VALUES_PER_DATUM}.`,
      );
    }
    const nums = values.map((v, j) => numberAt(v, `${path}.Values.member.${j + 1}`));
    if (counts !== undefined && counts.length !== nums.length) {
      throw new AwsError(
        'InvalidParameterValue',
        `The parameters ${path}.Values and ${path}.Counts must be of the same size.`,
      );
    }
    const cnts = counts?.map((c, j) => {
      const n = numberAt(c, `${path}.Counts.member.${j + 1}`);
      if (n < 0) throw invalidValue(`${path}.Counts.member.${j + 1}`, n);
      return n;
    });
    return { ...base, values: nums, ...(cnts ? { counts: cnts } : {}) };
  }
  return { ...base, value: value as number };
}

function numberAt(raw: unknown, path: string): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw)) throw invalidValue(path, raw);
  return raw;
}

/** The PutMetricData operation over `store`. */
export function putMetricData(store: MetricStore) {
  return (input: Input, ctx: RequestContext): Record<string, never> => {
    const datums = parsePutMetricData(input, ctx.now());
    for (const datum of datums) store.put(ctx.region, datum);
    return {};
  };
}
