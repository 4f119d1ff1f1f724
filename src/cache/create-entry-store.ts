import { LRUCache } from 'lru-cache';
import { livePolicyProblem } from '../eviction/live-policies.ts';
import { POLICIES } from '../eviction/policies.ts';
import type { Dispose, DisposeReason, EntryStore } from './entry-store.ts';
import { PolicyStore } from './policy-store.ts';

/** A capacity in bytes (each entry counted by its size) or in objects (each entry counts 1): exactly one. */
export type StoreCapacity = { maxSize: number; maxObjects?: undefined } | { maxObjects: number; maxSize?: undefined };

export type EntryStoreOptions<V> = StoreCapacity & {
  /** A live policy's name (see LIVE_POLICIES); default lru. */
  policy?: string;
  /** An entry's size in bytes: what the capacity counts in byte mode, and `calculatedSize` sums in both. */
  sizeCalculation: (value: V) => number;
  dispose: Dispose<V>;
};

/**
 * lru-cache itself for lru, so a hit stays one `LRUCache.get`; any other policy through
 * PolicyStore, on the simulator's own implementation.
 */
export function createEntryStore<V extends object>(options: EntryStoreOptions<V>): EntryStore<V> {
  const policy = options.policy ?? 'lru';
  const problem = livePolicyProblem(policy);
  if (problem !== undefined) throw new RangeError(problem);
  const { maxSize, maxObjects, sizeCalculation } = options;
  if ((maxSize === undefined) === (maxObjects === undefined)) {
    throw new RangeError('give the cache exactly one capacity: maxSize (bytes) or maxObjects');
  }
  const capacity = maxSize ?? maxObjects!;
  if (!Number.isInteger(capacity) || capacity <= 0) {
    throw new RangeError(`${maxSize !== undefined ? 'maxSize' : 'maxObjects'} must be a positive integer, got ${capacity}`);
  }
  if (policy !== 'lru') {
    return new PolicyStore<V>({
      policy: POLICIES[policy]!,
      capacity,
      cost: maxSize !== undefined ? sizeCalculation : () => 1,
      sizeCalculation,
      dispose: options.dispose,
    });
  }
  // Without a ttl or fetchMethod, lru-cache disposes only for these three reasons.
  const dispose = (value: V, key: string, reason: string) => options.dispose(value, key, reason as DisposeReason);
  if (maxSize !== undefined) {
    // An object bigger than the whole cache would only flush it; lru-cache refuses it instead.
    return new LRUCache<string, V>({ maxSize, maxEntrySize: maxSize, sizeCalculation, dispose });
  }
  // `max` bounds the count (lru-cache allocates its index for that many slots up front); the
  // unbounded maxSize only makes it keep the byte total.
  return new LRUCache<string, V>({ max: capacity, maxSize: Number.MAX_SAFE_INTEGER, sizeCalculation, dispose });
}
