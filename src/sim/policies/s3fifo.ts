import type { EvictionPolicy, PolicyOptions } from '../eviction-policy.ts';
import { Queue, type QueueNode } from './queue.ts';

/**
 * S3-FIFO (Yang et al., SOSP'23) with the parameters of the authors' libCacheSim implementation:
 * a small FIFO of 10 % of the capacity, a main FIFO of the rest, and a ghost FIFO of keys sized
 * 90 % of the capacity; an object moves from small to main when it was hit at least twice there.
 *
 * - A hit increments the object's frequency (the main queue reads it capped at 3).
 * - A miss whose key is in the ghost queue goes straight to main; any other miss to small (an
 *   object at least as large as the small queue is not admitted), except that until the first
 *   eviction a full small queue sends new objects to main.
 * - To make room: if main is over its share (or small is empty), main's oldest object is evicted
 *   if its frequency is 0, else reinserted with min(freq, 3) - 1; otherwise small's oldest moves
 *   to main if its frequency is >= 2, or is evicted and its key remembered in the ghost queue.
 */
export const S3FIFO_SMALL_RATIO = 0.1;
export const S3FIFO_GHOST_RATIO = 0.9;
export const S3FIFO_MOVE_TO_MAIN_THRESHOLD = 2;

export function createS3Fifo(capacity: number, options?: PolicyOptions): EvictionPolicy {
  const onEvict = options?.onEvict;
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

  const remember = (key: string, size: number) => {
    if (ghostCapacity <= 0 || size > ghostCapacity) return;
    while (ghost.used + size > ghostCapacity) {
      const oldest = ghost.oldest!;
      ghost.unlink(oldest);
      ghostIndex.delete(oldest.key);
    }
    ghostIndex.set(key, ghost.push(key, size));
  };

  const evictSmall = () => {
    while (small.length > 0) {
      const node = small.oldest!;
      small.unlink(node);
      where.delete(node.key);
      if (node.mark >= S3FIFO_MOVE_TO_MAIN_THRESHOLD) {
        where.set(node.key, { node: main.push(node.key, node.size, 0), queue: main });
      } else {
        remember(node.key, node.size);
        evictions++;
        onEvict?.(node.key);
        return;
      }
    }
  };

  const evictMain = () => {
    while (main.length > 0) {
      const node = main.oldest!;
      main.unlink(node);
      if (node.mark >= 1) {
        where.set(node.key, { node: main.push(node.key, node.size, Math.min(node.mark, 3) - 1), queue: main });
      } else {
        where.delete(node.key);
        evictions++;
        onEvict?.(node.key);
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
      const ghostNode = ghostIndex.get(key);
      // As in the reference: an object as large as the small queue is only admitted from the ghost.
      if (size > capacity || size > smallCapacity || (!ghostNode && size >= smallCapacity)) return false;
      if (ghostNode) {
        ghost.unlink(ghostNode);
        ghostIndex.delete(key);
      }
      while (small.used + main.used + size > capacity) {
        hasEvicted = true;
        if (main.used > mainCapacity || small.length === 0) evictMain();
        else evictSmall();
      }
      const queue = ghostNode || (!hasEvicted && small.used >= smallCapacity) ? main : small;
      where.set(key, { node: queue.push(key, size, 0), queue });
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
