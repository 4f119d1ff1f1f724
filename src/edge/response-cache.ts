import { LRUCache } from 'lru-cache';
import type { StoredResponse } from './stored-response.ts';

export interface ResponseCacheOptions {
  /** Capacity in bytes, counted by each entry's `size`. */
  maxSize: number;
  /** Called once per entry pushed out to make room (not for replacements or purges). */
  onEvict?: () => void;
}

/** The edge's object store: lru-cache bounded in bytes, nothing else. */
export class ResponseCache {
  readonly #lru: LRUCache<string, StoredResponse>;

  constructor(options: ResponseCacheOptions) {
    this.#lru = new LRUCache<string, StoredResponse>({
      maxSize: options.maxSize,
      // An object bigger than the whole cache would only flush it; lru-cache refuses it instead.
      maxEntrySize: options.maxSize,
      sizeCalculation: (entry) => entry.size,
      dispose: (_entry, _key, reason) => {
        if (reason === 'evict') options.onEvict?.();
      },
    });
  }

  get(key: string): StoredResponse | undefined {
    return this.#lru.get(key);
  }

  set(key: string, entry: StoredResponse): void {
    this.#lru.set(key, entry);
  }

  delete(key: string): boolean {
    return this.#lru.delete(key);
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  get objects(): number {
    return this.#lru.size;
  }
}
