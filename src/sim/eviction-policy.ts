/**
 * A cache replacement policy as a simulator drives it (libCacheSim's find / insert / evict):
 * no HTTP, no clock, sizes in whatever unit the run counts (bytes, or 1 per object).
 */
export interface EvictionPolicy {
  /** Looks a key up; true on a hit, which updates the policy's own state (recency, frequency). */
  access(key: string): boolean;
  /**
   * After a miss: evicts while `used + size > capacity`, then inserts. False when the object is
   * not admitted (larger than the cache, or than a part of it the policy insists on).
   */
  admit(key: string, size: number): boolean;
  readonly used: number;
  readonly evictions: number;
}

export type PolicyFactory = (capacity: number) => EvictionPolicy;
