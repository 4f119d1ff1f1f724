import { LRUCache } from 'lru-cache';
import type { EvictionPolicy, PolicyOptions } from './eviction-policy.ts';

/** LRU on lru-cache, the store the live edges use: the value is the object's size. */
export function createLru(capacity: number, options?: PolicyOptions): EvictionPolicy {
  const onEvict = options?.onEvict;
  let evictions = 0;
  const lru = new LRUCache<string, number>({
    maxSize: capacity,
    maxEntrySize: capacity,
    sizeCalculation: (size) => size,
    dispose: (_size, key, reason) => {
      if (reason !== 'evict') return;
      evictions++;
      onEvict?.(key);
    },
  });
  return {
    access: (key) => lru.get(key) !== undefined,
    admit(key, size) {
      if (size > capacity) return false;
      lru.set(key, size);
      return true;
    },
    remove: (key) => lru.delete(key),
    get used() {
      return lru.calculatedSize;
    },
    get evictions() {
      return evictions;
    },
  };
}
