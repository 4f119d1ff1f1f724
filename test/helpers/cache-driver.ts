import type { StoreCapacity } from '../../src/cache/create-entry-store.ts';
import { HttpCache, type CacheRequest } from '../../src/cache/http-cache.ts';

/**
 * An HttpCache on a clock the test moves, driven request by request as the edge drives it: a
 * fresh entry answers ('H'); anything else goes to the "origin" and its response is stored ('M').
 */
export function cacheDriver(options: StoreCapacity & { policy?: string }) {
  let now = Date.UTC(2026, 10, 1, 12, 0, 0);
  let evictions = 0;
  const cache = new HttpCache({ ...options, clock: () => now, onEvict: () => evictions++ });
  const request = (url: string): CacheRequest => ({ url, method: 'GET', headers: {} });
  // Every body is a view of one buffer: only sizes matter to the cache.
  let body = Buffer.alloc(0);

  function get(url: string, bytes = 100, headers: Record<string, string> = {}): 'H' | 'M' {
    const req = request(url);
    if (cache.lookup(req).kind === 'fresh') return 'H';
    const decision = cache.decide(req, {
      status: 200,
      headers: {
        date: new Date(now).toUTCString(),
        'cache-control': 'public, max-age=3600',
        'content-type': 'application/octet-stream',
        'content-length': String(bytes),
        etag: '"gen-xxxxxxxxxxxxxxxxxxxxxx"',
        ...headers,
      },
    });
    if (bytes > body.length) body = Buffer.alloc(bytes);
    if (decision.store) cache.store(req, decision.policy, 200, body.subarray(0, bytes));
    return 'M';
  }

  return {
    cache,
    request,
    get,
    /** "a b c a" -> "MMMH", each word a path /a, /b, ... */
    replay: (words: string) =>
      words
        .split(/\s+/)
        .map((word) => get(`/${word}`))
        .join(''),
    advance: (seconds: number) => (now += seconds * 1000),
    date: () => new Date(now).toUTCString(),
    evictions: () => evictions,
  };
}
