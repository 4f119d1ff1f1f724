import type { EvictionPolicy, PolicyOptions } from '../eviction-policy.ts';
import { Queue, type QueueNode } from './queue.ts';

/**
 * ARC (Megiddo and Modha, FAST'03). T1 holds objects seen once recently, T2 objects seen at least
 * twice; B1 and B2 remember the keys evicted from each; the target size p of T1 grows on a hit in
 * B1 and shrinks on a hit in B2. The paper counts objects; in byte mode the same rules run on
 * bytes (each list's `used`, and p moved by the object's size times the paper's step).
 */
export function createArc(capacity: number, options?: PolicyOptions): EvictionPolicy {
  const onEvict = options?.onEvict;
  const t1 = new Queue();
  const t2 = new Queue();
  const b1 = new Queue();
  const b2 = new Queue();
  const where = new Map<string, { node: QueueNode; list: Queue }>();
  let p = 0;
  let evictions = 0;

  const move = (node: QueueNode, from: Queue, to: Queue) => {
    from.unlink(node);
    where.set(node.key, { node: to.push(node.key, node.size), list: to });
  };
  const drop = (list: Queue) => {
    const node = list.oldest!;
    list.unlink(node);
    where.delete(node.key);
  };
  /** The paper's REPLACE: demote T1's or T2's least recent object to its ghost list. */
  const replace = (hitInB2: boolean) => {
    const fromT1 = t1.length > 0 && (t1.used > p || (hitInB2 && t1.used >= p) || t2.length === 0);
    const victim = fromT1 ? t1.oldest! : t2.oldest!;
    if (fromT1) move(victim, t1, b1);
    else move(victim, t2, b2);
    evictions++;
    onEvict?.(victim.key);
  };
  const makeRoom = (size: number, hitInB2: boolean) => {
    while (t1.used + t2.used + size > capacity) replace(hitInB2);
  };

  return {
    access(key) {
      const found = where.get(key);
      if (!found || found.list === b1 || found.list === b2) return false;
      move(found.node, found.list, t2);
      return true;
    },
    admit(key, size) {
      if (size > capacity) return false;
      const ghost = where.get(key);
      if (ghost?.list === b1) {
        p = Math.min(capacity, p + Math.max(b1.used ? b2.used / b1.used : 0, 1) * size);
        b1.unlink(ghost.node);
        where.delete(key);
        makeRoom(size, false);
        where.set(key, { node: t2.push(key, size), list: t2 });
        return true;
      }
      if (ghost?.list === b2) {
        p = Math.max(0, p - Math.max(b2.used ? b1.used / b2.used : 0, 1) * size);
        b2.unlink(ghost.node);
        where.delete(key);
        makeRoom(size, true);
        where.set(key, { node: t2.push(key, size), list: t2 });
        return true;
      }
      if (t1.used + b1.used + size > capacity) {
        // L1 is full: forget B1's oldest keys, or if T1 fills L1 alone, evict from T1 outright.
        if (t1.used < capacity) {
          while (b1.length > 0 && t1.used + b1.used + size > capacity) drop(b1);
          makeRoom(size, false);
        } else {
          while (t1.used + t2.used + size > capacity) {
            const victim = t1.oldest!.key;
            drop(t1);
            evictions++;
            onEvict?.(victim);
          }
        }
      } else {
        const total = () => t1.used + t2.used + b1.used + b2.used;
        while (b2.length > 0 && total() + size > 2 * capacity) drop(b2);
        makeRoom(size, false);
      }
      where.set(key, { node: t1.push(key, size), list: t1 });
      return true;
    },
    remove(key) {
      const found = where.get(key);
      if (!found || found.list === b1 || found.list === b2) return false;
      // Dropped outright, not demoted to a ghost list: a purge says nothing about popularity.
      found.list.unlink(found.node);
      where.delete(key);
      return true;
    },
    get used() {
      return t1.used + t2.used;
    },
    get evictions() {
      return evictions;
    },
  };
}
