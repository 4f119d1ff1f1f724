import { describe, expect, it } from 'vitest';
import { POLICIES } from '../src/eviction/policies.ts';
import { createRandom } from '../src/workload/random.ts';
import { ZipfSampler } from '../src/workload/zipf.ts';

/**
 * A store sitting on a policy keeps a mirror of what the policy holds, learning of evictions only
 * through onEvict. If the policy reported a ghost key, missed a victim, or let remove() leave a
 * trace, the mirror and the policy's own answers (access, used) would part.
 */
describe.each(Object.keys(POLICIES))('%s reports what it evicts and forgets what is removed', (name) => {
  it.each([
    ['objects', 50, () => 1],
    ['bytes', 5_000, (random: ReturnType<typeof createRandom>) => 1 + random.int(400)],
  ] as const)('in %s mode', (_mode, capacity, sizeOf) => {
    const stored = new Map<string, number>();
    let reported = 0;
    const policy = POLICIES[name]!(capacity, {
      onEvict: (key) => {
        expect(stored.has(key), `evicted ${key}, which is not stored`).toBe(true);
        stored.delete(key);
        reported++;
      },
    });
    const random = createRandom(7);
    const zipf = new ZipfSampler(300, 0.9);
    const sizes = new Map<string, number>();
    let removed = 0;
    for (let i = 0; i < 20_000; i++) {
      const key = `k${zipf.sample(random)}`;
      if (!sizes.has(key)) sizes.set(key, sizeOf(random));
      if (random.next() < 0.05) {
        // A purge: of a stored key, or of one the policy may only remember as a ghost.
        expect(policy.remove(key)).toBe(stored.has(key));
        if (stored.delete(key)) removed++;
        continue;
      }
      const hit = policy.access(key);
      expect(hit).toBe(stored.has(key));
      if (!hit && policy.admit(key, sizes.get(key)!)) stored.set(key, sizes.get(key)!);
      expect(policy.used).toBe([...stored.values()].reduce((sum, size) => sum + size, 0));
    }
    expect(policy.evictions).toBe(reported);
    expect(reported).toBeGreaterThan(100);
    expect(removed).toBeGreaterThan(100);
  });
});
