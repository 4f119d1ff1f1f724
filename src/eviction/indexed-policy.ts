/**
 * An eviction policy over interned keys (dense numbers 0, 1, 2, ..., see src/trace/key-interner.ts)
 * rather than strings: the offline simulator's fast path, state in typed arrays indexed by key
 * number. Each must decide exactly as the string policy of the same name (a test replays both).
 */
export interface IndexedPolicy {
  /** True on a hit, which updates the policy's own state. */
  access(id: number): boolean;
  /** After a miss: evicts while `used + size > capacity`, then inserts; false when not admitted. */
  admit(id: number, size: number): boolean;
  readonly used: number;
  readonly evictions: number;
}

export interface IndexedPolicyOptions {
  /** Called for each stored key evicted to make room, during `admit`. */
  onEvict?: (id: number) => void;
}

export type IndexedPolicyFactory = (capacity: number, options?: IndexedPolicyOptions) => IndexedPolicy;
