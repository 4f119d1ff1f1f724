import type CachePolicy from 'http-cache-semantics';

/** A complete response held by a cache: what a hit is served from, without copying. */
export interface StoredResponse {
  /** The lru-cache key: the request's primary key plus the values of the headers it varies on. */
  key: string;
  /** The primary key (path and query) the entry answers for. */
  url: string;
  status: number;
  body: Buffer;
  /** Freshness and header state (http-cache-semantics); replaced when a 304 refreshes it. */
  policy: CachePolicy;
  /** Surrogate keys from the origin's Surrogate-Key header, for purge by tag. */
  tags: readonly string[];
  /** Bytes this entry costs the cache: body, headers and a fixed per-entry overhead. */
  size: number;
}

/** Bookkeeping per entry (key, policy object, LRU node), so tiny objects are not counted as free. */
const ENTRY_OVERHEAD_BYTES = 256;

export function storedSize(key: string, headers: Record<string, string | string[] | undefined>, bodyBytes: number): number {
  let size = ENTRY_OVERHEAD_BYTES + bodyBytes + key.length;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    size += name.length + (Array.isArray(value) ? value.reduce((sum, item) => sum + item.length, 0) : value.length);
  }
  return size;
}
