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
  /** Clock time (ms) when it was stored or last revalidated. */
  storedAt: number;
  /** Its Age (s) at that time. */
  ageAtStore: number;
  /** How long after storedAt it stays fresh, in ms (0 if never). */
  freshForMs: number;
  /**
   * End-to-end headers for a plain hit, flat as [name, value, ...]: everything but Age,
   * Content-Length and Via, which are per delivery. (Date is the origin's: RFC 9110 section 6.6.1.) Built once so a hit copies nothing.
   */
  headerLines: readonly string[];
  /** The origin's own Via, that this cache appends to. */
  via: string | undefined;
}

/** Bookkeeping per entry (key, policy object, LRU node), so tiny objects are not counted as free. */
const ENTRY_OVERHEAD_BYTES = 256;
const PER_DELIVERY = new Set(['age', 'content-length', 'via']);

export function createStoredResponse(
  fields: Pick<StoredResponse, 'key' | 'url' | 'status' | 'body' | 'policy' | 'tags'>,
  now: number,
): StoredResponse {
  const headers = fields.policy.responseHeaders() as Record<string, string | string[] | undefined>;
  const headerLines: string[] = [];
  let headerBytes = 0;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      headerBytes += name.length + item.length;
      if (!PER_DELIVERY.has(name)) headerLines.push(name, item);
    }
  }
  const ageAtStore = fields.policy.age();
  const via = headers['via'];
  return {
    ...fields,
    size: ENTRY_OVERHEAD_BYTES + fields.key.length + headerBytes + fields.body.length,
    storedAt: now,
    ageAtStore,
    freshForMs: Math.max(0, (fields.policy.maxAge() - ageAtStore) * 1000),
    headerLines,
    via: Array.isArray(via) ? via.join(', ') : via,
  };
}

/** Current Age in whole seconds, as the Age header carries it. */
export function ageSeconds(entry: StoredResponse, now: number): number {
  return Math.floor(entry.ageAtStore + (now - entry.storedAt) / 1000);
}

/** Remaining freshness in whole seconds (negative once stale), for Cache-Status ttl. */
export function ttlSeconds(entry: StoredResponse, now: number): number {
  return Math.round((entry.storedAt + entry.freshForMs - now) / 1000);
}
