/**
 * A cache replacement policy as a simulator drives it (libCacheSim's find / insert / evict /
 * remove): no HTTP, no clock, sizes in whatever unit the run counts (bytes, or 1 per object).
 * The live edge's PolicyStore sits on the same objects, so they also say which keys they evict.
 */
export interface EvictionPolicy {
  /** Looks a key up; true on a hit, which updates the policy's own state (recency, frequency). */
  access(key: string): boolean;
  /**
   * After a miss: evicts while `used + size > capacity`, then inserts. False when the object is
   * not admitted (larger than the cache, or than a part of it the policy insists on).
   */
  admit(key: string, size: number): boolean;
  /**
   * Forgets a stored key without counting an eviction (a purge, an invalidation, a replacement by
   * an object of another size). False when it was not stored; remembered ghost keys stay.
   */
  remove(key: string): boolean;
  readonly used: number;
  readonly evictions: number;
}

export interface PolicyOptions {
  /**
   * Called for each stored object the policy evicts to make room, during `admit`; a store keeping
   * the objects themselves drops the key's value here. Keys forgotten from a ghost list are not
   * evictions: nothing stored goes with them.
   */
  onEvict?: (key: string) => void;
}

export type PolicyFactory = (capacity: number, options?: PolicyOptions) => EvictionPolicy;
