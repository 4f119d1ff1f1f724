import { describe, expect, it } from 'vitest';
import { HttpCache, type CacheRequest } from '../src/cache/http-cache.ts';

/** A cache on a clock the test moves by hand: no waiting, no wall time. */
function setup(maxSize = 1_000_000) {
  let now = Date.UTC(2026, 10, 1, 12, 0, 0);
  let evictions = 0;
  const cache = new HttpCache({ maxSize, clock: () => now, onEvict: () => evictions++ });
  const date = () => new Date(now).toUTCString();
  const request = (url: string, headers: CacheRequest['headers'] = {}): CacheRequest => ({ url, method: 'GET', headers });
  /** Stores a response as the edge would, returning whether it was stored. */
  const put = (url: string, headers: Record<string, string>, body = 'body', reqHeaders: CacheRequest['headers'] = {}, status = 200) => {
    const req = request(url, reqHeaders);
    const decision = cache.decide(req, { status, headers: { date: date(), ...headers } });
    if (!decision.store) return false;
    return cache.store(req, decision.policy, status, Buffer.from(body)) !== undefined;
  };
  const kind = (url: string, headers: CacheRequest['headers'] = {}) => cache.lookup(request(url, headers)).kind;
  return {
    cache,
    put,
    kind,
    request,
    date,
    advance: (seconds: number) => (now += seconds * 1000),
    evictions: () => evictions,
  };
}

describe('freshness of a shared cache', () => {
  it('uses s-maxage over max-age', () => {
    const c = setup();
    expect(c.put('/a', { 'cache-control': 'max-age=10, s-maxage=100' })).toBe(true);
    c.advance(50);
    expect(c.kind('/a')).toBe('fresh');
    c.advance(51);
    expect(c.kind('/a')).toBe('stale');
  });

  it('uses max-age over Expires', () => {
    const c = setup();
    const farFuture = new Date(Date.UTC(2030, 0, 1)).toUTCString();
    c.put('/a', { 'cache-control': 'max-age=10', expires: farFuture });
    c.advance(11);
    expect(c.kind('/a')).toBe('stale');
  });

  it('uses Expires relative to Date when there is no max-age', () => {
    const c = setup();
    const in60 = new Date(Date.UTC(2026, 10, 1, 12, 1, 0)).toUTCString();
    c.put('/a', { expires: in60 });
    c.advance(59);
    expect(c.kind('/a')).toBe('fresh');
    c.advance(2);
    expect(c.kind('/a')).toBe('stale');
  });

  it('counts the Age the origin reports against the lifetime', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=60', age: '50' });
    c.advance(9);
    expect(c.kind('/a')).toBe('fresh');
    c.advance(2);
    expect(c.kind('/a')).toBe('stale');
  });

  it('applies heuristic freshness (10% of the time since Last-Modified) only to heuristically cacheable statuses', () => {
    const c = setup();
    const tenDaysAgo = new Date(Date.UTC(2026, 9, 22, 12, 0, 0)).toUTCString();
    c.put('/a', { 'last-modified': tenDaysAgo });
    c.advance(23 * 3600);
    expect(c.kind('/a')).toBe('fresh');
    c.advance(2 * 3600);
    expect(c.kind('/a')).toBe('stale');
    // 201 is not heuristically cacheable: without explicit freshness it is never fresh.
    c.put('/created', { 'last-modified': tenDaysAgo }, 'x', {}, 201);
    expect(c.kind('/created')).not.toBe('fresh');
  });

  it('does not store a response with no freshness and no validator', () => {
    const c = setup();
    expect(c.put('/a', {})).toBe(false);
    expect(c.kind('/a')).toBe('miss');
  });
});

describe('what a shared cache must not store or reuse', () => {
  it.each([
    ['no-store', 'no-store, max-age=60'],
    ['private', 'private, max-age=60'],
  ])('never stores %s', (_label, cacheControl) => {
    const c = setup();
    expect(c.put('/a', { 'cache-control': cacheControl })).toBe(false);
    expect(c.kind('/a')).toBe('miss');
  });

  it('stores no-cache but always revalidates it', () => {
    const c = setup();
    expect(c.put('/a', { 'cache-control': 'no-cache', etag: '"v1"' })).toBe(true);
    const found = c.cache.lookup(c.request('/a'));
    expect(found.kind).toBe('stale');
    expect(found.kind === 'stale' && found.revalidationHeaders['if-none-match']).toBe('"v1"');
  });

  it('honours must-revalidate and proxy-revalidate once stale, even with stale-if-error', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=1, must-revalidate, stale-if-error=60', etag: '"a"' });
    c.put('/b', { 'cache-control': 'max-age=1, proxy-revalidate, stale-while-revalidate=60', etag: '"b"' });
    c.advance(2);
    const a = c.cache.lookup(c.request('/a'));
    expect(a.kind).toBe('stale');
    expect(a.kind === 'stale' && c.cache.usableOnError(a.entry)).toBe(false);
    expect(c.kind('/b')).toBe('stale');
  });

  it('revalidates when the client sends Cache-Control: no-cache', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=60', etag: '"a"' });
    expect(c.kind('/a', { 'cache-control': 'no-cache' })).toBe('stale');
    expect(c.kind('/a')).toBe('fresh');
  });

  it('stores a response to a request with Authorization only when the response allows it', () => {
    const c = setup();
    expect(c.put('/a', { 'cache-control': 'max-age=60' }, 'x', { authorization: 'Bearer u1' })).toBe(false);
    expect(c.put('/b', { 'cache-control': 'public, max-age=60' }, 'x', { authorization: 'Bearer u1' })).toBe(true);
    expect(c.put('/c', { 'cache-control': 's-maxage=60' }, 'x', { authorization: 'Bearer u1' })).toBe(true);
    expect(c.kind('/b', { authorization: 'Bearer u2' })).toBe('fresh');
  });

  it('does not serve an entry stored without public to a request with Authorization', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=60' });
    expect(c.kind('/a')).toBe('fresh');
    expect(c.kind('/a', { authorization: 'Bearer u1' })).toBe('miss');
  });

  it('does not store a response that sets a cookie unless it is explicitly public', () => {
    const c = setup();
    expect(c.put('/a', { 'cache-control': 'max-age=60', 'set-cookie': 'session=1' })).toBe(false);
    expect(c.put('/b', { 'cache-control': 'public, max-age=60', 'set-cookie': 'theme=dark' })).toBe(true);
  });
});

describe('Vary', () => {
  it('stores one variant per value of the varied-on headers', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=60', vary: 'Accept-Encoding' }, 'gzip body', { 'accept-encoding': 'gzip' });
    c.put('/a', { 'cache-control': 'max-age=60', vary: 'Accept-Encoding' }, 'plain body', {});
    const gzip = c.cache.lookup(c.request('/a', { 'accept-encoding': 'gzip' }));
    const plain = c.cache.lookup(c.request('/a'));
    expect(gzip.kind === 'fresh' && gzip.entry.body.toString()).toBe('gzip body');
    expect(plain.kind === 'fresh' && plain.entry.body.toString()).toBe('plain body');
    expect(c.kind('/a', { 'accept-encoding': 'br' })).toBe('miss');
    expect(c.cache.objects).toBe(2);
    expect(c.cache.invalidate('/a')).toBe(2);
  });

  it('never stores (or matches) Vary: *', () => {
    const c = setup();
    expect(c.put('/a', { 'cache-control': 'max-age=60', vary: '*' })).toBe(false);
    expect(c.kind('/a')).toBe('miss');
  });
});

describe('stale serving and revalidation', () => {
  it('allows stale-while-revalidate within its window only', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=1, stale-while-revalidate=10', etag: '"a"' });
    c.advance(5);
    expect(c.kind('/a')).toBe('stale-while-revalidate');
    c.advance(7);
    expect(c.kind('/a')).toBe('stale');
  });

  it('allows stale-if-error within its window only', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=1, stale-if-error=10' });
    c.advance(5);
    const found = c.cache.lookup(c.request('/a'));
    expect(found.kind === 'stale' && c.cache.usableOnError(found.entry)).toBe(true);
    c.advance(7);
    const later = c.cache.lookup(c.request('/a'));
    expect(later.kind === 'stale' && c.cache.usableOnError(later.entry)).toBe(false);
  });

  it('refreshes the stored headers from a 304 and keeps the body', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=10', etag: '"v1"', 'x-version': '1' }, 'original');
    c.advance(20);
    const found = c.cache.lookup(c.request('/a'));
    expect(found.kind).toBe('stale');
    if (found.kind !== 'stale') return;
    const { entry, modified } = c.cache.revalidated(found.entry, c.request('/a'), {
      status: 304,
      headers: { date: c.date(), etag: '"v1"', 'cache-control': 'max-age=100', 'x-version': '2' },
    });
    expect(modified).toBe(false);
    expect(entry.body.toString()).toBe('original');
    expect(entry.policy.responseHeaders()['x-version']).toBe('2');
    c.advance(50);
    expect(c.kind('/a')).toBe('fresh');
  });

  it('reports a changed object when the origin answers 200 instead of 304', () => {
    const c = setup();
    c.put('/a', { 'cache-control': 'max-age=10', etag: '"v1"' });
    c.advance(20);
    const found = c.cache.lookup(c.request('/a'));
    if (found.kind !== 'stale') throw new Error('expected stale');
    expect(c.cache.revalidated(found.entry, c.request('/a'), { status: 200, headers: { etag: '"v2"' } }).modified).toBe(true);
  });
});

describe('invalidation, purge and eviction', () => {
  it('purges by path, by prefix and by surrogate key', () => {
    const c = setup();
    c.put('/img/a.png', { 'cache-control': 'max-age=60', 'surrogate-key': 'images a' });
    c.put('/img/b.png', { 'cache-control': 'max-age=60', 'surrogate-key': 'images' });
    c.put('/css/site.css', { 'cache-control': 'max-age=60', 'surrogate-key': 'styles a' });
    c.put('/index.html', { 'cache-control': 'max-age=60' });
    expect(c.cache.purge({ paths: ['/index.html', '/missing'] })).toEqual({ paths: 1, prefixes: 0, tags: 0 });
    expect(c.kind('/index.html')).toBe('miss');
    expect(c.cache.purge({ tags: ['a'] })).toEqual({ paths: 0, prefixes: 0, tags: 2 });
    expect(c.kind('/img/a.png')).toBe('miss');
    expect(c.kind('/img/b.png')).toBe('fresh');
    expect(c.cache.purge({ prefixes: ['/img/'] })).toEqual({ paths: 0, prefixes: 1, tags: 0 });
    expect(c.cache.objects).toBe(0);
    expect(c.evictions()).toBe(0);
  });

  it('stays within maxSize in bytes, evicting least recently used and counting evictions', () => {
    const c = setup(50_000);
    for (let i = 0; i < 20; i++) c.put(`/o${i}`, { 'cache-control': 'max-age=60' }, 'x'.repeat(5_000));
    expect(c.cache.bytes).toBeLessThanOrEqual(50_000);
    expect(c.cache.objects).toBeLessThan(10);
    expect(c.evictions()).toBe(20 - c.cache.objects);
    expect(c.kind('/o19')).toBe('fresh');
    expect(c.kind('/o0')).toBe('miss');
  });

  it('refuses an object larger than the whole cache without flushing it', () => {
    const c = setup(10_000);
    c.put('/small', { 'cache-control': 'max-age=60' }, 'x'.repeat(1_000));
    expect(c.put('/huge', { 'cache-control': 'max-age=60' }, 'x'.repeat(20_000))).toBe(false);
    expect(c.kind('/small')).toBe('fresh');
  });
});
