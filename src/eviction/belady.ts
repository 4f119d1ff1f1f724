import type { EvictionPolicy, PolicyOptions } from './eviction-policy.ts';

/** A policy that is told, before each request, when its key will be requested next. */
export interface FutureAwarePolicy extends EvictionPolicy {
  /** `next` is the index of the key's next request, or Infinity if there is none. */
  foresee(key: string, next: number): void;
}

export function isFutureAware(policy: EvictionPolicy): policy is FutureAwarePolicy {
  return typeof (policy as Partial<FutureAwarePolicy>).foresee === 'function';
}

/**
 * Belady's MIN (offline optimal for unit sizes): evicts the cached object whose next request is
 * furthest in the future (never requested again first). Simulation only: it needs the future.
 * A max-heap on next-request index, with stale entries skipped when they surface.
 */
export function createBelady(capacity: number, options?: PolicyOptions): FutureAwarePolicy {
  const onEvict = options?.onEvict;
  const cached = new Map<string, { size: number; next: number }>();
  const heap: { next: number; key: string }[] = [];
  let pendingNext = Infinity;
  let used = 0;
  let evictions = 0;

  const push = (entry: { next: number; key: string }) => {
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.next >= heap[i]!.next) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  };
  const pop = () => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let largest = i;
        if (left < heap.length && heap[left]!.next > heap[largest]!.next) largest = left;
        if (right < heap.length && heap[right]!.next > heap[largest]!.next) largest = right;
        if (largest === i) break;
        [heap[largest], heap[i]] = [heap[i]!, heap[largest]!];
        i = largest;
      }
    }
    return top;
  };

  return {
    foresee(key, next) {
      pendingNext = next;
      const entry = cached.get(key);
      // A hit moves the key's next request on; the old heap entry goes stale.
      if (entry) {
        entry.next = next;
        push({ next, key });
      }
    },
    access: (key) => cached.has(key),
    admit(key, size) {
      if (size > capacity) return false;
      while (used + size > capacity) {
        const top = pop();
        const entry = cached.get(top.key);
        if (!entry || entry.next !== top.next) continue;
        cached.delete(top.key);
        used -= entry.size;
        evictions++;
        onEvict?.(top.key);
      }
      cached.set(key, { size, next: pendingNext });
      push({ next: pendingNext, key });
      used += size;
      return true;
    },
    remove(key) {
      const entry = cached.get(key);
      if (!entry) return false;
      // Its heap entries go stale and are skipped when they surface.
      cached.delete(key);
      used -= entry.size;
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
