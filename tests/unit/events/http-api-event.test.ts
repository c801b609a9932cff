import { describe, expect, it } from 'vitest';
import { readJsonBody } from '../../../shared/events/http-api-event';

describe('readJsonBody', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['   ', undefined],
    ['{"a":1}', { a: 1 }],
    ['[1,2]', [1, 2]],
  ])('parses body %j into %j', (body, value) => {
    expect(readJsonBody({ body })).toEqual({ ok: true, value });
  });

  it('decodes a base64 body before parsing', () => {
    const body = Buffer.from('{"reason":"x"}').toString('base64');
    expect(readJsonBody({ body, isBase64Encoded: true })).toEqual({ ok: true, value: { reason: 'x' } });
  });

  it('reports malformed JSON as a problem instead of throwing', () => {
    const result = readJsonBody({ body: '{"reason": ' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(/^body: malformed JSON/);
  });
});
