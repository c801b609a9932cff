import { describe, expect, it } from 'vitest';
import {
  InvalidFilterPolicyError,
  type MessageAttribute,
  matchesFilterPolicy,
  parseFilterPolicy,
} from '../../../sandbox/services/sns/filter-policy';

const str = (value: string): MessageAttribute => ({ DataType: 'String', StringValue: value });
const num = (value: number): MessageAttribute => ({ DataType: 'Number', StringValue: String(value) });

describe('SNS filter policies on message attributes', () => {
  it.each([
    ['exact string match', { kind: ['promoted'] }, { kind: str('promoted') }, true],
    ['exact string mismatch', { kind: ['promoted'] }, { kind: str('paused') }, false],
    ['any of several values', { kind: ['paused', 'promoted'] }, { kind: str('promoted') }, true],
    ['missing attribute', { kind: ['promoted'] }, {}, false],
    ['every key must match', { kind: ['promoted'], region: ['us-east-1'] }, { kind: str('promoted') }, false],
    ['prefix', { kind: [{ prefix: 'roll' }] }, { kind: str('rollback') }, true],
    ['anything-but', { kind: [{ 'anything-but': ['paused'] }] }, { kind: str('paused') }, false],
    ['anything-but other value', { kind: [{ 'anything-but': ['paused'] }] }, { kind: str('promoted') }, true],
    ['exists true', { kind: [{ exists: true }] }, { kind: str('x') }, true],
    ['exists false', { kind: [{ exists: false }] }, {}, true],
    ['numeric range', { step: [{ numeric: ['>=', 2, '<', 5] }] }, { step: num(3) }, true],
    ['numeric out of range', { step: [{ numeric: ['>=', 2, '<', 5] }] }, { step: num(5) }, false],
    ['numeric exact', { step: [3] }, { step: num(3) }, true],
  ])('%s', (_case, policy, attributes, expected) => {
    expect(matchesFilterPolicy(policy, 'MessageAttributes', attributes, '')).toBe(expected);
  });
});

describe('SNS filter policies on the message body', () => {
  it('matches nested keys of a JSON body', () => {
    const policy = { detail: { kind: ['promoted'] } };
    expect(matchesFilterPolicy(policy, 'MessageBody', {}, '{"detail":{"kind":"promoted"}}')).toBe(true);
    expect(matchesFilterPolicy(policy, 'MessageBody', {}, '{"detail":{"kind":"paused"}}')).toBe(false);
    expect(matchesFilterPolicy(policy, 'MessageBody', {}, 'not json')).toBe(false);
  });
});

describe('parseFilterPolicy', () => {
  it.each([['{bad'], ['[]'], ['"text"']])('refuses %s', (text) => {
    expect(() => parseFilterPolicy(text)).toThrow(InvalidFilterPolicyError);
  });
});
