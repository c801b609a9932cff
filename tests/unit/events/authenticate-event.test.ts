import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authenticateAlarmEvent,
  authenticateTickEvent,
  SCHEDULED_EVENT_CLOCK_TOLERANCE_MS,
} from '../../../shared/events/authenticate-event';
import type { FunctionIdentity } from '../../../shared/events/function-identity';

const OWN: FunctionIdentity = { partition: 'aws', region: 'us-east-1', account: '123456789012' };
const FOREIGN = '999988887777';
const RULE = 'arn:aws:events:us-east-1:123456789012:rule/rollout-watchdog-prod-canary-tick';
const NOW = Date.parse('2026-03-01T10:00:00Z');

function alarmEvent(top: Record<string, unknown> = {}, alarmName = 'fraud-canary-5xx') {
  return {
    version: '0',
    id: 'e1',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: OWN.account,
    time: '2026-03-01T10:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:${OWN.account}:alarm:${alarmName}`],
    detail: { alarmName, state: { value: 'ALARM', timestamp: '2026-03-01T10:00:00.000+0000' } },
    ...top,
  };
}

function tickEvent(top: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 't1',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: OWN.account,
    time: '2026-03-01T10:00:00Z',
    region: 'us-east-1',
    resources: [RULE],
    detail: {},
    ...top,
  };
}

describe('authenticateAlarmEvent', () => {
  it('accepts an alarm state change of this account, its ARN naming the alarm in the event region', () => {
    expect(authenticateAlarmEvent(alarmEvent(), OWN)).toEqual({ ok: true });
  });

  it('accepts an alarm whose name holds spaces and colons', () => {
    expect(authenticateAlarmEvent(alarmEvent({}, 'Canary 5xx: fraud'), OWN)).toEqual({ ok: true });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an event from another account', { account: FOREIGN }, 'foreign-account'],
    [
      'an alarm ARN of another account',
      { resources: [`arn:aws:cloudwatch:us-east-1:${FOREIGN}:alarm:fraud-canary-5xx`] },
      'foreign-alarm',
    ],
    [
      'an alarm ARN of another region than the event',
      { resources: [`arn:aws:cloudwatch:eu-west-1:${OWN.account}:alarm:fraud-canary-5xx`] },
      'foreign-region',
    ],
    [
      'an alarm ARN naming another alarm',
      { resources: [`arn:aws:cloudwatch:us-east-1:${OWN.account}:alarm:other`] },
      'foreign-alarm',
    ],
    ['no alarm ARN', { resources: [] }, 'foreign-alarm'],
    ['two ARNs', { resources: [alarmEvent().resources[0], alarmEvent().resources[0]] }, 'foreign-alarm'],
    [
      'a non-CloudWatch ARN',
      { resources: [`arn:aws:sns:us-east-1:${OWN.account}:alarm:x`] },
      'foreign-alarm',
    ],
    ['another source', { source: 'custom.forger' }, 'wrong-source'],
    ['another detail-type', { 'detail-type': 'CloudWatch Alarm Configuration Change' }, 'wrong-detail-type'],
    ['a scheduled event', tickEvent(), 'wrong-source'],
  ])('refuses %s', (_label, top, refusal) => {
    expect(authenticateAlarmEvent(alarmEvent(top), OWN)).toMatchObject({ ok: false, refusal });
  });

  it('refuses every event when the function does not know its own account', () => {
    expect(authenticateAlarmEvent(alarmEvent(), undefined)).toMatchObject({
      ok: false,
      refusal: 'unknown-identity',
    });
  });

  it('says why in words that carry none of the event', () => {
    const check = authenticateAlarmEvent(
      alarmEvent({ account: 'https://hooks.slack.com/services/T/B/x' }),
      OWN,
    );
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.why).not.toContain('hooks.slack.com');
  });

  it('never throws and never accepts an event of another account', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (resources, detail) => {
        const check = authenticateAlarmEvent(alarmEvent({ account: FOREIGN, resources, detail }), OWN);
        expect(check.ok).toBe(false);
      }),
    );
  });
});

describe('authenticateTickEvent', () => {
  const options = { ruleArn: RULE, wallClock: NOW };

  it('accepts the Scheduled Event of its own rule at the wall clock', () => {
    expect(authenticateTickEvent(tickEvent(), OWN, options)).toEqual({ ok: true });
  });

  it.each<[string, unknown, string]>([
    ['a bare { time }', { time: '2026-03-01T10:00:00Z' }, 'wrong-source'],
    ['an alarm-shaped event', alarmEvent(), 'wrong-source'],
    [
      'an SNS-shaped event',
      { Records: [{ EventSource: 'aws:sns', Sns: { Message: '{}' } }], time: '2026-03-01T10:00:00Z' },
      'wrong-source',
    ],
    ['null', null, 'not-an-event'],
    ['a string', 'tick', 'not-an-event'],
    ['another rule of the account', tickEvent({ resources: [`${RULE}-other`] }), 'not-own-rule'],
    ['its rule and another', tickEvent({ resources: [RULE, `${RULE}-other`] }), 'not-own-rule'],
    ['no resources', tickEvent({ resources: undefined }), 'not-own-rule'],
    ['another account', tickEvent({ account: FOREIGN }), 'foreign-account'],
    ['another region', tickEvent({ region: 'eu-west-1' }), 'foreign-region'],
    ['a time that is no time', tickEvent({ time: 'soon' }), 'invalid-time'],
    ['a tick 24 h ahead', tickEvent({ time: '2026-03-02T10:00:00Z' }), 'time-far-from-clock'],
    ['a tick 48 h ahead', tickEvent({ time: '2026-03-03T10:00:00Z' }), 'time-far-from-clock'],
    ['a replayed tick from an hour ago', tickEvent({ time: '2026-03-01T09:00:00Z' }), 'time-far-from-clock'],
  ])('refuses %s', (_label, event, refusal) => {
    expect(authenticateTickEvent(event, OWN, options)).toMatchObject({ ok: false, refusal });
  });

  it.each([
    ['just inside the tolerance ahead', SCHEDULED_EVENT_CLOCK_TOLERANCE_MS, true],
    ['just inside the tolerance behind', -SCHEDULED_EVENT_CLOCK_TOLERANCE_MS, true],
    ['a second past the tolerance', SCHEDULED_EVENT_CLOCK_TOLERANCE_MS + 1000, false],
  ])('judges a time %s', (_label, offset, ok) => {
    const time = new Date(NOW + offset).toISOString();
    expect(authenticateTickEvent(tickEvent({ time }), OWN, options).ok).toBe(ok);
  });

  it('skips the clock check where time is simulated (no wall clock given)', () => {
    const event = tickEvent({ time: '2031-01-01T00:00:00Z' });
    expect(authenticateTickEvent(event, OWN, { ruleArn: RULE })).toEqual({ ok: true });
  });

  it('refuses every event when its own rule is not configured', () => {
    expect(authenticateTickEvent(tickEvent(), OWN, { ruleArn: undefined })).toMatchObject({
      ok: false,
      refusal: 'no-rule-configured',
    });
  });

  it('accepts only events that name its own rule, whatever else they carry', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('source', 'detail-type', 'account', 'region', 'resources', 'time'),
          fc.anything(),
        ),
        (top) => {
          const event = tickEvent(top);
          const check = authenticateTickEvent(event, OWN, { ruleArn: RULE });
          if (check.ok) {
            expect(event.resources).toEqual([RULE]);
            expect(event.account).toBe(OWN.account);
            expect(event.source).toBe('aws.events');
          }
        },
      ),
    );
  });
});
