import type { EvictionPolicy, PolicyOptions } from './eviction-policy.ts';
import { Queue, type QueueNode } from './queue.ts';

/**
 * LFU: evicts the object with the fewest hits since it was inserted, the least recently used
 * among equals. O(1) per operation with one queue per frequency (the frequency is the node's mark).
 */
export function createLfu(capacity: number, options?: PolicyOptions): EvictionPolicy {
  const onEvict = options?.onEvict;
  const buckets = new Map<number, Queue>();
  const index = new Map<string, QueueNode>();
  let minFrequency = 1;
  let used = 0;
  let evictions = 0;
  const bucket = (frequency: number) => {
    let queue = buckets.get(frequency);
    if (!queue) buckets.set(frequency, (queue = new Queue()));
    return queue;
  };
  const detach = (node: QueueNode) => {
    const queue = buckets.get(node.mark)!;
    queue.unlink(node);
    if (queue.length === 0) buckets.delete(node.mark);
  };
  return {
    access(key) {
      const node = index.get(key);
      if (!node) return false;
      detach(node);
      if (node.mark === minFrequency && !buckets.has(minFrequency)) minFrequency++;
      index.set(key, bucket(node.mark + 1).push(key, node.size, node.mark + 1));
      return true;
    },
    admit(key, size) {
      if (size > capacity) return false;
      while (used + size > capacity) {
        while (!buckets.has(minFrequency)) minFrequency++;
        const victim = buckets.get(minFrequency)!.oldest!;
        detach(victim);
        index.delete(victim.key);
        used -= victim.size;
        evictions++;
        onEvict?.(victim.key);
      }
      index.set(key, bucket(1).push(key, size, 1));
      minFrequency = 1;
      used += size;
      return true;
    },
    remove(key) {
      const node = index.get(key);
      if (!node) return false;
      // minFrequency may now name an empty bucket; admit skips those.
      detach(node);
      index.delete(key);
      used -= node.size;
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
