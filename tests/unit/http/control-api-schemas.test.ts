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

  it.each([
    ['zero-width space', '\u200B'],
    ['ZWNJ and ZWJ', '\u200C\u200D'],
    ['word joiner', '\u2060'],
    ['byte order mark', '\uFEFF'],
    ['no-break space', '\u00A0\u00A0'],
    ['other whitespace', '\t\n\u2003\u3000'],
    ['a mix of them', ' \u200B\uFEFF\u00A0\u2060 '],
  ])('refuses a reason made only of invisible characters (%s)', (_name, reason) => {
    expect(problemsOf(rollbackBodySchema, { reason })).toEqual(['reason: must not be empty']);
    expect(problemsOf(commandBodySchema, { reason })).toEqual(['reason: must not be empty']);
  });

  it('keeps a reason normalised: NFC, invisible characters trimmed at the ends', () => {
    expect(rollbackBodySchema.parse({ reason: '\u200B p99 cafe\u0301 \uFEFF' }).reason).toBe('p99 caf\u00E9');
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

  it.each(['0x10', '1e1', '+5', ' 7', '7 ', '0b11', '0o7', '', '-1', '10.0', 'Infinity'])(
    'reads integers strictly: refuses limit %j',
    (limit) => {
      expect(problemsOf(historyQuerySchema, { limit })).toEqual(['limit: must be a whole number']);
    },
  );
});
