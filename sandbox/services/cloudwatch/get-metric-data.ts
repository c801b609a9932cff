/**
 * GetMetricData for `MetricStat` queries, validated as CloudWatch validates them (at most 500
 * queries; Ids unique, `^[a-z][a-zA-Z0-9_]*$`, at most 255 characters) and paged as CloudWatch
 * pages: once the datapoints of the page reach `MaxDatapoints`, the query being filled is
 * returned with `StatusCode: PartialData` and a `NextToken` continues where it stopped. Periods
 * without data are absent, never zeros. Metric-math expressions are refused with a clear
 * message: the watchdog asks for MetricStat only and computes rates itself.
 */
import { createHash } from 'node:crypto';
import { AwsError } from '../../aws-error';
import type { RequestContext } from '../../service';
import {
  asStruct,
  type Input,
  missing,
  optionalBoolean,
  optionalList,
  optionalNumber,
  optionalString,
  optionalTimestamp,
  optionalUnit,
  parseDimensions,
  requiredNumber,
  requiredString,
  validation,
} from './input';
import type { MetricIdentity, MetricStore } from './metric-store';
import { computeStatistic, type ParsedStatistic, parseStatistic } from './statistic';

/** Most queries one GetMetricData call may carry (AWS limit). */
export const MAX_METRIC_DATA_QUERIES = 500;
/** Longest query Id, in characters (AWS limit). */
export const MAX_QUERY_ID_LENGTH = 255;
/** Datapoints per page when the request names no `MaxDatapoints` (AWS default). */
export const DEFAULT_MAX_DATAPOINTS = 100_800;

const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;

export type ScanBy = 'TimestampDescending' | 'TimestampAscending';

export interface MetricStatQuery {
  id: string;
  label: string;
  metric: MetricIdentity;
  periodSeconds: number;
  stat: ParsedStatistic;
  unit?: string;
  returnData: boolean;
}

export interface GetMetricDataRequest {
  queries: MetricStatQuery[];
  start: number;
  end: number;
  scanBy: ScanBy;
  maxDatapoints: number;
  nextToken?: string;
}

/** Validates a GetMetricData request; every Id problem is reported at once, one per line, as AWS does. */
export function parseGetMetricData(input: Input): GetMetricDataRequest {
  const list = optionalList(input, 'MetricDataQueries');
  if (list === undefined) throw missing('MetricDataQueries');
  if (list.length > MAX_METRIC_DATA_QUERIES) {
    throw validation(
      `The collection MetricDataQueries must not have a size greater than ${MAX_METRIC_DATA_QUERIES}.`,
    );
  }
  const raws = list.map((raw, i) => asStruct(raw, `MetricDataQueries.member.${i + 1}`));

  const idProblems: string[] = [];
  raws.forEach((raw, i) => {
    const path = `MetricDataQueries.member.${i + 1}.Id`;
    const id = raw.Id;
    if (typeof id !== 'string' || id === '') {
      idProblems.push(`The parameter ${path} is required.`);
    } else if (id.length > MAX_QUERY_ID_LENGTH) {
      idProblems.push(
        `The value ${id} for parameter ${path} must have length less than or equal to ${MAX_QUERY_ID_LENGTH}.`,
      );
    } else if (!ID_PATTERN.test(id)) {
      idProblems.push(
        `The value ${id} for parameter ${path} is not matching the expected pattern ${ID_PATTERN.source}.`,
      );
    }
  });
  if (idProblems.length > 0) throw validation(idProblems.join('\n'));
  const ids = raws.map((raw) => raw.Id as string);
  if (new Set(ids).size !== ids.length) {
    throw validation('The values for parameter id in MetricDataQueries are not unique.');
  }

  const start = optionalTimestamp(input, 'StartTime');
  if (start === undefined) throw missing('StartTime');
  const end = optionalTimestamp(input, 'EndTime');
  if (end === undefined) throw missing('EndTime');
  if (start >= end) throw validation('The parameter StartTime must be less than the parameter EndTime.');

  const scanBy = optionalString(input, 'ScanBy') ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
    throw validation(
      `The value ${scanBy} for parameter ScanBy is not valid: use TimestampDescending or TimestampAscending.`,
    );
  }
  const maxDatapoints = optionalNumber(input, 'MaxDatapoints') ?? DEFAULT_MAX_DATAPOINTS;
  if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1) {
    throw validation(`The value ${maxDatapoints} for parameter MaxDatapoints must be a positive integer.`);
  }
  const nextToken = optionalString(input, 'NextToken');

  const queries = raws.map((raw, i) => parseQuery(raw, i + 1));
  return { queries, start, end, scanBy, maxDatapoints, ...(nextToken ? { nextToken } : {}) };
}

function parseQuery(raw: Input, n: number): MetricStatQuery {
  const path = `MetricDataQueries.member.${n}`;
  const id = raw.Id as string;
  if (raw.Expression !== undefined && raw.Expression !== null) {
    throw validation(
      `${path}.Expression: metric math expressions are not supported by the rollout-watchdog sandbox; use MetricStat.`,
    );
  }
  const statRaw = raw.MetricStat;
  if (statRaw === undefined || statRaw === null) {
    throw validation(`Exactly one of ${path}.MetricStat and ${path}.Expression must be specified.`);
  }
  const metricStat = asStruct(statRaw, `${path}.MetricStat`);
  const metricRaw = metricStat.Metric;
  if (metricRaw === undefined || metricRaw === null) throw missing(`${path}.MetricStat.Metric`);
  const metric = asStruct(metricRaw, `${path}.MetricStat.Metric`);
  const namespace = requiredString(metric, 'Namespace', `${path}.MetricStat.Metric.Namespace`);
  const metricName = requiredString(metric, 'MetricName', `${path}.MetricStat.Metric.MetricName`);
  const dimensions = parseDimensions(
    optionalList(metric, 'Dimensions', `${path}.MetricStat.Metric.Dimensions`),
    `${path}.MetricStat.Metric.Dimensions`,
  );
  const periodSeconds = requiredNumber(metricStat, 'Period', `${path}.MetricStat.Period`);
  if (!Number.isInteger(periodSeconds) || periodSeconds < 60 || periodSeconds % 60 !== 0) {
    throw validation(
      `The parameter ${path}.MetricStat.Period must be a multiple of 60 (the sandbox stores standard-resolution metrics only).`,
    );
  }
  const statName = requiredString(metricStat, 'Stat', `${path}.MetricStat.Stat`);
  const stat = parseStatistic(statName);
  if (!stat)
    throw validation(`The value ${statName} for parameter ${path}.MetricStat.Stat is not a valid statistic.`);
  const unit = optionalUnit(metricStat, 'Unit', `${path}.MetricStat.Unit`);
  const label = optionalString(raw, 'Label', `${path}.Label`) ?? metricName;
  const returnData = optionalBoolean(raw, 'ReturnData', `${path}.ReturnData`) ?? true;
  return {
    id,
    label,
    metric: { namespace, metricName, dimensions },
    periodSeconds,
    stat,
    ...(unit === undefined ? {} : { unit }),
    returnData,
  };
}

export interface MetricDataResult {
  Id: string;
  Label: string;
  /** Epoch seconds, in `ScanBy` order. */
  Timestamps: number[];
  Values: number[];
  StatusCode: 'Complete' | 'PartialData';
  Messages: { Code: string; Value: string }[];
}

export interface GetMetricDataOutput {
  MetricDataResults: MetricDataResult[];
  NextToken?: string;
  Messages: { Code: string; Value: string }[];
}

interface Cursor {
  /** Index (among queries with ReturnData) of the query to continue. */
  q: number;
  /** Datapoints of that query already returned. */
  d: number;
  /** Fingerprint of the request the token belongs to. */
  h: string;
}

/** The datapoints of one query, oldest first: one per period that has data and a value for the statistic. */
export function runQuery(
  store: MetricStore,
  region: string,
  query: MetricStatQuery,
  start: number,
  end: number,
): { timestamp: number; value: number }[] {
  const periods = store.aggregate(region, query.metric, {
    start,
    end,
    periodSeconds: query.periodSeconds,
    ...(query.unit === undefined ? {} : { unit: query.unit }),
  });
  const points: { timestamp: number; value: number }[] = [];
  for (const { timestamp, aggregate } of periods) {
    const value = computeStatistic(query.stat, aggregate);
    if (value !== null) points.push({ timestamp, value });
  }
  return points;
}

function fingerprint(input: Input): string {
  const { NextToken: _ignored, ...rest } = input;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

function decodeCursor(token: string, expected: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (
      typeof cursor.q === 'number' &&
      typeof cursor.d === 'number' &&
      cursor.h === expected &&
      cursor.q >= 0 &&
      cursor.d >= 0
    ) {
      return cursor as Cursor;
    }
  } catch {
    // fall through: any undecodable token is invalid
  }
  throw new AwsError(
    'InvalidNextToken',
    'The service cannot process the NextToken: it is invalid or expired.',
  );
}

const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** The GetMetricData operation over `store`. */
export function getMetricData(store: MetricStore) {
  return (input: Input, ctx: RequestContext): GetMetricDataOutput => {
    const request = parseGetMetricData(input);
    const hash = fingerprint(input);
    const cursor = request.nextToken ? decodeCursor(request.nextToken, hash) : { q: 0, d: 0, h: hash };
    const returned = request.queries.filter((q) => q.returnData);

    let budget = request.maxDatapoints;
    const results: MetricDataResult[] = [];
    let next: Cursor | undefined;
    for (let qi = cursor.q; qi < returned.length; qi++) {
      const query = returned[qi] as MetricStatQuery;
      const points = runQuery(store, ctx.region, query, request.start, request.end);
      if (request.scanBy === 'TimestampDescending') points.reverse();
      const from = qi === cursor.q ? cursor.d : 0;
      const remaining = points.slice(from);
      const take = Math.min(budget, remaining.length);
      if (take === 0 && remaining.length > 0) {
        next = { q: qi, d: from, h: hash };
        break;
      }
      const page = remaining.slice(0, take);
      const partial = take < remaining.length;
      results.push({
        Id: query.id,
        Label: query.label,
        Timestamps: page.map((p) => p.timestamp / 1000),
        Values: page.map((p) => p.value),
        StatusCode: partial ? 'PartialData' : 'Complete',
        Messages: [],
      });
      budget -= take;
      if (partial) {
        next = { q: qi, d: from + take, h: hash };
        break;
      }
    }
    return {
      MetricDataResults: results,
      ...(next ? { NextToken: encodeCursor(next) } : {}),
      Messages: [],
    };
  };
}
