import type { EvictionPolicy, PolicyOptions } from './eviction-policy.ts';
import { Queue, type QueueNode } from './queue.ts';

/**
 * ARC (Megiddo and Modha, FAST'03) as libCacheSim (aa0fc40) runs it. T1 holds objects seen once
 * recently, T2 objects seen at least twice; B1 and B2 remember the keys evicted from each; the
 * target size p of T1 grows on a hit in B1 and shrinks on a hit in B2, by max(|B2| / |B1|, 1)
 * (or its inverse), sizes in the run's unit: in byte mode the lists are measured in bytes and p
 * moves by the same ratio, not by the object's size.
 *
 * Ghost lists are trimmed only while room is made, one step per object evicted: on a miss in
 * every list, when T1 + B1 + size exceeds the capacity, B1's oldest key goes before REPLACE (or,
 * with B1 empty, T1's oldest object is evicted outright); otherwise, once all four lists hold
 * twice the capacity, B2's oldest key goes before REPLACE. A ghost hit only runs REPLACE.
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
  // The reference keeps which ghost list the last ghost hit came from until an insert or a hit
  // clears it; REPLACE reads it to break the tie |T1| = p.
  let lastGhostHitInB2 = false;

  const move = (node: QueueNode, from: Queue, to: Queue) => {
    from.unlink(node);
    where.set(node.key, { node: to.push(node.key, node.size), list: to });
  };
  const drop = (list: Queue) => {
    const node = list.oldest!;
    list.unlink(node);
    where.delete(node.key);
    return node.key;
  };
  const evicted = (key: string) => {
    evictions++;
    onEvict?.(key);
  };
  /** The paper's REPLACE: demote T1's or T2's least recent object to its ghost list. */
  const replace = () => {
    const fromT1 = (t1.length > 0 && (t1.used > p || (t1.used === p && lastGhostHitInB2))) || t2.length === 0;
    const victim = fromT1 ? t1.oldest! : t2.oldest!;
    if (fromT1) move(victim, t1, b1);
    else move(victim, t2, b2);
    evicted(victim.key);
  };
  /** One eviction for an object found in no list (the paper's case IV). */
  const evictForNewcomer = (size: number) => {
    if (t1.used + b1.used + size > capacity) {
      if (b1.length > 0) {
        drop(b1);
        replace();
      } else {
        evicted(drop(t1));
      }
      return;
    }
    if (t1.used + t2.used + b1.used + b2.used >= 2 * capacity && b2.length > 0) drop(b2);
    replace();
  };

  return {
    access(key) {
      const found = where.get(key);
      if (!found || found.list === b1 || found.list === b2) return false;
      lastGhostHitInB2 = false;
      move(found.node, found.list, t2);
      return true;
    },
    admit(key, size) {
      // The reference moves p and forgets the ghost key at lookup, before it checks the size.
      const ghost = where.get(key);
      const fromGhost = ghost?.list === b1 || ghost?.list === b2;
      if (ghost?.list === b1) {
        p = Math.min(capacity, p + Math.max(b1.used ? b2.used / b1.used : 0, 1));
        lastGhostHitInB2 = false;
        b1.unlink(ghost.node);
        where.delete(key);
      } else if (ghost?.list === b2) {
        p = Math.max(0, p - Math.max(b2.used ? b1.used / b2.used : 0, 1));
        lastGhostHitInB2 = true;
        b2.unlink(ghost.node);
        where.delete(key);
      }
      if (size > capacity) return false;
      while (t1.used + t2.used + size > capacity) {
        if (fromGhost) replace();
        else evictForNewcomer(size);
      }
      if (fromGhost) {
        lastGhostHitInB2 = false;
        where.set(key, { node: t2.push(key, size), list: t2 });
      } else {
        where.set(key, { node: t1.push(key, size), list: t1 });
      }
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
