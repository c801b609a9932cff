import { describe, expect, it } from 'vitest';
import { alertNotification, notificationFromTransition } from '../../../shared/notify/notification';
import { renderSlack, SEVERITY_COLOR } from '../../../shared/notify/render-slack';
import { standardPolicy, T0, transitions } from './notify-fixtures';

const policy = standardPolicy();
const steps = transitions(policy);

describe('renderSlack', () => {
  it.each([
    ['started', SEVERITY_COLOR.info, '[STARTED]'],
    ['advanced', SEVERITY_COLOR.info, '[ADVANCED]'],
    ['rolledBack', SEVERITY_COLOR.critical, '[ROLLED BACK]'],
    ['inconclusive', SEVERITY_COLOR.warning, '[INCONCLUSIVE]'],
    ['paused', SEVERITY_COLOR.warning, '[PAUSED]'],
    ['promoted', SEVERITY_COLOR.info, '[PROMOTED]'],
    ['aborted', SEVERITY_COLOR.warning, '[ABORTED]'],
  ])('colours a %s message %s and heads it %s', (key, color, tag) => {
    const payload = renderSlack(notificationFromTransition({ policy, ...steps[key]!, source: 'tick' }));
    const attachment = payload.attachments[0]!;
    expect(attachment.color).toBe(color);
    expect(attachment.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect((attachment.blocks[0] as { text: { text: string } }).text.text.startsWith(tag)).toBe(true);
    expect(payload.text.startsWith(tag)).toBe(true);
    const all = JSON.stringify(attachment.blocks);
    expect(all).toContain('What happens next');
    expect(all).toContain('How to intervene');
  });

  it('carries the same facts as the email: endpoint, traffic, per-variant numbers and verdicts', () => {
    const payload = renderSlack(notificationFromTransition({ policy, ...steps.rolledBack!, source: 'tick' }));
    const all = JSON.stringify(payload.attachments[0]!.blocks);
    expect(all).toContain('demo-endpoint (us-east-1)');
    expect(all).toContain('primary 95% / canary 5% → primary 100% / canary 0%');
    expect(all).toContain('*primary (baseline)*: 5,700 req, 0.1% 5xx, p99 160 ms');
    expect(all).toContain('*canary*: 300 req, 8.0% 5xx, p99 150 ms');
    expect(all).toContain(':x: *error-rate* fail: canary 8.0%, baseline 0.1%, limit 5.0%');
  });

  it('escapes Slack control characters and keeps sections under Slack limits', () => {
    const n = alertNotification({
      kind: 'invalid-policy',
      endpointName: 'demo-endpoint',
      region: 'us-east-1',
      now: T0,
      reason: `<!channel> & friends ${'y'.repeat(5000)}`,
      problems: Array.from(
        { length: 400 },
        (_, i) => `strategy.canary.steps[${i}].setWeight: must be between 0 and 100`,
      ),
    });
    const payload = renderSlack(n);
    const blocks = payload.attachments[0]!.blocks;
    const all = JSON.stringify(blocks.filter((b) => b.type !== 'header'));
    expect(all).not.toContain('<!channel>');
    expect(payload.text).not.toContain('<!channel>');
    expect(all).toContain('&lt;!channel&gt; &amp; friends');
    for (const block of blocks) {
      if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
      if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(150);
    }
    expect(payload.text.length).toBeLessThanOrEqual(3000);
  });
});
