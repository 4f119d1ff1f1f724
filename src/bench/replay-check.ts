import { HttpCache } from '../cache/http-cache.ts';

export interface ServedRequest {
  /** ms on the bench's clock when the response completed. */
  at: number;
  edge: string;
  path: string;
  bytes: number;
  ttl: number;
  cacheable: boolean;
  /** Warm-up requests shape the cache but are not counted. */
  counted: boolean;
}

/**
 * The hit ratio an exact LRU would give for the same request sequence: each edge's requests, in
 * the order they were served, replayed through the edge's own cache code (HttpCache on lru-cache,
 * same size accounting) at the times they happened, with the headers the origin sends.
 */
export function simulateLruHitRatio(served: readonly ServedRequest[], maxSizeOf: (edge: string) => number | undefined): number | undefined {
  let now = 0;
  const caches = new Map<string, HttpCache>();
  let hits = 0;
  let counted = 0;
  const origin = Date.UTC(2026, 0, 1);
  let body = Buffer.alloc(0);
  for (const request of served) {
    let cache = caches.get(request.edge);
    if (!cache) {
      const maxSize = maxSizeOf(request.edge);
      if (maxSize === undefined) continue;
      caches.set(request.edge, (cache = new HttpCache({ maxSize, clock: () => now })));
    }
    now = origin + request.at;
    if (request.counted) counted++;
    const req = { url: request.path, method: 'GET', headers: {} };
    if (cache.lookup(req).kind === 'fresh') {
      if (request.counted) hits++;
      continue;
    }
    const headers = {
      date: new Date(now).toUTCString(),
      'cache-control': request.cacheable ? `public, max-age=${request.ttl}` : 'no-store',
      'content-type': 'application/octet-stream',
      'content-length': String(request.bytes),
      etag: '"gen-xxxxxxxxxxxxxxxxxxxxxx"',
      'last-modified': new Date(origin).toUTCString(),
      'accept-ranges': 'bytes',
    };
    const decision = cache.decide(req, { status: 200, headers });
    // Only the size matters to the cache: every entry is a view of one shared buffer.
    if (request.bytes > body.length) body = Buffer.alloc(request.bytes);
    if (decision.store) cache.store(req, decision.policy, 200, body.subarray(0, request.bytes));
  }
  return counted === 0 ? undefined : hits / counted;
}
