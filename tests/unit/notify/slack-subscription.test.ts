import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { matchesFilterPolicy, type MessageAttribute } from '../../../sandbox/services/sns/filter-policy';
import { SLACK_FILTER_POLICY } from '../../../shared/aws/notification-publisher';

const config = parse(
  readFileSync(join(import.meta.dirname, '../../../functions/slack-notifier.yml'), 'utf8'),
) as {
  slackNotifier: {
    maximumRetryAttempts?: number;
    destinations?: { onFailure?: { type: string } };
    events: Array<{ sns?: { filterPolicy?: unknown; filterPolicyScope?: string; redrivePolicy?: unknown } }>;
  };
};
const subscription = config.slackNotifier.events.find((e) => e.sns)!.sns!;

const attributes = (audience?: string): Record<string, MessageAttribute> => ({
  eventType: { DataType: 'String', StringValue: 'rollout.rolled-back' },
  ...(audience ? { audience: { DataType: 'String', StringValue: audience } } : {}),
});

describe('the Slack subscription and the function config that keep messages', () => {
  it('filters with the policy the notifier publishes its email-only alert against', () => {
    expect(subscription.filterPolicy).toEqual(SLACK_FILTER_POLICY);
    expect(subscription.filterPolicyScope).toBe('MessageAttributes');
  });

  it.each([
    ['a decision (no audience attribute)', undefined, true],
    ['a CloudWatch alarm action (no attributes at all)', 'none', true],
    ["the notifier's own email-only alert", 'email-only', false],
    ['a message for another audience', 'everyone', true],
  ])('lets %s through to the notifier: %s', (_label, audience, delivered) => {
    const attrs = audience === 'none' ? {} : attributes(audience);
    expect(matchesFilterPolicy(SLACK_FILTER_POLICY, 'MessageAttributes', attrs, '{}')).toBe(delivered);
  });

  it('retries a failed invocation, then keeps it on the failure queue; SNS keeps what it could not hand over', () => {
    expect(config.slackNotifier.maximumRetryAttempts).toBeGreaterThanOrEqual(1);
    expect(config.slackNotifier.destinations?.onFailure?.type).toBe('sqs');
    expect(subscription.redrivePolicy).toEqual({ deadLetterTargetRef: 'NotificationDeadLetterQueue' });
  });
});
