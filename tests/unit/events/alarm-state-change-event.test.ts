import { describe, expect, it } from 'vitest';
import { parseAlarmStateChangeEvent, parseReasonData } from '../../../shared/events/alarm-state-change-event';

const event = (detail: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e1',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2026-01-01T00:05:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:My Alarm'],
  detail: {
    alarmName: 'My Alarm',
    state: {
      value: 'ALARM',
      reason: 'r',
      reasonData: '{"version":"1.0"}',
      timestamp: '2026-01-01T00:05:00.000+0000',
    },
    previousState: { value: 'OK', reason: 'r', timestamp: '2026-01-01T00:00:00.000+0000' },
    configuration: { metrics: [] },
    ...detail,
  },
  ...top,
});

describe('parseAlarmStateChangeEvent', () => {
  it.each<[string, unknown]>([
    ['a metric alarm whose name has spaces', event()],
    ['a composite alarm with only alarmRule', event({ configuration: { alarmRule: 'ALARM(a)' } })],
    [
      'newer optional fields (muteDetail, alarmTags)',
      event({ muteDetail: { x: 1 }, alarmTags: { team: 'ml' } }),
    ],
    [
      'a state without reasonData',
      event({ state: { value: 'INSUFFICIENT_DATA', reason: 'r', timestamp: '2026-01-01T00:05:00Z' } }),
    ],
  ])('accepts %s', (_label, input) => {
    const parsed = parseAlarmStateChangeEvent(input);
    expect(parsed.ok).toBe(true);
  });

  it('keeps unknown fields (passthrough)', () => {
    const parsed = parseAlarmStateChangeEvent(event({ alarmTags: { team: 'ml' } }));
    expect(parsed.ok && (parsed.event.detail as Record<string, unknown>).alarmTags).toEqual({ team: 'ml' });
  });

  it.each<[string, unknown]>([
    [
      'another detail-type of the same source',
      event({}, { 'detail-type': 'CloudWatch Alarm Configuration Change' }),
    ],
    ['another source', event({}, { source: 'aws.events' })],
    ['a string', 'hello'],
    ['null', null],
  ])('calls %s foreign', (_label, input) => {
    const parsed = parseAlarmStateChangeEvent(input);
    expect(parsed.ok ? 'ok' : parsed.kind).toBe('foreign');
  });

  it.each<[string, unknown]>([
    ['an unknown state value', event({ state: { value: 'MAYBE', timestamp: '2026-01-01T00:05:00Z' } })],
    ['a missing alarm name', event({ alarmName: '' })],
    ['a bad timestamp', event({ state: { value: 'ALARM', timestamp: 'yesterday' } })],
    ['no detail', { ...event(), detail: undefined }],
  ])('calls %s malformed, listing the problems', (_label, input) => {
    const parsed = parseAlarmStateChangeEvent(input);
    expect(parsed.ok ? 'ok' : parsed.kind).toBe('malformed');
    expect(parsed.ok ? [] : parsed.problems.length).toBeGreaterThan(0);
  });
});

describe('parseReasonData', () => {
  it.each<[string, string | undefined, unknown]>([
    ['a JSON object', '{"threshold":30}', { threshold: 30 }],
    ['missing', undefined, undefined],
    ['not JSON', '{oops', undefined],
    ['a JSON array', '[1]', undefined],
  ])('reads %s defensively', (_label, input, expected) => {
    expect(parseReasonData(input)).toEqual(expected);
  });
});
