import { describe, expect, it } from 'vitest';
import { HttpCache } from '../src/cache/http-cache.ts';
import { cacheDriver } from './helpers/cache-driver.ts';

/** H = served fresh from the cache, M = fetched and stored. Capacities in objects unless said. */
describe('HttpCache evicts with the configured policy, where it differs from LRU', () => {
  it('fifo: a hit does not save the oldest object', () => {
    // a b c stored; a hits; d evicts a (first in), so b still hits; e evicts b; a evicts c.
    // LRU would evict b for d (a was just used), and miss b.
    const sequence = 'a b c a d b e a';
    expect(cacheDriver({ maxObjects: 3, policy: 'fifo' }).replay(sequence)).toBe('MMMHMHMM');
    expect(cacheDriver({ maxObjects: 3, policy: 'lru' }).replay(sequence)).toBe('MMMHMMMM');
  });

  it('clock: the hand clears reference bits in insertion order, not in order of use', () => {
    // c, b, a are hit in that order, so LRU evicts c for d. CLOCK: all three bits set; the hand
    // clears a, b, c in turn, comes round to a (now clear) and evicts it; a then evicts b; c hits.
    const sequence = 'a b c c b a d a c';
    expect(cacheDriver({ maxObjects: 3, policy: 'clock' }).replay(sequence)).toBe('MMMHHHMMH');
    expect(cacheDriver({ maxObjects: 3, policy: 'lru' }).replay(sequence)).toBe('MMMHHHMHM');
  });

  it('sieve: the hand stays where it stopped, so an object behind it outlives newer ones', () => {
    // b is hit. d: the hand evicts a (unvisited) and stops at b. e: clears b, evicts c, stops
    // at d. f: evicts d (unvisited), not b, which is behind the hand: b hits. LRU evicted b for f.
    const sequence = 'a b c b d e f b';
    expect(cacheDriver({ maxObjects: 3, policy: 'sieve' }).replay(sequence)).toBe('MMMHMMMH');
    expect(cacheDriver({ maxObjects: 3, policy: 'lru' }).replay(sequence)).toBe('MMMHMMMM');
  });

  it('lfu: the object used twice survives the newcomers', () => {
    // a has 2 uses. d evicts b (1 use, older than c); b evicts c; e evicts d (1 use, oldest); a hits.
    const sequence = 'a b c a d b e a';
    expect(cacheDriver({ maxObjects: 3, policy: 'lfu' }).replay(sequence)).toBe('MMMHMMMH');
    expect(cacheDriver({ maxObjects: 3, policy: 'lru' }).replay(sequence)).toBe('MMMHMMMM');
  });

  it('arc: an object seen twice (T2) survives a scan of new ones (T1)', () => {
    // a, hit, moves to T2. b c go to T1. d: REPLACE takes T1's oldest b (|T1| 2 > p 0) to the
    // ghost list B1; a is still cached and hits. LRU evicted a, the least recently used, for d.
    const sequence = 'a a b c d a';
    expect(cacheDriver({ maxObjects: 3, policy: 'arc' }).replay(sequence)).toBe('MHMMMH');
    expect(cacheDriver({ maxObjects: 3, policy: 'lru' }).replay(sequence)).toBe('MHMMMM');
  });

  it('s3fifo: one-hit wonders pass through the small queue while the main queue keeps its objects', () => {
    // Capacity 20: small 2, main 18, ghost 18 (libCacheSim aa0fc40: until the first eviction only
    // the whole capacity bounds the small queue). k1 is hit twice; k1..k20 all sit in small. x
    // makes room from small: k1 (2 hits) moves to main, k2 is evicted to the ghost queue; y evicts
    // k3, z evicts k4. k1 hits in main. k2 returns: a ghost hit, admitted to main (k5 leaves small); it hits.
    // LRU evicted k1 k2 k3 for x y z, so misses k1 and k2 (k4 and k5 go), then k2 hits.
    const keys = Array.from({ length: 19 }, (_, i) => `k${i + 2}`).join(' ');
    const sequence = `k1 k1 k1 ${keys} x y z k1 k2 k2`;
    const s3fifo = cacheDriver({ maxObjects: 20, policy: 's3fifo' });
    expect(s3fifo.replay(sequence)).toBe(`MHH${'M'.repeat(22)}HMH`);
    expect(s3fifo.evictions()).toBe(4);
    expect(cacheDriver({ maxObjects: 20, policy: 'lru' }).replay(sequence)).toBe(`MHH${'M'.repeat(24)}H`);
  });
});

describe('HttpCache on a PolicyStore', () => {
  it('purges and invalidates through the policy: a purged object frees its room without an eviction', () => {
    const c = cacheDriver({ maxObjects: 3, policy: 'fifo' });
    expect(c.replay('a b c')).toBe('MMM');
    expect(c.cache.purge({ paths: ['/b'] })).toEqual({ paths: 1, prefixes: 0, tags: 0 });
    expect(c.cache.invalidate('/nothing')).toBe(0);
    expect(c.cache.objects).toBe(2);
    // d fits in b's room; e evicts a, the oldest; c and d are still there.
    expect(c.replay('d e c d')).toBe('MMHH');
    expect(c.evictions()).toBe(1);
    expect(c.replay('b a')).toBe('MM');
    expect(c.cache.purge({ prefixes: ['/'] }).prefixes).toBe(3);
    expect([c.cache.objects, c.cache.bytes]).toEqual([0, 0]);
  });

  it('purges by surrogate key', () => {
    const c = cacheDriver({ maxObjects: 5, policy: 'sieve' });
    c.get('/x', 100, { 'surrogate-key': 'red' });
    c.get('/y', 100, { 'surrogate-key': 'red blue' });
    c.get('/z', 100, { 'surrogate-key': 'blue' });
    expect(c.cache.purge({ tags: ['red'] }).tags).toBe(2);
    expect(c.replay('z x')).toBe('HM');
  });

  it('refuses an object larger than the whole cache without flushing it', () => {
    const c = cacheDriver({ maxSize: 10_000, policy: 'lfu' });
    expect(c.get('/small', 1_000)).toBe('M');
    expect(c.get('/huge', 20_000)).toBe('M');
    expect(c.cache.objects).toBe(1);
    expect(c.evictions()).toBe(0);
    expect(c.replay('small huge')).toBe('HM');
  });

  it('counts bytes by entry size in byte mode, evicting by the policy', () => {
    const c = cacheDriver({ maxSize: 5_000, policy: 'fifo' });
    for (let i = 0; i < 10; i++) c.get(`/o${i}`, 1_000);
    expect(c.cache.bytes).toBeLessThanOrEqual(5_000);
    expect(c.cache.objects).toBeGreaterThan(1);
    expect(c.evictions()).toBe(10 - c.cache.objects);
    expect(c.replay('o0 o9')).toBe('MH');
  });

  it('a refreshed entry keeps its place: the lookup that found it stale was its use', () => {
    const c = cacheDriver({ maxObjects: 2, policy: 'fifo' });
    c.get('/a', 100, { 'cache-control': 'max-age=10' });
    c.get('/b', 100, { 'cache-control': 'max-age=1000' });
    c.advance(20);
    const found = c.cache.lookup(c.request('/a'));
    if (found.kind !== 'stale') throw new Error(`expected stale, got ${found.kind}`);
    const refreshed = c.cache.revalidated(found.entry, c.request('/a'), {
      status: 304,
      headers: { date: c.date(), etag: '"gen-xxxxxxxxxxxxxxxxxxxxxx"', 'cache-control': 'max-age=10' },
    });
    expect(refreshed.modified).toBe(false);
    expect(c.evictions()).toBe(0);
    expect(c.replay('a')).toBe('H');
    // a is still first in: c evicts it, not b.
    expect(c.replay('c b a')).toBe('MHM');
  });
});

describe('HttpCache capacity in objects', () => {
  it.each(['lru', 'fifo', 'arc'])('%s: every entry counts 1 whatever its size, and bytes still sum the entries', (policy) => {
    const c = cacheDriver({ maxObjects: 3, policy });
    const sizes = [10, 5_000, 300, 70_000, 42];
    sizes.forEach((bytes, i) => c.get(`/o${i}`, bytes));
    expect(c.cache.objects).toBe(3);
    expect(c.evictions()).toBe(2);
    // Each entry costs its body plus headers and overhead; the last three bodies are all there.
    expect(c.cache.bytes).toBeGreaterThan(300 + 70_000 + 42);
    expect(c.cache.bytes).toBeLessThan(300 + 70_000 + 42 + 3 * 1_000);
    expect(c.replay('o4')).toBe('H');
  });

  it('refuses a simulation-only or unknown policy, and a capacity given twice or not at all', () => {
    const clock = () => 0;
    expect(() => new HttpCache({ maxObjects: 3, policy: 'belady', clock })).toThrow(/needs the future.*simulation-only/);
    expect(() => new HttpCache({ maxObjects: 3, policy: 'mru', clock })).toThrow(/unknown policy "mru" \(known: lru, fifo/);
    // Deliberately outside the types, as a JavaScript caller could.
    expect(() => new HttpCache({ maxSize: 10, maxObjects: 3, clock } as never)).toThrow(/exactly one capacity/);
    expect(() => new HttpCache({ clock } as never)).toThrow(/exactly one capacity/);
    expect(() => new HttpCache({ maxObjects: 0, clock })).toThrow(/maxObjects must be a positive integer/);
  });
});

describe('HttpCache index upkeep while the store evicts', () => {
  it.each(['lru', 'fifo'])('%s: a variant stored while making room evicts its sibling stays findable', (policy) => {
    const now = Date.UTC(2026, 10, 1);
    const cache = new HttpCache({ maxObjects: 2, policy, clock: () => now });
    const put = (url: string, encoding: string) => {
      const req = { url, method: 'GET', headers: { 'accept-encoding': encoding } };
      const decision = cache.decide(req, { status: 200, headers: { date: new Date(now).toUTCString(), 'cache-control': 'max-age=60', vary: 'Accept-Encoding' } });
      if (!decision.store) throw new Error(decision.reason);
      cache.store(req, decision.policy, 200, Buffer.from(encoding));
    };
    put('/v', 'gzip');
    put('/other', 'gzip');
    // Room for br is made by evicting /v's gzip variant, the URL's only other entry.
    put('/v', 'br');
    expect(cache.lookup({ url: '/v', method: 'GET', headers: { 'accept-encoding': 'br' } }).kind).toBe('fresh');
    expect(cache.invalidate('/v')).toBe(1);
  });
});
