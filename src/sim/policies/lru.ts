import { LRUCache } from 'lru-cache';
import type { EvictionPolicy } from '../eviction-policy.ts';

/** LRU on lru-cache, the store the live edges use: the value is the object's size. */
export function createLru(capacity: number): EvictionPolicy {
  let evictions = 0;
  const lru = new LRUCache<string, number>({
    maxSize: capacity,
    maxEntrySize: capacity,
    sizeCalculation: (size) => size,
    dispose: (_size, _key, reason) => {
      if (reason === 'evict') evictions++;
    },
  });
  return {
    access: (key) => lru.get(key) !== undefined,
    admit(key, size) {
      if (size > capacity) return false;
      lru.set(key, size);
      return true;
    },
    get used() {
      return lru.calculatedSize;
    },
    get evictions() {
      return evictions;
    },
  };
}
