import type { EvictionPolicy, PolicyFactory } from '../eviction/eviction-policy.ts';
import type { Dispose, DisposeReason, EntryStore } from './entry-store.ts';

export interface PolicyStoreOptions<V> {
  policy: PolicyFactory;
  /** In the unit `cost` counts. */
  capacity: number;
  /** What an entry costs against the capacity: its bytes, or 1 when the capacity counts objects. */
  cost: (value: V) => number;
  /** What `calculatedSize` sums. */
  sizeCalculation: (value: V) => number;
  dispose?: Dispose<V>;
}

/**
 * Entries in a Map, ordered for eviction by a simulator policy: the policy holds only keys and
 * costs, and tells the store which keys it evicts. A lookup that finds an entry is the policy's
 * access, and storing a new key its admit, so a request sequence drives the policy exactly as
 * `cdnsim sim` does.
 */
export class PolicyStore<V> implements EntryStore<V> {
  readonly #entries = new Map<string, V>();
  readonly #policy: EvictionPolicy;
  readonly #cost: (value: V) => number;
  readonly #sizeOf: (value: V) => number;
  readonly #dispose: Dispose<V> | undefined;
  #calculatedSize = 0;

  constructor(options: PolicyStoreOptions<V>) {
    this.#cost = options.cost;
    this.#sizeOf = options.sizeCalculation;
    this.#dispose = options.dispose;
    this.#policy = options.policy(options.capacity, {
      onEvict: (key) => {
        const value = this.#entries.get(key);
        if (value !== undefined) this.#forget(key, value, 'evict');
      },
    });
  }

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) this.#policy.access(key);
    return value;
  }

  peek(key: string): V | undefined {
    return this.#entries.get(key);
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  set(key: string, value: V): this {
    const old = this.#entries.get(key);
    if (old === value) return this;
    const cost = this.#cost(value);
    if (old !== undefined) {
      if (this.#cost(old) === cost) {
        // A refresh after revalidation or a refetch: the lookup that found the entry stale was
        // already the policy's access, as the simulator counts that request as one hit, so the
        // key keeps its place (always so when the capacity counts objects).
        this.#entries.set(key, value);
        this.#calculatedSize += this.#sizeOf(value) - this.#sizeOf(old);
        this.#dispose?.(old, key, 'set');
        return this;
      }
      this.#policy.remove(key);
      this.#forget(key, old, 'set');
    }
    // The policy refuses an object larger than the cache (or than a part of it it insists on).
    if (!this.#policy.admit(key, cost)) return this;
    this.#entries.set(key, value);
    this.#calculatedSize += this.#sizeOf(value);
    return this;
  }

  delete(key: string): boolean {
    const value = this.#entries.get(key);
    if (value === undefined) return false;
    this.#policy.remove(key);
    this.#forget(key, value, 'delete');
    return true;
  }

  get calculatedSize(): number {
    return this.#calculatedSize;
  }

  get size(): number {
    return this.#entries.size;
  }

  #forget(key: string, value: V, reason: DisposeReason): void {
    this.#entries.delete(key);
    this.#calculatedSize -= this.#sizeOf(value);
    this.#dispose?.(value, key, reason);
  }
}
