import type CachePolicy from 'http-cache-semantics';

/** A complete response held by the edge: what a hit is served from, without copying. */
export interface StoredResponse {
  status: number;
  /** End-to-end headers as the origin sent them; Age and the like are derived at delivery. */
  headers: Record<string, string | string[]>;
  body: Buffer;
  policy: CachePolicy;
  /** Bytes this entry costs the cache: body, headers and a fixed per-entry overhead. */
  size: number;
}

/** Bookkeeping per entry (key, policy object, LRU node), so tiny objects are not counted as free. */
const ENTRY_OVERHEAD_BYTES = 256;

export function storedSize(headers: Record<string, string | string[]>, body: Buffer, key: string): number {
  let size = ENTRY_OVERHEAD_BYTES + body.length + key.length;
  for (const name in headers) {
    const value = headers[name]!;
    size += name.length + (Array.isArray(value) ? value.reduce((sum, item) => sum + item.length, 0) : value.length);
  }
  return size;
}
