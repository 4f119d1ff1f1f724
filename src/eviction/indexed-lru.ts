import type { IndexedPolicy, IndexedPolicyOptions } from './indexed-policy.ts';

const NONE = -1;

/**
 * LRU as lru-cache runs it for `createLru` (evict the least recently used while used + size >
 * capacity; a hit makes a key the most recent; an object larger than the cache is not stored),
 * as an intrusive doubly linked list threaded through typed arrays indexed by key number: no
 * node objects, no Map, nothing for the garbage collector. Offline only: the live edges keep
 * lru-cache, which holds their values.
 */
export function createIndexedLru(capacity: number, options?: IndexedPolicyOptions): IndexedPolicy {
  const onEvict = options?.onEvict;
  // Towards the least recent (older) and the most recent (newer) neighbour, by key number.
  let older = new Int32Array(1 << 16);
  let newer = new Int32Array(1 << 16);
  let sizes = new Float64Array(1 << 16);
  /** 1 while the key is stored. */
  let stored = new Uint8Array(1 << 16);
  let oldest = NONE;
  let newest = NONE;
  let used = 0;
  let evictions = 0;

  const makeRoomFor = (id: number) => {
    let length = stored.length;
    while (length <= id) length *= 2;
    older = grown(older, length);
    newer = grown(newer, length);
    sizes = grown(sizes, length);
    stored = grown(stored, length);
  };

  const evictOldest = () => {
    const id = oldest;
    oldest = newer[id]!;
    if (oldest === NONE) newest = NONE;
    else older[oldest] = NONE;
    stored[id] = 0;
    used -= sizes[id]!;
    evictions++;
    onEvict?.(id);
  };

  return {
    access(id) {
      if (id >= stored.length || stored[id] === 0) return false;
      if (id !== newest) {
        // Unlink (it has a newer neighbour, since it is not the newest) ...
        const before = older[id]!;
        const after = newer[id]!;
        if (before === NONE) oldest = after;
        else newer[before] = after;
        older[after] = before;
        // ... and link as the newest.
        older[id] = newest;
        newer[id] = NONE;
        newer[newest] = id;
        newest = id;
      }
      return true;
    },
    admit(id, size) {
      if (size > capacity) return false;
      if (id >= stored.length) makeRoomFor(id);
      while (used + size > capacity) evictOldest();
      older[id] = newest;
      newer[id] = NONE;
      if (newest === NONE) oldest = id;
      else newer[newest] = id;
      newest = id;
      stored[id] = 1;
      sizes[id] = size;
      used += size;
      return true;
    },
    get used() {
      return used;
    },
    get evictions() {
      return evictions;
    },
  };
}

function grown<T extends Int32Array | Float64Array | Uint8Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(length);
  bigger.set(array);
  return bigger;
}
