// Stand-in for `mnemonist/lru-cache` inside the Lambda bundles only (resources/esbuild-plugins.cjs).
// The SDK's DynamoDB client builds an endpoint-discovery cache (`@aws-sdk/endpoint-cache`) on
// that class at construction, though discovery stays off unless a caller turns it on; mnemonist's
// class and its helpers are 6.6 KB of the tick's bundle. This is the same least-recently-used
// cache on a `Map` (which keeps insertion order), with the five methods the endpoint cache calls.
// tests/unit/aws/lambda-lru-cache.test.ts holds it to mnemonist's behaviour.

/** A cache of at most `capacity` entries that forgets the least recently read or written one. */
export default class LRUCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The value of `key` without making it recently used. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** The value of `key`, which becomes the most recently used entry. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores `value` as the most recently used entry, dropping the least recently used one when full. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }

  clear(): void {
    this.entries.clear();
  }
}
