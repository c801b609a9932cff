import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  limitProblems,
  MAX_POLICY_ENTRIES,
  MAX_REPORTED_PROBLEMS,
  parsePolicy,
} from '../../../shared/domain/parse-policy';
import { MAX_POLICY_TEXT_BYTES, parsePolicyText } from '../../../shared/events/policy-text';

const problemsOf = (text: string): string[] => {
  const parsed = parsePolicyText(text);
  return parsed.ok ? [] : parsed.problems;
};

/** A 256 KB text, the control API's body cap, of `unit` repeated. */
const atCap = (unit: (i: number) => string): string => {
  let out = '';
  for (let i = 0; out.length < 256 * 1024; i++) out += unit(i);
  return out;
};

describe('policy text within limits', () => {
  it.each<[string, string, RegExp]>([
    [
      'a text over the size limit',
      `apiVersion: x\n# ${'x'.repeat(MAX_POLICY_TEXT_BYTES)}\n`,
      /larger than 65536 bytes/,
    ],
    ['256 KB of duplicate keys', atCap(() => 'a: 1\n'), /larger than/],
    ['256 KB of unknown keys', atCap((i) => `k${i}: 1\n`), /larger than/],
    ['60 KB of duplicate keys', 'a: 1\n'.repeat(12_000), /more than 500 keys and list items/],
    ['deep flow nesting', `${'['.repeat(20_000)}${']'.repeat(20_000)}`, /nested deeper than 16 levels/],
    [
      'deep block nesting',
      Array.from({ length: 40 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
      /nested deeper/,
    ],
    ['a wide flow list', `steps: [${'1,'.repeat(3000)}1]`, /more than 500 keys/],
    [
      'an alias bomb',
      [
        'a: &a [x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      ].join('\n'),
      /aliases beyond the limit of 100/,
    ],
    ['a recursive alias', 'a: &a [*a]\n', /^\(policy\)/],
  ])('refuses %s with one problem', (_label, text, pattern) => {
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(pattern);
  });

  it('refuses a duplicate key', () => {
    expect(problemsOf('apiVersion: a\napiVersion: b\n')[0]).toMatch(/Map keys must be unique/);
  });

  it.each([
    ['duplicate keys', 'a: 1\n'.repeat(12_000)],
    ['unknown keys', Array.from({ length: 990 }, (_, i) => `k${i}: 1`).join('\n')],
    ['a deep block', Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')],
  ])('reads the worst text of %s under the size limit within two seconds', (_label, text) => {
    const started = performance.now();
    expect(problemsOf(text).length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('lists at most MAX_REPORTED_PROBLEMS problems, then how many more', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}: 1`).join('\n');
    const problems = problemsOf(keys);
    expect(problems).toHaveLength(MAX_REPORTED_PROBLEMS + 1);
    expect(problems.at(-1)).toMatch(/^\.\.\. and \d+ more problems$/);
  });
});

describe('policy values within limits', () => {
  it('refuses an object deeper than the limit, however it was built', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(parsePolicy(deep)).toEqual({ ok: false, problems: ['(policy): nested deeper than 16 levels'] });
  });

  it('refuses an object with more entries than the limit', () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_POLICY_ENTRIES + 1 }, (_, i) => [`k${i}`, i]));
    expect(parsePolicy(wide)).toEqual({
      ok: false,
      problems: [`(policy): holds more than ${MAX_POLICY_ENTRIES} keys and list items`],
    });
  });

  it('refuses a cyclic object rather than walking it forever', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(parsePolicy(cyclic).ok).toBe(false);
  });
});

describe('limitProblems', () => {
  it('keeps a short list as it is and counts the rest of a long one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 60 }),
        (problems, max) => {
          const limited = limitProblems(problems, max);
          if (problems.length <= max) expect(limited).toEqual(problems);
          else {
            expect(limited).toHaveLength(max + 1);
            expect(limited.at(-1)).toBe(`... and ${problems.length - max} more problems`);
          }
        },
      ),
    );
  });
});
