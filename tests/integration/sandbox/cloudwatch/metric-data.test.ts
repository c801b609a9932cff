import {
  CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  PutMetricDataCommand,
  paginateGetMetricData,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUITE_START, startTestSandbox, type TestSandbox } from '../sandbox-fixture';

const T0 = SUITE_START;
const MINUTE = 60_000;
const NS = 'MetricDataSuite';

const at = (minute: number) => new Date(T0 + minute * MINUTE);

const query = (
  id: string,
  metricName: string,
  stat: string,
  extra: Partial<MetricDataQuery> = {},
): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: { Namespace: NS, MetricName: metricName, Dimensions: [{ Name: 'Suite', Value: 'metric-data' }] },
    Period: 60,
    Stat: stat,
  },
  ...extra,
});

describe('CloudWatch metric data through the SDK', () => {
  let t: TestSandbox;
  let cw: CloudWatchClient;
  // The SDK gzips PutMetricData bodies above 10 KB (`content-encoding: gzip`); the sandbox front
  // does not decompress request bodies yet, so the suites with large bodies send them plain.
  let uncompressed: CloudWatchClient;

  beforeAll(async () => {
    t = await startTestSandbox();
    await t.clock.advance(30 * MINUTE);
    cw = new CloudWatchClient(t.client());
    uncompressed = new CloudWatchClient({ ...t.client(), disableRequestCompression: true });

    const dims = [{ Name: 'Suite', Value: 'metric-data' }];
    // Latency: 100 samples per minute, values 1..100, in minutes 0, 1 and 3 (minute 2 has no data).
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    for (const minute of [0, 1, 3]) {
      await cw.send(
        new PutMetricDataCommand({
          Namespace: NS,
          MetricData: [
            {
              MetricName: 'Latency',
              Dimensions: dims,
              Timestamp: at(minute),
              Values: values,
              Unit: 'Microseconds',
            },
          ],
        }),
      );
    }
    // Errors: 0/1 per request as counts (3 errors out of 200 requests) in minute 0.
    await cw.send(
      new PutMetricDataCommand({
        Namespace: NS,
        MetricData: [
          {
            MetricName: 'Errors',
            Dimensions: dims,
            Timestamp: at(0),
            Values: [0, 1],
            Counts: [197, 3],
            Unit: 'Count',
          },
          {
            MetricName: 'Summary',
            Dimensions: dims,
            Timestamp: at(0),
            StatisticValues: { SampleCount: 4, Sum: 20, Minimum: 2, Maximum: 8 },
          },
          { MetricName: 'Single', Dimensions: dims, Timestamp: at(5), Value: 7 },
          { MetricName: 'Single', Dimensions: dims, Timestamp: at(5), Value: 9 },
        ],
      }),
    );
    // Paging data: five minutes of one value each for two metrics.
    for (let minute = 10; minute < 15; minute++) {
      await cw.send(
        new PutMetricDataCommand({
          Namespace: NS,
          MetricData: [
            { MetricName: 'PageA', Dimensions: dims, Timestamp: at(minute), Value: minute },
            { MetricName: 'PageB', Dimensions: dims, Timestamp: at(minute), Value: 100 + minute },
          ],
        }),
      );
    }
  });

  afterAll(async () => {
    cw.destroy();
    uncompressed.destroy();
    await t.stop();
  });

  const get = (queries: MetricDataQuery[], extra: Record<string, unknown> = {}) =>
    cw.send(
      new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: at(0), EndTime: at(20), ...extra }),
    );

  it.each([
    ['Sum', 5050],
    ['Average', 50.5],
    ['SampleCount', 100],
    ['Minimum', 1],
    ['Maximum', 100],
    ['p50', 50],
    ['p90', 90],
    ['p99', 99],
    ['p99.9', 100],
  ])('serves %s of a values histogram', async (stat, expected) => {
    const out = await get([query('q', 'Latency', stat)], { EndTime: at(1) });
    expect(out.MetricDataResults?.[0]?.Values).toEqual([expected]);
    expect(out.MetricDataResults?.[0]?.StatusCode).toBe('Complete');
  });

  it('computes a rate as the Average of 0/1 values published with Counts', async () => {
    const out = await get([
      query('avg', 'Errors', 'Average'),
      query('sum', 'Errors', 'Sum'),
      query('n', 'Errors', 'SampleCount'),
    ]);
    expect(out.MetricDataResults?.map((r) => r.Values)).toEqual([[0.015], [3], [200]]);
  });

  it('leaves periods without data out instead of returning zeros, newest first by default', async () => {
    const out = await get([query('lat', 'Latency', 'SampleCount')], { EndTime: at(5) });
    const result = out.MetricDataResults?.[0];
    expect(result?.Timestamps).toEqual([at(3), at(1), at(0)]);
    expect(result?.Values).toEqual([100, 100, 100]);
    expect(result?.Label).toBe('Latency');
  });

  it('returns oldest first with ScanBy TimestampAscending', async () => {
    const out = await get([query('lat', 'Latency', 'SampleCount')], {
      EndTime: at(5),
      ScanBy: 'TimestampAscending',
    });
    expect(out.MetricDataResults?.[0]?.Timestamps).toEqual([at(0), at(1), at(3)]);
  });

  it('aggregates minutes into longer periods, percentiles included', async () => {
    const q = query('lat', 'Latency', 'p99');
    q.MetricStat!.Period = 180;
    const sum = query('s', 'Latency', 'SampleCount');
    sum.MetricStat!.Period = 180;
    const out = await get([q, sum], { EndTime: at(6), ScanBy: 'TimestampAscending' });
    expect(out.MetricDataResults?.[0]?.Timestamps).toEqual([at(0), at(3)]);
    expect(out.MetricDataResults?.[0]?.Values).toEqual([99, 99]);
    expect(out.MetricDataResults?.[1]?.Values).toEqual([200, 100]);
  });

  it('serves statistic sets for simple statistics but no percentile for them', async () => {
    const out = await get([
      query('avg', 'Summary', 'Average'),
      query('max', 'Summary', 'Maximum'),
      query('p', 'Summary', 'p50'),
    ]);
    expect(out.MetricDataResults?.map((r) => r.Values)).toEqual([[5], [8], []]);
  });

  it('merges several single values of the same minute', async () => {
    const out = await get([query('s', 'Single', 'Sum'), query('c', 'Single', 'SampleCount')]);
    expect(out.MetricDataResults?.map((r) => r.Values)).toEqual([[16], [2]]);
  });

  it('filters by Unit when the query names one', async () => {
    const hit = query('hit', 'Latency', 'SampleCount');
    hit.MetricStat!.Unit = 'Microseconds';
    const miss = query('miss', 'Latency', 'SampleCount');
    miss.MetricStat!.Unit = 'Milliseconds';
    const out = await get([hit, miss], { EndTime: at(1) });
    expect(out.MetricDataResults?.map((r) => r.Values)).toEqual([[100], []]);
  });

  it('omits queries with ReturnData false and uses the query Label', async () => {
    const out = await get(
      [
        query('hidden', 'Latency', 'Sum', { ReturnData: false }),
        query('shown', 'Latency', 'Sum', { Label: 'my label' }),
      ],
      {
        EndTime: at(1),
      },
    );
    expect(out.MetricDataResults?.map((r) => [r.Id, r.Label])).toEqual([['shown', 'my label']]);
    expect(out.Messages).toEqual([]);
  });

  it('pages with PartialData and NextToken when the datapoints exceed MaxDatapoints', async () => {
    const window = { StartTime: at(10), EndTime: at(15), ScanBy: 'TimestampAscending' as const };
    const first = await get([query('a', 'PageA', 'Sum'), query('b', 'PageB', 'Sum')], {
      ...window,
      MaxDatapoints: 3,
    });
    expect(first.MetricDataResults).toEqual([
      expect.objectContaining({ Id: 'a', Values: [10, 11, 12], StatusCode: 'PartialData' }),
    ]);
    expect(first.NextToken).toEqual(expect.any(String));

    const second = await get([query('a', 'PageA', 'Sum'), query('b', 'PageB', 'Sum')], {
      ...window,
      MaxDatapoints: 3,
      NextToken: first.NextToken,
    });
    expect(second.MetricDataResults).toEqual([
      expect.objectContaining({ Id: 'a', Values: [13, 14], StatusCode: 'Complete' }),
      expect.objectContaining({ Id: 'b', Values: [110], StatusCode: 'PartialData' }),
    ]);

    // The SDK's paginator follows NextToken to the end: every datapoint arrives exactly once.
    const collected: Record<string, number[]> = {};
    for await (const page of paginateGetMetricData(
      { client: cw },
      {
        MetricDataQueries: [query('a', 'PageA', 'Sum'), query('b', 'PageB', 'Sum')],
        ...window,
        MaxDatapoints: 3,
      },
    )) {
      for (const r of page.MetricDataResults ?? [])
        collected[r.Id!] = [...(collected[r.Id!] ?? []), ...(r.Values ?? [])];
    }
    expect(collected).toEqual({ a: [10, 11, 12, 13, 14], b: [110, 111, 112, 113, 114] });
  });

  it('refuses a NextToken that belongs to another request', async () => {
    const first = await get([query('a', 'PageA', 'Sum')], {
      StartTime: at(10),
      EndTime: at(15),
      MaxDatapoints: 2,
    });
    await expect(
      get([query('b', 'PageB', 'Sum')], {
        StartTime: at(10),
        EndTime: at(15),
        MaxDatapoints: 2,
        NextToken: first.NextToken,
      }),
    ).rejects.toMatchObject({ name: 'InvalidNextToken' });
  });

  it.each([
    [
      'an upper-case first letter',
      'Bad',
      /The value Bad for parameter MetricDataQueries.member.1.Id is not matching the expected pattern \^\[a-z\]\[a-zA-Z0-9_\]\*\$\./,
    ],
    [
      'a hyphen',
      'fraud-detector',
      /The value fraud-detector for parameter MetricDataQueries.member.1.Id is not matching/,
    ],
    ['a leading digit', '5xx', /is not matching the expected pattern/],
    ['more than 255 characters', `a${'b'.repeat(255)}`, /must have length less than or equal to 255/],
  ])('refuses an Id with %s as CloudWatch does', async (_case, id, message) => {
    await expect(get([query(id, 'Latency', 'Sum')])).rejects.toMatchObject({
      name: 'ValidationException',
      Code: 'ValidationError',
      message: expect.stringMatching(message),
      $metadata: expect.objectContaining({ httpStatusCode: 400 }),
    });
  });

  it('reports every invalid Id at once, one per line', async () => {
    const error = await get([
      query('Bad1', 'Latency', 'Sum'),
      query('ok', 'Latency', 'Sum'),
      query('bad-2', 'Latency', 'Sum'),
    ]).catch((e: Error) => e);
    expect((error as Error).message.split('\n')).toEqual([
      expect.stringContaining('MetricDataQueries.member.1.Id'),
      expect.stringContaining('MetricDataQueries.member.3.Id'),
    ]);
  });

  it('refuses duplicate Ids', async () => {
    await expect(
      get([query('same', 'Latency', 'Sum'), query('same', 'Errors', 'Sum')]),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The values for parameter id in MetricDataQueries are not unique.',
    });
  });

  it('refuses more than 500 queries and accepts exactly 500', async () => {
    const queries = (n: number) => Array.from({ length: n }, (_, i) => query(`q${i}`, 'Latency', 'Sum'));
    await expect(get(queries(501))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The collection MetricDataQueries must not have a size greater than 500.',
    });
    const out = await get(queries(500), { EndTime: at(1) });
    expect(out.MetricDataResults).toHaveLength(500);
  });

  it('refuses metric math expressions with a clear message', async () => {
    await expect(get([{ Id: 'e', Expression: 'SUM(METRICS())' }])).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('metric math expressions are not supported'),
    });
  });

  it('refuses a StartTime that is not before EndTime', async () => {
    await expect(
      get([query('q', 'Latency', 'Sum')], { StartTime: at(5), EndTime: at(5) }),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it.each([
    [
      'more than 1000 datums',
      Array.from({ length: 1001 }, () => ({ MetricName: 'M', Value: 1 })),
      'InvalidParameterValueException',
      'The collection MetricData must not have a size greater than 1000.',
    ],
    [
      'more than 150 values in a datum',
      [{ MetricName: 'M', Values: Array.from({ length: 151 }, (_, i) => i) }],
      'InvalidParameterValueException',
      'The collection MetricData.member.1.Values must not have a size greater than 150.',
    ],
    [
      'Value together with Values',
      [{ MetricName: 'M', Value: 1, Values: [1] }],
      'InvalidParameterCombinationException',
      'The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.',
    ],
    [
      'Counts of another length than Values',
      [{ MetricName: 'M', Values: [1, 2], Counts: [1] }],
      'InvalidParameterValueException',
      'The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size.',
    ],
  ])('refuses PutMetricData with %s', async (_case, data, name, message) => {
    await expect(
      uncompressed.send(new PutMetricDataCommand({ Namespace: NS, MetricData: data })),
    ).rejects.toMatchObject({ name, message });
  });

  it('refuses the AWS/ namespaces that only AWS services may publish to', async () => {
    await expect(
      cw.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/SageMaker',
          MetricData: [{ MetricName: 'Invocations', Value: 1 }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('accepts exactly 1000 datums of 150 values', async () => {
    const values = Array.from({ length: 150 }, (_, i) => i);
    const data = Array.from({ length: 1000 }, (_, i) => ({ MetricName: `Bulk${i % 10}`, Values: values }));
    await expect(
      uncompressed.send(new PutMetricDataCommand({ Namespace: `${NS}Bulk`, MetricData: data })),
    ).resolves.toBeDefined();
  });

  it('keeps regions apart', async () => {
    const other = new CloudWatchClient(t.client('eu-west-1'));
    const out = await other.send(
      new GetMetricDataCommand({
        MetricDataQueries: [query('q', 'Latency', 'Sum')],
        StartTime: at(0),
        EndTime: at(20),
      }),
    );
    expect(out.MetricDataResults?.[0]?.Values).toEqual([]);
  });
});
