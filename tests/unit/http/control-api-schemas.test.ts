import { describe, expect, it } from 'vitest';
import type { ZodMiniType } from 'zod/mini';
import {
  commandBodySchema,
  historyQuerySchema,
  rollbackBodySchema,
  startRolloutBodySchema,
} from '../../../shared/http/control-api-schemas';
import { formatIssues } from '../../../shared/http/format-issues';

function problemsOf(schema: ZodMiniType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : formatIssues(result.error.issues);
}

describe('start rollout body', () => {
  it.each([
    [{ endpointName: 'fraud-prod' }],
    [{ endpointName: 'a', policy: 'apiVersion: x', reason: 'ship it' }],
    [{ endpointName: 'a', policy: { apiVersion: 'x' } }],
  ])('accepts %j', (body) => {
    expect(problemsOf(startRolloutBodySchema, body)).toEqual([]);
  });

  it('lists every problem of a bad body at once, by path', () => {
    const problems = problemsOf(startRolloutBodySchema, {
      endpointName: 'bad_name!',
      policy: 42,
      reason: '',
      polcy: 'typo',
      extra: true,
    });
    expect(problems).toHaveLength(5);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^endpointName: must be a SageMaker endpoint name/),
        expect.stringMatching(/^policy: must be policy text/),
        'reason: must not be empty',
        'polcy: unknown key',
        'extra: unknown key',
      ]),
    );
  });

  it.each([[undefined], [null], [[1]], ['text']])('refuses a body that is not an object: %j', (body) => {
    expect(problemsOf(startRolloutBodySchema, body)).toEqual(['body: must be a JSON object']);
  });

  it('names the missing endpoint', () => {
    expect(problemsOf(startRolloutBodySchema, {})).toEqual([
      'endpointName: required, a SageMaker endpoint name',
    ]);
  });
});

describe('command bodies', () => {
  it('requires a reason for rollback', () => {
    expect(problemsOf(rollbackBodySchema, {})).toEqual(['reason: required: say why you roll back']);
    expect(problemsOf(rollbackBodySchema, { reason: '  ' })).toEqual(['reason: must not be empty']);
    expect(problemsOf(rollbackBodySchema, { reason: 'p99 regression' })).toEqual([]);
  });

  it('takes an optional reason for the other commands and refuses unknown keys', () => {
    expect(problemsOf(commandBodySchema, {})).toEqual([]);
    expect(problemsOf(commandBodySchema, { reason: 'x', force: true })).toEqual(['force: unknown key']);
  });
});

describe('history query', () => {
  it.each([
    [{}, undefined],
    [{ limit: '10' }, 10],
  ])('reads %j as limit %s', (query, limit) => {
    expect(historyQuerySchema.parse(query).limit).toBe(limit);
  });

  it.each([[{ limit: 'ten' }], [{ limit: '0' }], [{ limit: '1.5' }], [{ limit: '100000' }]])(
    'refuses %j',
    (query) => {
      expect(problemsOf(historyQuerySchema, query)[0]).toMatch(/^limit: /);
    },
  );
});
