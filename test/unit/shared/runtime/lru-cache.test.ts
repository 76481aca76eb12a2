import { describe, expect, it } from 'vitest';
import LruCache from '#shared/runtime/lru-cache.js';

describe("the Lambda bundles' least-recently-used cache", () => {
  it('drops the least recently used key once past its capacity', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1).set('b', 2);

    cache.get('a');
    cache.set('c', 3);

    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    expect(cache.size).toBe(2);
  });

  it('leaves the order of use as it was on a peek', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1).set('b', 2);

    expect(cache.peek('a')).toBe(1);
    cache.set('c', 3);

    expect([cache.peek('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 2, 3]);
  });

  it('replaces the value of a key set again, and empties on clear', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1).set('a', 5);

    expect(cache.get('a')).toBe(5);
    cache.clear();
    expect([cache.size, cache.get('a')]).toEqual([0, undefined]);
  });
});
