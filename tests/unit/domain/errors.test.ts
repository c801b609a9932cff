import { describe, expect, it } from 'vitest';
import {
  AwsCallError,
  ConfigValidationError,
  EndpointNotFoundError,
  EndpointNotReadyError,
  InvalidWeightsError,
  RolloutNotFoundError,
  StateConflictError,
  VariantMissingError,
  WatchdogError,
} from '../../../shared/errors';

const cause = new Error('root cause');

describe('typed errors', () => {
  it.each<[string, WatchdogError, string]>([
    [
      'ConfigValidationError',
      new ConfigValidationError(['a: bad', 'b: worse'], { cause, source: 'p.yaml' }),
      'invalid rollout policy (p.yaml): 2 problems\n  - a: bad\n  - b: worse',
    ],
    [
      'EndpointNotReadyError',
      new EndpointNotReadyError('demo', 'Updating', { cause }),
      'endpoint demo is Updating, not InService',
    ],
    ['EndpointNotFoundError', new EndpointNotFoundError('demo', { cause }), 'endpoint demo not found'],
    [
      'VariantMissingError',
      new VariantMissingError('demo', 'canary', { cause }),
      'variant canary is missing from endpoint demo',
    ],
    [
      'InvalidWeightsError',
      new InvalidWeightsError({ a: -1, b: 101 }, 'negative weight', { cause }),
      'invalid weights {"a":-1,"b":101}: negative weight',
    ],
    [
      'StateConflictError',
      new StateConflictError('ROLLOUT#demo', 4, { cause }),
      'state of ROLLOUT#demo changed since version 4',
    ],
    ['RolloutNotFoundError', new RolloutNotFoundError('demo', { cause }), 'no rollout for endpoint demo'],
    ['AwsCallError', new AwsCallError('DescribeEndpoint', { cause }), 'DescribeEndpoint failed: root cause'],
  ])('%s carries its name, message and cause', (name, error, message) => {
    expect(error).toBeInstanceOf(WatchdogError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).toBe(message);
    expect(error.cause).toBe(cause);
  });

  it('keeps the problems of a ConfigValidationError as data', () => {
    expect(new ConfigValidationError(['x: y']).problems).toEqual(['x: y']);
  });
});
