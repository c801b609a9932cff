import { describe, expect, it } from 'vitest';
import { parseArn } from '../../../shared/events/aws-arn';
import { functionIdentity } from '../../../shared/events/function-identity';

const LOCAL = {
  deployed: false,
  topicArn: 'arn:aws:sns:us-east-1:000000000000:rollout-watchdog-local-notifications',
  region: 'us-east-1',
};

describe('parseArn', () => {
  it('keeps the colons of the resource part', () => {
    expect(parseArn('arn:aws:cloudwatch:us-east-1:123456789012:alarm:a:b')).toEqual({
      partition: 'aws',
      service: 'cloudwatch',
      region: 'us-east-1',
      account: '123456789012',
      resource: 'alarm:a:b',
    });
  });

  it.each([[undefined], [42], ['not-an-arn'], ['arn:aws:sns'], ['arn::sns:r:a:x'], ['x'.repeat(5000)]])(
    'reads %j as no ARN',
    (value) => {
      expect(parseArn(value)).toBeUndefined();
    },
  );
});

describe('functionIdentity', () => {
  it('takes the account and region from the invoked function ARN', () => {
    const context = { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f' };
    expect(functionIdentity(context, { ...LOCAL, deployed: true })).toEqual({
      partition: 'aws',
      region: 'eu-west-1',
      account: '123456789012',
    });
  });

  it("falls back on the stage topic's account under serverless-offline, which passes no ARN", () => {
    const context = {
      invokedFunctionArn: 'offline_invokedFunctionArn_for_rollout-watchdog-local-canaryTick',
    };
    expect(functionIdentity(context, LOCAL)).toEqual({
      partition: 'aws',
      region: 'us-east-1',
      account: '000000000000',
    });
  });

  it('knows no identity in a deployed stage without an ARN, so every event is refused', () => {
    expect(
      functionIdentity({ invokedFunctionArn: 'offline_x' }, { ...LOCAL, deployed: true }),
    ).toBeUndefined();
    expect(functionIdentity(undefined, { ...LOCAL, deployed: true })).toBeUndefined();
  });
});
