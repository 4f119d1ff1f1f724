import type { EvictionPolicy, PolicyOptions } from './eviction-policy.ts';
import { Queue, type QueueNode } from './queue.ts';

/**
 * S3-FIFO (Yang et al., SOSP'23) by the rules of libCacheSim at commit aa0fc40, its default
 * `S3FIFO-0.1000-2`: a small FIFO of floor(10 %) of the capacity, a main FIFO of the rest, a ghost
 * FIFO of keys of floor(90 %), counted in the run's unit (bytes, or 1 per object).
 *
 * - A hit anywhere adds 1 to the object's frequency (no cap while it sits in a queue).
 * - A miss first takes its key out of the ghost queue, if there, whatever happens next. An object
 *   larger than the small queue is never admitted; otherwise room is made (below), then a ghost
 *   key goes to main and any other to small, except that an object as large as the small queue
 *   is then dropped (the room made for it stays made). Only the whole capacity bounds small: it
 *   holds whatever main leaves unused (everything, until the first eviction).
 * - To make room, while used + size > capacity: if main holds more than its share (or small is
 *   empty), main's oldest object is evicted if its frequency is 0, else reinserted with
 *   min(freq, 3) - 1 (a 2-bit CLOCK); otherwise small's oldest moves to main with frequency 0 if
 *   it was hit at least twice, or is evicted and its key remembered in the ghost queue (keys
 *   larger than the ghost queue are not). Each step ends at the first real eviction.
 *
 * `mainBeforeFirstEviction` is the rule of later libCacheSim versions (its S3FIFO.c after the
 * original became S3FIFOv0.c): until the first eviction, a new object finding the small queue
 * full goes to main.
 */
export const S3FIFO_SMALL_RATIO = 0.1;
export const S3FIFO_GHOST_RATIO = 0.9;
export const S3FIFO_MOVE_TO_MAIN_THRESHOLD = 2;

export interface S3FifoOptions extends PolicyOptions {
  /** Later libCacheSim: while nothing was evicted yet, new objects go to main once small is full. */
  mainBeforeFirstEviction?: boolean;
}

/** The main queue reads frequencies as a 2-bit counter. */
const MAIN_FREQUENCY_CAP = 3;

export function createS3Fifo(capacity: number, options?: S3FifoOptions): EvictionPolicy {
  const onEvict = options?.onEvict;
  const mainBeforeFirstEviction = options?.mainBeforeFirstEviction ?? false;
  const smallCapacity = Math.floor(capacity * S3FIFO_SMALL_RATIO);
  const mainCapacity = capacity - smallCapacity;
  const ghostCapacity = Math.floor(capacity * S3FIFO_GHOST_RATIO);
  const small = new Queue();
  const main = new Queue();
  const ghost = new Queue();
  const where = new Map<string, { node: QueueNode; queue: Queue }>();
  const ghostIndex = new Map<string, QueueNode>();
  let hasEvicted = false;
  let evictions = 0;

  const place = (queue: Queue, key: string, size: number) => {
    where.set(key, { node: queue.push(key, size, 0), queue });
  };

  const evict = (node: QueueNode) => {
    where.delete(node.key);
    evictions++;
    onEvict?.(node.key);
  };

  const remember = (key: string, size: number) => {
    if (size > ghostCapacity) return;
    while (ghost.used + size > ghostCapacity) {
      const oldest = ghost.oldest!;
      ghost.unlink(oldest);
      ghostIndex.delete(oldest.key);
    }
    ghostIndex.set(key, ghost.push(key, size));
  };

  const forgetGhost = (key: string): boolean => {
    const node = ghostIndex.get(key);
    if (!node) return false;
    ghost.unlink(node);
    ghostIndex.delete(key);
    return true;
  };

  const evictSmall = () => {
    while (small.length > 0) {
      const node = small.oldest!;
      small.unlink(node);
      if (node.mark >= S3FIFO_MOVE_TO_MAIN_THRESHOLD) {
        place(main, node.key, node.size);
      } else {
        remember(node.key, node.size);
        evict(node);
        return;
      }
    }
  };

  const evictMain = () => {
    while (main.length > 0) {
      const node = main.oldest!;
      main.unlink(node);
      if (node.mark >= 1) {
        where.set(node.key, { node: main.push(node.key, node.size, Math.min(node.mark, MAIN_FREQUENCY_CAP) - 1), queue: main });
      } else {
        evict(node);
        return;
      }
    }
  };

  return {
    access(key) {
      const found = where.get(key);
      if (!found) return false;
      found.node.mark++;
      return true;
    },
    admit(key, size) {
      // The reference drops the ghost key at lookup, before it knows whether the object fits.
      const fromGhost = forgetGhost(key);
      if (size > smallCapacity) return false;
      while (small.used + main.used + size > capacity) {
        hasEvicted = true;
        if (main.used > mainCapacity || small.length === 0) evictMain();
        else evictSmall();
      }
      if (fromGhost) {
        place(main, key, size);
        return true;
      }
      if (size >= smallCapacity) return false;
      const smallFull = small.used >= smallCapacity;
      place(mainBeforeFirstEviction && !hasEvicted && smallFull ? main : small, key, size);
      return true;
    },
    remove(key) {
      const found = where.get(key);
      if (!found) return false;
      // Not remembered in the ghost queue: a purged object was not judged unpopular.
      found.queue.unlink(found.node);
      where.delete(key);
      return true;
    },
    get used() {
      return small.used + main.used;
    },
    get evictions() {
      return evictions;
    },
  };
}
