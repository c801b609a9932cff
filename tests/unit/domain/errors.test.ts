import { describe, expect, it } from 'vitest';
import { ConfigValidationError, WatchdogError } from '../../../shared/errors';

const cause = new Error('root cause');

describe('typed errors', () => {
  it.each<[string, WatchdogError, string]>([
    [
      'ConfigValidationError',
      new ConfigValidationError(['a: bad', 'b: worse'], { cause, source: 'p.yaml' }),
      'invalid rollout policy (p.yaml): 2 problems\n  - a: bad\n  - b: worse',
    ],
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
