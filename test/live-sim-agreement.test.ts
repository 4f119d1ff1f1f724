import { describe, expect, it } from 'vitest';
import { LIVE_POLICIES } from '../src/eviction/live-policies.ts';
import { POLICIES } from '../src/eviction/policies.ts';
import { simulate } from '../src/sim/simulate.ts';
import type { TraceRequest } from '../src/trace/trace-request.ts';
import { createRandom } from '../src/workload/random.ts';
import { ZipfSampler } from '../src/workload/zipf.ts';
import { cacheDriver } from './helpers/cache-driver.ts';

async function* stream(requests: readonly TraceRequest[]) {
  yield* requests;
}

/** Zipf(0.9) over 3,000 objects of varied sizes: sizes must not matter when the capacity counts objects. */
function zipfTrace(seed: number, length: number): TraceRequest[] {
  const zipf = new ZipfSampler(3_000, 0.9);
  const random = createRandom(seed);
  return Array.from({ length }, (_, time) => {
    const rank = zipf.sample(random);
    return { time, key: `/gen/${rank}`, size: 100 + ((rank * 7919) % 5_000) };
  });
}

describe('the live cache and the simulator give the same answer on the same policy code', () => {
  it('every live policy is a simulator policy, and only Belady is simulation-only', () => {
    expect([...LIVE_POLICIES, 'belady'].sort()).toEqual(Object.keys(POLICIES).sort());
  });

  const requests = zipfTrace(42, 30_000);
  describe.each(LIVE_POLICIES)('%s', (policy) => {
    it.each([50, 300])('hits and evictions of HttpCache (maxObjects %i) equal simulate() in objects mode', async (capacity) => {
      const live = cacheDriver({ maxObjects: capacity, policy });
      let hits = 0;
      for (const request of requests) if (live.get(request.key, request.size) === 'H') hits++;
      const [simulated] = await simulate(stream(requests), [{ policy, capacity, mode: 'objects' }]);
      expect(hits).toBe(simulated!.requests - simulated!.misses);
      expect(live.evictions()).toBe(simulated!.evictions);
      // Not a vacuous agreement: the cache is full and busy.
      expect(hits).toBeGreaterThan(requests.length / 10);
      expect(live.cache.objects).toBeLessThanOrEqual(capacity);
      expect(live.evictions()).toBeGreaterThan(1_000);
    });
  });
});
