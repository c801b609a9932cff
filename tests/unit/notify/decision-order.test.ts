import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNotificationMessage } from '../../../shared/events/notification-message';
import { notificationFromTransition, type RolloutNotification } from '../../../shared/notify/notification';
import { renderEmail } from '../../../shared/notify/render-email';
import { renderSlack, SEVERITY_COLOR, SUPERSEDED_COLOR } from '../../../shared/notify/render-slack';
import { MAX_SUBJECT_LENGTH, renderSubject } from '../../../shared/notify/subject';
import { standardPolicy, transitions } from './notify-fixtures';

// Issue 9, reproduction 3: a tick's "advanced to 20 %" delivered after an alarm's "rolled back"
// read as the current state. Each message now carries its decision number, and one that a later
// decision overtook says so and says where the rollout is now.

const policy = standardPolicy();
const steps = transitions(policy);
const advanced = notificationFromTransition({ policy, ...steps.advanced!, source: 'tick' });
const rolledBack = notificationFromTransition({ policy, ...steps.rolledBack!, source: 'alarm' });

/** The advance (decision 7) published after the rollback (decision 8) was committed. */
const overtakenAdvance: RolloutNotification = {
  ...advanced,
  notificationId: 'demo-endpoint#7#0',
  rolloutVersion: 7,
  current: { version: 8, phase: 'RolledBack', canaryWeight: 0 },
};
/** The rollback itself, the latest decision. */
const latestRollback: RolloutNotification = {
  ...rolledBack,
  notificationId: 'demo-endpoint#8#0',
  rolloutVersion: 8,
  current: { version: 8, phase: 'RolledBack', canaryWeight: 0 },
};

const slackText = (n: RolloutNotification) => JSON.stringify(renderSlack(n));
const header = (n: RolloutNotification) =>
  (renderSlack(n).attachments[0]!.blocks[0] as { text: { text: string } }).text.text;

describe('messages of one rollout, in decision order', () => {
  it('heads an overtaken decision as earlier and states where the rollout is now', () => {
    expect(renderSubject(overtakenAdvance)).toBe(
      '[EARLIER #7 ADVANCED] demo-endpoint: now RolledBack, canary 0% (#8)',
    );
    expect(header(overtakenAdvance)).toBe(renderSubject(overtakenAdvance));
    expect(renderEmail(overtakenAdvance).split('\n').slice(0, 2)).toEqual([
      'EARLIER DECISION #7, NOT THE CURRENT STATE',
      'Decision #8 came after it: demo-endpoint is now RolledBack, canary 0%.',
    ]);
  });

  it('never presents an overtaken decision as the current state', () => {
    const slack = renderSlack(overtakenAdvance);
    const email = renderEmail(overtakenAdvance);
    expect(slack.attachments[0]!.color).toBe(SUPERSEDED_COLOR);
    expect(slack.text.startsWith('[EARLIER #7 ADVANCED]')).toBe(true);
    expect(slackText(overtakenAdvance)).toContain('*Phase (then)*');
    expect(slackText(overtakenAdvance)).toContain('*Traffic (then)*');
    expect(email).toContain('  Phase:     Paused (step 4 of 6) (then)');
    // Its "next" and its commands (pause, promote...) belong to a state that is gone.
    for (const text of [slackText(overtakenAdvance), email]) {
      expect(text).toContain('See decision #8, the latest, for what happens next.');
      expect(text).not.toContain(advanced.next);
      expect(text).not.toContain('rollout-watchdog promote');
    }
  });

  it('shows the decision number on every message, and the latest one as news', () => {
    expect(renderSubject(latestRollback)).toBe('[ROLLED BACK #8] demo-endpoint: error-rate 8.0% > 5.0%');
    expect(slackText(latestRollback)).toContain('*Decision*\\n#8');
    expect(renderSlack(latestRollback).attachments[0]!.color).toBe(SEVERITY_COLOR.critical);
    expect(renderEmail(latestRollback)).toContain('  Decision:  #8\n');
    expect(renderEmail(latestRollback)).toContain('HOW TO INTERVENE');
    expect(renderEmail(latestRollback)).not.toContain('EARLIER');
  });

  it('tells the overtaken decision apart in the Slack fields and the email by its number and the latest', () => {
    expect(slackText(overtakenAdvance)).toContain('*Decision*\\n#7 (latest #8)');
    expect(renderEmail(overtakenAdvance)).toContain('  Decision:  #7 (the latest is #8)');
  });

  it.each([
    ['without the ordering fields (an older publisher)', advanced],
    ['whose current version is its own', { ...advanced, rolloutVersion: 8, current: latestRollback.current }],
  ])('renders a message %s as news', (_label, n: RolloutNotification) => {
    expect(renderSubject(n).startsWith('[ADVANCED')).toBe(true);
    expect(renderEmail(n)).toContain(advanced.next);
    expect(slackText(n)).toContain('How to intervene');
  });

  it('renders a message from an older publisher exactly as before the ordering fields existed', () => {
    expect(renderSubject(advanced)).toBe('[ADVANCED] demo-endpoint: canary at 20%');
    expect(renderEmail(advanced)).not.toContain('Decision:');
    expect(slackText(advanced)).not.toContain('*Decision*');
  });

  it('keeps an overtaken decision within the SNS subject limit and keeps the "now" part', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 300 }),
        fc.nat({ max: 2 ** 40 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (endpointName, version, ahead) => {
          const subject = renderSubject({
            ...overtakenAdvance,
            endpointName,
            rolloutVersion: version,
            current: { version: version + ahead, phase: 'Aborted', canaryWeight: 100 },
          });
          expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
          expect(/^[\x20-\x7e]+$/.test(subject)).toBe(true);
          expect(subject).toContain(`now Aborted, canary 100% (#${version + ahead})`);
        },
      ),
    );
  });
});

describe('parsing the ordering fields', () => {
  const parse = (fields: Record<string, unknown>) => {
    const parsed = parseNotificationMessage(JSON.stringify({ ...advanced, ...fields }));
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.notification;
  };

  it('reads the decision number, the notification id and where the rollout stands', () => {
    const n = parse({
      notificationId: 'demo-endpoint#7#0',
      rolloutVersion: 7,
      current: { version: 8, phase: 'RolledBack', canaryWeight: 0 },
    });
    expect(n).toMatchObject({
      notificationId: 'demo-endpoint#7#0',
      rolloutVersion: 7,
      current: { version: 8, phase: 'RolledBack', canaryWeight: 0 },
    });
  });

  it.each([
    ['a negative decision number', { rolloutVersion: -1 }, 'rolloutVersion'],
    ['a fractional decision number', { rolloutVersion: 7.5 }, 'rolloutVersion'],
    ['a decision number in a string', { rolloutVersion: '7' }, 'rolloutVersion'],
    ['an empty notification id', { notificationId: '  ' }, 'notificationId'],
    ['a numeric notification id', { notificationId: 7 }, 'notificationId'],
    ['an unknown phase', { current: { version: 8, phase: 'Exploded', canaryWeight: 0 } }, 'current'],
    ['a weight above 100', { current: { version: 8, phase: 'Paused', canaryWeight: 120 } }, 'current'],
    ['no weight', { current: { version: 8, phase: 'Paused' } }, 'current'],
    ['a current that is a list', { current: [8, 'Paused', 0] }, 'current'],
  ])('drops %s and keeps the message', (_label, fields, key) => {
    const n = parse(fields);
    expect((n as unknown as Record<string, unknown>)[key]).toBeUndefined();
    expect(n.reason).toBe(advanced.reason);
  });

  it('never refuses a notification over its ordering fields, whatever they hold', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (notificationId, rolloutVersion, current) => {
        const parsed = parseNotificationMessage(
          JSON.stringify({ ...advanced, notificationId, rolloutVersion, current }),
        );
        expect(parsed.ok).toBe(true);
        if (parsed.ok)
          expect(() => renderSlack(parsed.notification) && renderEmail(parsed.notification)).not.toThrow();
      }),
    );
  });
});
