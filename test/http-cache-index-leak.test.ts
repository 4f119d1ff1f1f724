import { describe, expect, it } from 'vitest';
import { HttpCache, type CacheRequest } from '../src/cache/http-cache.ts';

const NOW = Date.UTC(2026, 10, 1, 12, 0, 0);
const MAX_SIZE = 4_096;

function put(cache: HttpCache, url: string, headers: Record<string, string>, bodyBytes: number, reqHeaders: CacheRequest['headers'] = {}) {
  const req: CacheRequest = { url, method: 'GET', headers: reqHeaders };
  const decision = cache.decide(req, { status: 200, headers: { date: new Date(NOW).toUTCString(), ...headers } });
  if (!decision.store) throw new Error(`not storable: ${decision.reason}`);
  return cache.store(req, decision.policy, 200, Buffer.alloc(bodyBytes, 'x'));
}

/**
 * A replacement too large for the cache is refused, and the store drops the entry it would have
 * replaced (reason 'set'). The URL index must forget that variant too: a leftover index entry
 * keeps the old Vary, so the URL's next response is stored under a key that lookups never build.
 */
describe.each(['lru', 'fifo'])('the URL index after an oversized replacement is refused (%s)', (policy) => {
  it('finds the next response stored for that URL, whatever it varies on', () => {
    const cache = new HttpCache({ maxSize: MAX_SIZE, policy, clock: () => NOW });
    const gzip = { 'accept-encoding': 'gzip' };
    const varied = { 'cache-control': 'max-age=60', vary: 'Accept-Encoding' };
    expect(put(cache, '/a', varied, 100, gzip)).toBeDefined();
    expect(put(cache, '/a', varied, MAX_SIZE * 2, gzip)).toBeUndefined();
    expect(cache.objects).toBe(0);

    expect(put(cache, '/a', { 'cache-control': 'max-age=60' }, 100)).toBeDefined();
    expect(cache.lookup({ url: '/a', method: 'GET', headers: {} }).kind).toBe('fresh');
  });

  it('leaves nothing to purge once the refused URL has no entry', () => {
    const cache = new HttpCache({ maxSize: MAX_SIZE, policy, clock: () => NOW });
    expect(put(cache, '/a', { 'cache-control': 'max-age=60' }, 100)).toBeDefined();
    expect(put(cache, '/a', { 'cache-control': 'max-age=60' }, MAX_SIZE * 2)).toBeUndefined();
    expect(cache.indexedUrls).toBe(0);
  });
});
