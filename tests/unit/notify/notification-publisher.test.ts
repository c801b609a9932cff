import type { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import {
  buildSnsMessage,
  NotificationPublisher,
  SNS_MAX_MESSAGE_BYTES,
} from '../../../shared/aws/notification-publisher';
import { notificationFromTransition, type RolloutNotification } from '../../../shared/notify/notification';
import { standardPolicy, transitions } from './notify-fixtures';

const policy = standardPolicy();
const notification = notificationFromTransition({
  policy,
  ...transitions(policy).rolledBack!,
  source: 'tick',
});

function fakeSns(behaviour: 'ok' | 'throw') {
  const inputs: Array<Record<string, unknown>> = [];
  const client = {
    send: async (command: { input: Record<string, unknown> }) => {
      inputs.push(command.input);
      if (behaviour === 'throw')
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return { MessageId: 'mid-1' };
    },
  } as unknown as SNSClient;
  return { client, inputs };
}

describe('NotificationPublisher', () => {
  it('publishes one message per protocol with filterable attributes', async () => {
    const sns = fakeSns('ok');
    const result = await new NotificationPublisher(sns.client, 'arn:aws:sns:us-east-1:1:t').publish(
      notification,
    );
    expect(result).toEqual({ ok: true, messageId: 'mid-1' });
    const input = sns.inputs[0]!;
    expect(input).toMatchObject({
      TopicArn: 'arn:aws:sns:us-east-1:1:t',
      MessageStructure: 'json',
      Subject: '[ROLLED BACK] demo-endpoint: error-rate 8.0% > 5.0%',
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'rollout.rolled-back' },
        severity: { DataType: 'String', StringValue: 'critical' },
        endpoint: { DataType: 'String', StringValue: 'demo-endpoint' },
      },
    });
    const body = JSON.parse(String(input.Message));
    expect(Object.keys(body).sort()).toEqual(['default', 'email', 'lambda']);
    expect(body.email).toContain('THE NUMBERS');
    expect(JSON.parse(body.lambda)).toEqual(notification);
  });

  it('reports an SNS failure as a value and never throws', async () => {
    const sns = fakeSns('throw');
    const result = await new NotificationPublisher(sns.client, 'arn:t').publish(notification);
    expect(result).toEqual({ ok: false, error: 'ThrottlingException: Rate exceeded' });
  });
});

describe('buildSnsMessage', () => {
  it('drops evidence detail first to fit under the SNS size limit', () => {
    const huge: RolloutNotification = {
      ...notification,
      evidence: {
        ...notification.evidence!,
        metrics: Array.from({ length: 300 }, (_, i) => ({
          ...notification.evidence!.metrics[0]!,
          name: `m${i}`,
          reason: 'r'.repeat(1_000),
        })),
      },
    };
    const message = buildSnsMessage(huge);
    expect(Buffer.byteLength(message)).toBeLessThan(SNS_MAX_MESSAGE_BYTES);
    const lambda = JSON.parse(JSON.parse(message).lambda) as RolloutNotification;
    expect(lambda.reason).toBe(notification.reason);
  });

  it('cuts the reason when nothing else is left to drop', () => {
    const message = buildSnsMessage({ ...notification, evidence: undefined, reason: 'z'.repeat(400_000) });
    expect(Buffer.byteLength(message)).toBeLessThan(SNS_MAX_MESSAGE_BYTES);
    expect(JSON.parse(JSON.parse(message).lambda).reason).toContain('(truncated)');
  });
});
