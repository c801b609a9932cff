import { describe, expect, it } from 'vitest';
import { notificationFromTransition } from '../../../shared/notify/notification';
import { SEVERITY_COLOR, SUPERSEDED_COLOR } from '../../../shared/notify/render-slack';
import { renderThreadCard, renderThreadReply } from '../../../shared/notify/render-slack-thread';
import { standardPolicy, transitions } from './notify-fixtures';

const policy = standardPolicy();
const steps = transitions(policy);
const announce = (key: string, version: number) => ({
  ...notificationFromTransition({ policy, ...steps[key]!, source: 'tick' }),
  notificationId: `r-1#${version}#0`,
  rolloutVersion: version,
});

describe('renderThreadCard', () => {
  it('shows the phase and step, the split, and the last decision with its number and why', () => {
    const card = renderThreadCard(announce('advanced', 4));
    const all = JSON.stringify(card.attachments[0]!.blocks);
    expect(card.version).toBe(4);
    expect(all).toContain('Rollout of demo-endpoint (us-east-1)');
    expect(all).toContain('*Phase*\\nPaused (step 4/6)');
    expect(all).toContain('*Traffic*\\nprimary 80% / canary 20%');
    expect(all).toContain('*Last decision*\\n#4 advanced');
    expect(all).toContain('*Why*');
    expect(card.text).toContain('demo-endpoint: Paused (step 4/6), primary 80% / canary 20%');
    expect(card.text).toContain('Last decision #4 advanced');
  });

  it('colours the card by its last decision: red once rolled back, green while it progresses', () => {
    expect(renderThreadCard(announce('rolledBack', 3)).attachments[0]!.color).toBe(SEVERITY_COLOR.critical);
    expect(renderThreadCard(announce('started', 1)).attachments[0]!.color).toBe(SEVERITY_COLOR.info);
    const rolledBack = JSON.stringify(renderThreadCard(announce('rolledBack', 3)).attachments[0]!.blocks);
    expect(rolledBack).toContain('*Phase*\\nRolledBack');
    expect(rolledBack).toContain('primary 100% / canary 0%');
  });

  it('shortens a long reason on the card (the reply carries it whole) and escapes mrkdwn', () => {
    const n = { ...announce('held', 2), reason: `<b>&${'x'.repeat(2000)}` };
    const why = JSON.stringify(renderThreadCard(n).attachments[0]!.blocks[2]);
    expect(why.length).toBeLessThan(800);
    expect(why).toContain('&lt;b&gt;&amp;');
    expect(JSON.stringify(renderThreadReply(n).attachments)).toContain('x'.repeat(1500));
  });
});

describe('renderThreadReply', () => {
  it.each([
    ['rolledBack', true],
    ['alarmRollback', true],
    ['advanced', false],
    ['paused', false],
    ['promoted', false],
  ])('a %s decision is broadcast to the channel: %s', (key, broadcast) => {
    expect(renderThreadReply(announce(key, 2)).broadcast).toBe(broadcast);
  });

  it('is the full decision message: numbers, verdicts, what happens next and how to intervene', () => {
    const all = JSON.stringify(renderThreadReply(announce('rolledBack', 3)).attachments[0]!.blocks);
    expect(all).toContain(':x: *error-rate* fail');
    expect(all).toContain('What happens next');
    expect(all).toContain('How to intervene');
  });

  it('reads as an earlier decision, greyed, when a later one is already on the card', () => {
    const reply = renderThreadReply({
      ...announce('held', 2),
      current: { version: 3, phase: 'RolledBack', canaryWeight: 0 },
    });
    expect(reply.attachments[0]!.color).toBe(SUPERSEDED_COLOR);
    expect(JSON.stringify(reply.attachments[0]!.blocks)).toContain('Earlier decision #2');
  });
});
