import { describe, expect, it } from 'vitest';
import type { AlarmStateValue } from '../../../shared/domain/types';
import {
  type AlarmDefinition,
  type ComparisonOperator,
  evaluateAlarm,
  type TreatMissingData,
} from '../../../shared/simulation/evaluate-alarm';

const T0 = Date.UTC(2026, 0, 1);
/** Datapoints one minute apart from T0; `null` is a period without data. */
const points = (...values: Array<number | null>) =>
  values.map((value, i) => ({ timestamp: T0 + i * 60_000, value }));
/** AWS's notation: 0 = not breaching, X = breaching, - = missing (threshold 30, greater than). */
const range = (pattern: string) =>
  points(...pattern.split(' ').map((c) => (c === 'X' ? 40 : c === '0' ? 10 : null)));

const alarm = (overrides: Partial<AlarmDefinition> = {}): AlarmDefinition => ({
  threshold: 30,
  comparisonOperator: 'GreaterThanThreshold',
  evaluationPeriods: 2,
  ...overrides,
});

describe('evaluateAlarm', () => {
  it.each<[ComparisonOperator, number, AlarmStateValue]>([
    ['GreaterThanThreshold', 31, 'ALARM'],
    ['GreaterThanThreshold', 30, 'OK'],
    ['GreaterThanOrEqualToThreshold', 30, 'ALARM'],
    ['GreaterThanOrEqualToThreshold', 29.9, 'OK'],
    ['LessThanThreshold', 29, 'ALARM'],
    ['LessThanThreshold', 30, 'OK'],
    ['LessThanOrEqualToThreshold', 30, 'ALARM'],
    ['LessThanOrEqualToThreshold', 30.1, 'OK'],
  ])('with %s and value %d against threshold 30 goes to %s', (operator, value, state) => {
    expect(
      evaluateAlarm(alarm({ comparisonOperator: operator, evaluationPeriods: 1 }), points(value)).state,
    ).toBe(state);
  });

  it.each<[string, number, number | undefined, AlarmStateValue]>([
    ['X X', 2, undefined, 'ALARM'],
    ['0 X', 2, undefined, 'OK'],
    ['X 0', 2, undefined, 'OK'],
    ['X 0 X', 3, 2, 'ALARM'],
    ['X 0 0', 3, 2, 'OK'],
    ['0 0 X', 3, 1, 'ALARM'],
  ])('evaluates %s with %i evaluation periods and datapointsToAlarm %s as %s', (pattern, n, m, state) => {
    const def = alarm({ evaluationPeriods: n, ...(m === undefined ? {} : { datapointsToAlarm: m }) });
    expect(evaluateAlarm(def, range(pattern)).state).toBe(state);
  });

  // AWS's table for missing data (evaluation periods 3, datapoints to alarm 3, a range of 5).
  it.each<[string, TreatMissingData, AlarmStateValue | 'retained']>([
    ['0 - X - X', 'missing', 'OK'],
    ['0 - X - X', 'ignore', 'OK'],
    ['0 - X - X', 'breaching', 'OK'],
    ['0 - X - X', 'notBreaching', 'OK'],
    ['0 - - - -', 'missing', 'OK'],
    ['0 - - - -', 'ignore', 'OK'],
    ['0 - - - -', 'breaching', 'OK'],
    ['0 - - - -', 'notBreaching', 'OK'],
    ['- - - - -', 'missing', 'INSUFFICIENT_DATA'],
    ['- - - - -', 'ignore', 'retained'],
    ['- - - - -', 'breaching', 'ALARM'],
    ['- - - - -', 'notBreaching', 'OK'],
    ['0 X X - X', 'missing', 'ALARM'],
    ['0 X X - X', 'ignore', 'ALARM'],
    ['0 X X - X', 'breaching', 'ALARM'],
    ['0 X X - X', 'notBreaching', 'ALARM'],
    ['- - X - -', 'missing', 'ALARM'],
    ['- - X - -', 'ignore', 'retained'],
    ['- - X - -', 'breaching', 'ALARM'],
    ['- - X - -', 'notBreaching', 'OK'],
  ])('treats the range %s with treatMissingData %s as AWS does (%s)', (pattern, treatment, expected) => {
    const def = alarm({ evaluationPeriods: 3, treatMissingData: treatment });
    for (const current of ['OK', 'ALARM'] as const) {
      const result = evaluateAlarm(def, range(pattern), { currentState: current });
      expect(result.state).toBe(expected === 'retained' ? current : expected);
    }
  });

  it('treats missing data as missing by default and never raises an alarm from missing data alone', () => {
    expect(evaluateAlarm(alarm(), range('- -')).state).toBe('INSUFFICIENT_DATA');
    expect(evaluateAlarm(alarm({ datapointsToAlarm: 1 }), range('0 -')).state).toBe('OK');
  });

  it('pads a range shorter than the evaluation periods with missing periods', () => {
    expect(evaluateAlarm(alarm({ evaluationPeriods: 3 }), range('0')).state).toBe('OK');
    expect(evaluateAlarm(alarm({ evaluationPeriods: 3 }), []).state).toBe('INSUFFICIENT_DATA');
  });

  it('treats values that are not finite numbers as missing', () => {
    expect(evaluateAlarm(alarm(), points(Number.NaN, Number.POSITIVE_INFINITY)).state).toBe(
      'INSUFFICIENT_DATA',
    );
  });

  it('explains an alarm in AWS wording, newest breaching datapoint first', () => {
    const result = evaluateAlarm(alarm({ statistic: 'Sum', period: 60 }), points(35, 180));
    expect(result.reason).toBe(
      'Threshold Crossed: 2 out of the last 2 datapoints [180.0 (01/01/26 00:01:00), 35.0 (01/01/26 00:00:00)] ' +
        'were greater than the threshold (30.0) (minimum 2 datapoints for INSUFFICIENT_DATA -> ALARM transition).',
    );
    expect(result.changed).toBe(true);
    expect(result.reasonData).toMatchObject({
      version: '1.0',
      statistic: 'Sum',
      period: 60,
      threshold: 30,
      recentDatapoints: [35, 180],
      evaluatedDatapoints: [
        { timestamp: '2026-01-01T00:01:00.000+0000', value: 180 },
        { timestamp: '2026-01-01T00:00:00.000+0000', value: 35 },
      ],
    });
    expect(JSON.parse(JSON.stringify(result.reasonData))).toEqual(result.reasonData);
  });

  it('explains a return to OK and insufficient data', () => {
    const ok = evaluateAlarm(alarm({ evaluationPeriods: 1 }), points(12.5), { currentState: 'ALARM' });
    expect(ok.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoint [12.5 (01/01/26 00:00:00)] was not greater than the threshold (30.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
    expect(evaluateAlarm(alarm(), range('- -')).reason).toBe('Insufficient Data: 2 datapoints were unknown.');
  });

  it('reports no change when the state stays the same', () => {
    expect(evaluateAlarm(alarm(), points(40, 50), { currentState: 'ALARM' }).changed).toBe(false);
  });
});
