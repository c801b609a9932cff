import { describe, expect, it } from 'vitest';
import {
  type AlertKind,
  API_URL_PLACEHOLDER,
  alertNotification,
  notificationFromTransition,
} from '../../../shared/notify/notification';
import { standardPolicy, T0, transitions } from './notify-fixtures';

const policy = standardPolicy();
const steps = transitions(policy);

describe('notificationFromTransition', () => {
  it.each([
    ['started', 'rollout.started', 'info', 'Progressing'],
    ['advanced', 'rollout.advanced', 'info', 'Paused'],
    ['resumedPastManualPause', 'rollout.resumed', 'info', 'Progressing'],
    ['held', 'rollout.held', 'info', 'Progressing'],
    ['rolledBack', 'rollout.rolled-back', 'critical', 'RolledBack'],
    ['alarmRollback', 'rollout.rolled-back', 'critical', 'RolledBack'],
    ['inconclusive', 'rollout.inconclusive', 'warning', 'Paused'],
    ['paused', 'rollout.paused', 'warning', 'Paused'],
    ['resumed', 'rollout.resumed', 'info', 'Progressing'],
    ['promoted', 'rollout.promoted', 'info', 'Promoted'],
    ['aborted', 'rollout.aborted', 'warning', 'Aborted'],
    ['operatorRollback', 'rollout.rolled-back', 'critical', 'RolledBack'],
  ])('names a %s transition %s with severity %s', (key, eventType, severity, phase) => {
    const step = steps[key];
    expect(step, `fixture ${key}`).toBeDefined();
    const n = notificationFromTransition({
      policy,
      before: step!.before,
      transition: step!.transition,
      source: 'tick',
    });
    expect(n).toMatchObject({
      eventType,
      severity,
      phase,
      endpointName: 'demo-endpoint',
      region: 'us-east-1',
    });
    expect(n.weights.primary! + n.weights.canary!).toBe(100);
    expect(n.next.length).toBeGreaterThan(10);
    expect(n.intervene.length).toBeGreaterThan(0);
  });

  it('records the weights before and after when traffic moved', () => {
    const n = notificationFromTransition({ policy, ...steps.rolledBack!, source: 'tick' });
    expect(n.previousWeights).toEqual({ primary: 95, canary: 5 });
    expect(n.weights).toEqual({ primary: 100, canary: 0 });
  });

  it('tells what happens next from the policy steps', () => {
    const n = notificationFromTransition({ policy, ...steps.started!, source: 'operator' });
    expect(n.next).toContain('5%');
    expect(n.next).toContain('2026-01-01T00:10:00.000Z');
    expect(n.next).toContain('moved to 20%');
  });

  it('lists the regions to sync on promotion', () => {
    const n = notificationFromTransition({
      policy,
      ...steps.promoted!,
      source: 'operator',
      actor: 'arn:aws:iam::1:user/ana',
    });
    expect(n.regions).toEqual([{ region: 'us-west-2', endpointName: 'demo-endpoint-dr' }]);
    expect(n.next).toContain('demo-endpoint-dr (us-west-2)');
    expect(n.actor).toBe('arn:aws:iam::1:user/ana');
  });

  it('uses the event time it is given', () => {
    const n = notificationFromTransition({
      policy,
      ...steps.alarmRollback!,
      source: 'alarm',
      now: T0 + 90_000,
    });
    expect(n.time).toBe('2026-01-01T00:01:30.000Z');
  });

  it.each([
    ['Progressing', 'started', ['pause', 'rollback', 'promote']],
    ['Paused', 'paused', ['resume', 'promote', 'rollback', 'abort']],
    ['Paused at a manual step', 'advanced', ['resume', 'promote']],
    ['RolledBack', 'rolledBack', ['history', 'start']],
  ])('offers the commands that fit %s', (_phase, key, verbs) => {
    const n = notificationFromTransition({ policy, ...steps[key]!, source: 'tick' });
    for (const verb of verbs) {
      expect(n.intervene.some((c) => c.startsWith(`rollout-watchdog ${verb} `))).toBe(true);
    }
    expect(n.intervene.join('\n')).toContain(API_URL_PLACEHOLDER);
  });
});

describe('alertNotification', () => {
  it.each<[AlertKind, string]>([
    ['drift', 'warning'],
    ['missing-variant', 'critical'],
    ['invalid-policy', 'warning'],
    ['missing-policy', 'warning'],
    ['endpoint-failed', 'critical'],
    ['endpoint-missing', 'critical'],
  ])('raises a %s alert with severity %s', (kind, severity) => {
    const n = alertNotification({
      kind,
      endpointName: 'demo-endpoint',
      region: 'us-east-1',
      now: T0,
      reason: 'something a person must see',
      policy,
      state: steps.started!.transition.state,
    });
    expect(n).toMatchObject({ eventType: 'rollout.alert', action: 'alert', severity, alertKind: kind });
    expect(n.time).toBe('2026-01-01T00:00:00.000Z');
    expect(n.next.length).toBeGreaterThan(10);
  });

  it('carries the problems of an invalid policy and how to fix it', () => {
    const n = alertNotification({
      kind: 'invalid-policy',
      endpointName: 'demo-endpoint',
      region: 'us-east-1',
      now: T0,
      reason: 'stored policy is invalid; the last good one stays in force',
      problems: ['strategy.canary.steps[2].setWeight: must be between 0 and 100'],
    });
    expect(n.problems).toEqual(['strategy.canary.steps[2].setWeight: must be between 0 and 100']);
    expect(n.intervene.join('\n')).toContain('aws ssm put-parameter');
  });
});
