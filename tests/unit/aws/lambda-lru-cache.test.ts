import fc from 'fast-check';
import MnemonistLRUCache from 'mnemonist/lru-cache';
import { describe, expect, it } from 'vitest';
import LRUCache from '../../../shared/aws/lambda-lru-cache';

// The Lambda bundles' stand-in for mnemonist's LRU cache (resources/esbuild-plugins.cjs) answers
// every call the SDK's endpoint cache makes exactly as mnemonist does.

type Op =
  { op: 'set'; key: number; value: number } | { op: 'get' | 'has' | 'peek'; key: number } | { op: 'clear' };

const key = fc.integer({ min: 0, max: 6 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key, value: fc.integer() }),
  fc.record({ op: fc.constantFrom('get' as const, 'has' as const, 'peek' as const), key }),
  fc.record({ op: fc.constant('clear' as const) }),
);

function apply(cache: Pick<LRUCache<number, number>, 'set' | 'get' | 'has' | 'peek' | 'clear'>, o: Op) {
  switch (o.op) {
    case 'set':
      return cache.set(o.key, o.value);
    case 'clear':
      return cache.clear();
    default:
      return cache[o.op](o.key);
  }
}

describe('the Lambda bundles’ LRU cache', () => {
  it('answers get, has, peek, set and clear as mnemonist’s LRUCache does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const ours = new LRUCache<number, number>(capacity);
        const theirs = new MnemonistLRUCache<number, number>(capacity);
        for (const o of ops) expect(apply(ours, o)).toEqual(apply(theirs, o));
        for (let k = 0; k <= 6; k++) expect(ours.peek(k)).toEqual(theirs.peek(k));
      }),
    );
  });

  it('forgets the least recently used entry when full', () => {
    const cache = new LRUCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
  });
});
