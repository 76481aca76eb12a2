/**
 * Stands in for `mnemonist/lru-cache` in the Lambda bundles only (7 KB of each, with the
 * iterator helpers it brings). Its one user there is the DynamoDB client's cache of discovered
 * endpoints, which calls get, set, has, peek and clear: the same least-recently-used cache on
 * a Map, which keeps keys in the order they were last set or read.
 */
export default class LruCache<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    if (!this.#entries.has(key)) return undefined;
    const value = this.#entries.get(key) as V;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** The value, leaving the order of use as it was. */
  peek(key: K): V | undefined {
    return this.#entries.get(key);
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** Sets the value as the most recently used, dropping the least recently used past the capacity. */
  set(key: K, value: V): this {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as K);
    return this;
  }

  clear(): void {
    this.#entries.clear();
  }
}
