import { describe, expect, it } from 'vitest';
import { operatorIdentity } from '../../../shared/http/operator-identity';

describe('operatorIdentity', () => {
  it('prefers the IAM identity API Gateway verified over any header', () => {
    const arn = 'arn:aws:iam::123456789012:user/alice';
    expect(
      operatorIdentity({
        headers: { 'x-rollout-operator': 'mallory' },
        requestContext: { authorizer: { iam: { userArn: arn } } },
      }),
    ).toBe(arn);
  });

  it('marks a header-claimed name as unverified', () => {
    expect(operatorIdentity({ headers: { 'X-Rollout-Operator': 'bob' } })).toBe('unverified:bob');
  });

  it('falls back to anonymous', () => {
    expect(operatorIdentity({ headers: {}, requestContext: {} })).toBe('anonymous');
  });
});
