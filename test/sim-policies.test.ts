import { describe, expect, it } from 'vitest';
import { POLICIES } from '../src/eviction/policies.ts';
import { simulate } from '../src/sim/simulate.ts';
import { readTrace } from '../src/trace/read-trace.ts';
import type { TraceRequest } from '../src/trace/trace-request.ts';
import { createRandom } from '../src/workload/random.ts';
import { ZipfSampler } from '../src/workload/zipf.ts';

/** "a b:5 c" -> requests; a bare key has size 1. */
function trace(text: string): TraceRequest[] {
  return text.split(/\s+/).map((token, time) => {
    const [key, size] = token.split(':');
    return { time, key: key!, size: size === undefined ? 1 : Number(size) };
  });
}

async function* stream(requests: readonly TraceRequest[]) {
  yield* requests;
}

async function run(policy: string, capacity: number, requests: readonly TraceRequest[], mode: 'objects' | 'bytes' = 'objects') {
  const [result] = await simulate(stream(requests), [{ policy, capacity, mode }]);
  return { misses: result!.misses, hits: result!.requests - result!.misses, evictions: result!.evictions };
}

describe('policies on hand-worked traces (capacity 3 objects): a b c a d b e a', () => {
  const requests = trace('a b c a d b e a');

  it('LRU', async () => {
    // a b c miss; a hits (order b c a); d evicts b; b evicts c; e evicts a; a evicts d.
    expect(await run('lru', 3, requests)).toEqual({ misses: 7, hits: 1, evictions: 4 });
  });

  it('FIFO', async () => {
    // a b c miss; a hits; d evicts a (oldest); b hits; e evicts b; a evicts c.
    expect(await run('fifo', 3, requests)).toEqual({ misses: 6, hits: 2, evictions: 3 });
  });

  it('CLOCK', async () => {
    // a hit sets a's bit; d: a's bit cleared and a reinserted, b evicted; b evicts c; e evicts a; a evicts d.
    expect(await run('clock', 3, requests)).toEqual({ misses: 7, hits: 1, evictions: 4 });
  });

  it('LFU', async () => {
    // a is hit (freq 2); d evicts b (the older of the freq-1 objects b, c); b evicts c; e evicts d; a hits.
    expect(await run('lfu', 3, requests)).toEqual({ misses: 6, hits: 2, evictions: 3 });
  });

  it('ARC', async () => {
    // a b c go to T1; a hits: T2 [a]. d: REPLACE moves b (T1's oldest, |T1| 2 > p 0) to B1.
    // b is in B1: p = 1; REPLACE moves c to B1 (|T1| 2 > 1); b joins T2 [a b].
    // e: |T1|+|B1| = 2 < 3, directory full: REPLACE takes T2's oldest a to B2 (|T1| 1 = p).
    // a is in B2: p = 0; REPLACE moves d (T1's oldest) to B1; a joins T2. One hit, four evictions.
    expect(await run('arc', 3, requests)).toEqual({ misses: 7, hits: 1, evictions: 4 });
  });

  it('Belady', async () => {
    // Positions 0-7. At d (4): a is next at 7, b at 5, c never: c goes. b hits at 5.
    // At e (6): b and d are never requested again: one of them goes. a hits at 7.
    expect(await run('belady', 3, requests)).toEqual({ misses: 5, hits: 3, evictions: 2 });
  });

  it('SIEVE', async () => {
    // a hit marks a; d: hand clears a, evicts b, stops at c; b evicts c (hand at d);
    // e evicts d (hand at b); the last a is still cached: a hit.
    expect(await run('sieve', 3, requests)).toEqual({ misses: 6, hits: 2, evictions: 3 });
  });
});

describe('S3-FIFO on a hand-worked byte trace (capacity 100: small 10, main 90, ghost 90)', () => {
  it('promotes twice-hit objects, remembers one-hit wonders in the ghost queue and admits them to main when they return', async () => {
    // a:5 b:4 go to small; a is hit twice (freq 2). c:9 goes to small too (9 < 10), and so do
    // d..l (9 each): until the first eviction only the capacity bounds small (99 in small).
    // m:9 needs room (99 + 9 > 100): main (0) is within its 90, so small's oldest a (freq 2) moves
    // to main; b (freq 0) is evicted to the ghost; still 104 > 100: c is evicted to the ghost; m
    // goes to small. b:4 returns: a ghost hit, so it goes to main without eviction (95 + 4 = 99).
    // a hits in main.
    const requests = trace('a:5 b:4 a:5 a:5 c:9 d:9 e:9 f:9 g:9 h:9 i:9 j:9 k:9 l:9 m:9 b:4 a:5');
    expect(await run('s3fifo', 100, requests, 'bytes')).toEqual({ misses: 14, hits: 3, evictions: 2 });
  });

  it('does not admit an object as large as the small queue unless the ghost vouches for it', async () => {
    expect(await run('s3fifo', 100, trace('big:10 big:10 big:10'), 'bytes')).toEqual({ misses: 3, hits: 0, evictions: 0 });
  });
});

describe('simulation conventions', () => {
  it('drops size-0 requests, never admits an object larger than the cache, and counts bytes', async () => {
    const [result] = await simulate(stream(trace('a:0 huge:500 a:10 a:10')), [{ policy: 'lru', capacity: 100, mode: 'bytes' }]);
    expect(result).toMatchObject({ requests: 3, misses: 2, bytes: 520, miss_bytes: 510, evictions: 0 });
  });

  it('refuses unknown policies (listing the known ones) and sizes <= 0', async () => {
    await expect(simulate(stream([]), [{ policy: 'mru', capacity: 1, mode: 'objects' }])).rejects.toThrow(/unknown policy "mru" \(known: lru, fifo, clock, sieve, s3fifo, lfu, arc, belady\)/);
    await expect(simulate(stream([]), [{ policy: 'lru', capacity: 0, mode: 'objects' }])).rejects.toThrow(/cache size must be > 0/);
  });

  it('on the shipped trace: LRU misses never rise with cache size, and every policy sees every request', async () => {
    const sizes = [1000, 2000, 5000, 10_000, 20_000];
    const results = await simulate(
      readTrace('traces/cloudPhysicsIO.csv.gz'),
      Object.keys(POLICIES).flatMap((policy) => sizes.map((capacity) => ({ policy, capacity, mode: 'objects' as const }))),
    );
    const lru = results.filter((result) => result.policy === 'lru').map((result) => result.miss_ratio);
    for (let i = 1; i < lru.length; i++) expect(lru[i]).toBeLessThanOrEqual(lru[i - 1]!);
    for (const result of results) expect(result.requests).toBe(113_872);
    // Belady is optimal for unit sizes: no policy misses less at any size.
    for (const capacity of sizes) {
      const atSize = results.filter((result) => result.cache_size === capacity);
      const belady = atSize.find((result) => result.policy === 'belady')!.misses;
      for (const result of atSize) expect(belady, `${result.policy} at ${capacity}`).toBeLessThanOrEqual(result.misses);
    }
  });

  it('Belady is never worse than any policy on the hand-worked and random traces', async () => {
    const random = createRandom(5);
    const traces = [trace('a b c a d b e a'), trace('a b c d a b e a b c d e'), Array.from({ length: 3000 }, (_, time) => ({ time, key: String(random.int(200)), size: 1 }))];
    for (const requests of traces) {
      for (const capacity of [2, 3, 10, 50]) {
        const results = await simulate(stream(requests), Object.keys(POLICIES).map((policy) => ({ policy, capacity, mode: 'objects' as const })));
        const belady = results.find((result) => result.policy === 'belady')!.misses;
        for (const result of results) expect(belady).toBeLessThanOrEqual(result.misses);
      }
    }
  });

  it('LRU on an independent Zipf(0.8) stream is within 1 point of Che\'s approximation', async () => {
    const n = 10_000;
    const capacity = 1_000;
    const zipf = new ZipfSampler(n, 0.8);
    const random = createRandom(11);
    const requests = Array.from({ length: 400_000 }, (_, time) => ({ time, key: String(zipf.sample(random)), size: 1 }));
    const [result] = await simulate(stream(requests), [{ policy: 'lru', capacity, mode: 'objects' }]);
    // Che: the characteristic time T solves sum_i (1 - e^(-p_i T)) = C; hit ratio = sum_i p_i (1 - e^(-p_i T)).
    const p = Array.from({ length: n }, (_, k) => zipf.probability(k));
    let low = 0;
    let high = 1e9;
    for (let i = 0; i < 200; i++) {
      const t = (low + high) / 2;
      if (p.reduce((sum, pi) => sum + (1 - Math.exp(-pi * t)), 0) < capacity) low = t;
      else high = t;
    }
    const che = p.reduce((sum, pi) => sum + pi * (1 - Math.exp(-pi * low)), 0);
    // Cold misses of the first ~n requests are not in Che's steady state: allow for them.
    const coldMisses = capacity / requests.length;
    expect(Math.abs(1 - result!.miss_ratio - che)).toBeLessThan(0.01 + coldMisses);
  });
});
