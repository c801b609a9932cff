import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type NotificationEventType,
  notificationFromTransition,
  type RolloutNotification,
} from '../../../shared/notify/notification';
import { MAX_SUBJECT_LENGTH, renderSubject } from '../../../shared/notify/subject';
import { standardPolicy, transitions } from './notify-fixtures';

const policy = standardPolicy();
const steps = transitions(policy);

/** What SNS accepts as a Subject: printable ASCII, one line, under 100 characters, not empty. */
function isValidSubject(subject: string): boolean {
  return (
    subject.length > 0 && subject.length < 100 && /^[\x20-\x7e]+$/.test(subject) && subject.trim() === subject
  );
}

describe('renderSubject', () => {
  it.each([
    ['started', '[STARTED] demo-endpoint: canary at 5%'],
    ['advanced', '[ADVANCED] demo-endpoint: canary at 20%'],
    ['rolledBack', '[ROLLED BACK] demo-endpoint: error-rate 8.0% > 5.0%'],
    ['alarmRollback', '[ROLLED BACK] demo-endpoint: alarm demo-canary-5xx in ALARM'],
    ['promoted', '[PROMOTED] demo-endpoint'],
    ['aborted', '[ABORTED] demo-endpoint'],
    ['paused', '[PAUSED] demo-endpoint'],
    ['inconclusive', '[INCONCLUSIVE] demo-endpoint'],
  ])('summarises a %s notification as %s...', (key, prefix) => {
    const n = notificationFromTransition({ policy, ...steps[key]!, source: 'tick' });
    const subject = renderSubject(n);
    expect(subject.startsWith(prefix)).toBe(true);
    expect(isValidSubject(subject)).toBe(true);
  });

  it('keeps a long, non-ASCII, multi-line reason to one short ASCII line', () => {
    const n = notificationFromTransition({ policy, ...steps.aborted!, source: 'operator' });
    const subject = renderSubject({
      ...n,
      endpointName: 'modèle-de-détection-de-fraude-très-long-nom-qui-ne-finit-jamais-vraiment',
      reason: `abandon\n\tcar 🚨 le modèle — ${'x'.repeat(300)}`,
    });
    expect(isValidSubject(subject)).toBe(true);
    expect(subject.startsWith('[ABORTED] modele-de-detection')).toBe(true);
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
  });

  it('is always a valid SNS subject, whatever the notification holds', () => {
    const base = notificationFromTransition({ policy, ...steps.rolledBack!, source: 'tick' });
    const eventTypes: NotificationEventType[] = [
      'rollout.started',
      'rollout.advanced',
      'rollout.held',
      'rollout.inconclusive',
      'rollout.paused',
      'rollout.resumed',
      'rollout.promoted',
      'rollout.rollback-staged',
      'rollout.rollback-requested',
      'rollout.rolled-back',
      'rollout.aborted',
      'rollout.alert',
    ];
    const metric = fc.record({
      name: fc.string({ maxLength: 80 }),
      type: fc.constantFrom('errorRate', 'latency', 'custom'),
      verdict: fc.constantFrom('pass', 'fail', 'inconclusive'),
      canary: fc.option(fc.double(), { nil: null }),
      baseline: fc.option(fc.double(), { nil: null }),
      limit: fc.option(fc.double(), { nil: null }),
      consecutiveFailures: fc.nat(),
      reason: fc.string(),
    });
    fc.assert(
      fc.property(
        fc.record({
          eventType: fc.oneof(fc.constantFrom(...eventTypes), fc.string()),
          endpointName: fc.oneof(
            fc.string({ maxLength: 300 }),
            fc.string({ unit: 'binary', maxLength: 100 }),
          ),
          reason: fc.oneof(fc.string({ maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 300 })),
          canary: fc.integer({ min: -5, max: 105 }),
          metrics: fc.array(metric, { maxLength: 4 }),
        }),
        (input) => {
          const n = {
            ...base,
            eventType: input.eventType,
            endpointName: input.endpointName,
            reason: input.reason,
            weights: { primary: 100 - input.canary, canary: input.canary },
            evidence: { ...base.evidence!, metrics: input.metrics },
          } as RolloutNotification;
          expect(isValidSubject(renderSubject(n))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
