import type { EvictionPolicy, PolicyOptions } from './eviction-policy.ts';
import { Queue, type QueueNode } from './queue.ts';

/** FIFO: evicts in insertion order; a hit changes nothing. */
export function createFifo(capacity: number, options?: PolicyOptions): EvictionPolicy {
  return queuePolicy(capacity, options, () => undefined, (queue) => queue.oldest!);
}

/**
 * CLOCK with a 1-bit reference flag (libCacheSim's default): a hit sets the flag; the hand, at the
 * oldest entry, clears a set flag and gives the entry another round, and evicts the first entry
 * whose flag is clear.
 */
export function createClock(capacity: number, options?: PolicyOptions): EvictionPolicy {
  return queuePolicy(
    capacity,
    options,
    (node) => {
      node.mark = 1;
    },
    (queue, reinsert) => {
      for (;;) {
        const candidate = queue.oldest!;
        if (candidate.mark === 0) return candidate;
        reinsert(candidate, 0);
      }
    },
  );
}

/**
 * SIEVE (Zhang et al., NSDI'24): one FIFO queue, new objects at the head, a hand that moves from
 * the tail towards the head. A hit sets an object's visited bit; to evict, the hand clears the bits
 * it passes and evicts the first unvisited object, then stays where it stopped (wrapping to the
 * tail at the head). Objects are never moved.
 */
export function createSieve(capacity: number, options?: PolicyOptions): EvictionPolicy {
  let hand: QueueNode | undefined;
  return queuePolicy(
    capacity,
    options,
    (node) => {
      node.mark = 1;
    },
    (queue) => {
      let node = hand ?? queue.oldest!;
      while (node.mark === 1) {
        node.mark = 0;
        node = node.newer ?? queue.oldest!;
      }
      hand = node.newer;
      return node;
    },
    (node) => {
      // The hand must not rest on an object that leaves the queue; it moves on as after an eviction.
      if (hand === node) hand = node.newer;
    },
  );
}

/** The shared frame: a queue, a key index, evict-while-over-capacity, insert at the head. */
function queuePolicy(
  capacity: number,
  options: PolicyOptions | undefined,
  onHit: (node: QueueNode) => void,
  victim: (queue: Queue, reinsert: (node: QueueNode, mark: number) => void) => QueueNode,
  onRemove?: (node: QueueNode) => void,
): EvictionPolicy {
  const onEvict = options?.onEvict;
  const queue = new Queue();
  const index = new Map<string, QueueNode>();
  let evictions = 0;
  const reinsert = (node: QueueNode, mark: number) => {
    queue.unlink(node);
    index.set(node.key, queue.push(node.key, node.size, mark));
  };
  return {
    access(key) {
      const node = index.get(key);
      if (!node) return false;
      onHit(node);
      return true;
    },
    admit(key, size) {
      if (size > capacity) return false;
      while (queue.used + size > capacity) {
        const node = victim(queue, reinsert);
        queue.unlink(node);
        index.delete(node.key);
        evictions++;
        onEvict?.(node.key);
      }
      index.set(key, queue.push(key, size));
      return true;
    },
    remove(key) {
      const node = index.get(key);
      if (!node) return false;
      onRemove?.(node);
      queue.unlink(node);
      index.delete(key);
      return true;
    },
    get used() {
      return queue.used;
    },
    get evictions() {
      return evictions;
    },
  };
}
