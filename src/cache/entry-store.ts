/** Why an entry left the store, as lru-cache names it: replaced, pushed out to make room, or deleted. */
export type DisposeReason = 'set' | 'evict' | 'delete';

export type Dispose<V> = (value: V, key: string, reason: DisposeReason) => void;

/**
 * What HttpCache needs of the place its entries live (as undici's cache store is to its cache):
 * lru-cache satisfies it as it is, and PolicyStore puts any simulator policy behind it.
 * The store decides what to evict; the owner learns of every removal through the dispose hook
 * it passed in, with the reason.
 */
export interface EntryStore<V> {
  /** A lookup that counts as a use: it updates the eviction policy's recency or frequency. */
  get(key: string): V | undefined;
  /** A lookup that leaves the policy's state as it was. */
  peek(key: string): V | undefined;
  /**
   * Stores or replaces; an entry larger than the whole cache is refused (and one stored under
   * the same key leaves, reason 'set'), as lru-cache does. Check `has` to know.
   */
  set(key: string, value: V): unknown;
  has(key: string): boolean;
  delete(key: string): boolean;
  /** The sum of every entry's calculated size (HttpCache: bytes, whatever the capacity counts). */
  readonly calculatedSize: number;
  /** How many entries are stored. */
  readonly size: number;
}
