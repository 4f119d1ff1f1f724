import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIndexedLru } from '../src/eviction/indexed-lru.ts';
import { createLru } from '../src/eviction/lru.ts';

// The offline simulator's LRU over interned keys must decide exactly as createLru (lru-cache, the
// edges' store) request by request: the same hits and misses, the same keys evicted in the same
// order, the same bytes used, in both of the simulator's units.

interface Step {
  hit: boolean;
  admitted: boolean;
  evicted: number[];
  used: number;
}

/** Replays (key, size) requests as the simulator does: a miss is admitted at 1 (objects) or at its size (bytes). */
function replay(
  make: (onEvict: (key: number) => void) => { access(key: number): boolean; admit(key: number, size: number): boolean; readonly used: number; readonly evictions: number },
  requests: readonly [number, number][],
  objects: boolean,
) {
  let evicted: number[] = [];
  const policy = make((key) => evicted.push(key));
  const steps: Step[] = requests.map(([key, size]) => {
    evicted = [];
    const hit = policy.access(key);
    const admitted = hit ? false : policy.admit(key, objects ? 1 : size);
    return { hit, admitted, evicted, used: policy.used };
  });
  return { steps, evictions: policy.evictions };
}

function viaLruCache(capacity: number, requests: readonly [number, number][], objects: boolean) {
  return replay(
    (onEvict) => {
      const lru = createLru(capacity, { onEvict: (key) => onEvict(Number(key)) });
      return { access: (key) => lru.access(String(key)), admit: (key, size) => lru.admit(String(key), size), get used() { return lru.used; }, get evictions() { return lru.evictions; } };
    },
    requests,
    objects,
  );
}

function viaIndexed(capacity: number, requests: readonly [number, number][], objects: boolean) {
  return replay((onEvict) => createIndexedLru(capacity, { onEvict }), requests, objects);
}

/** Requests over few keys (so that keys come back), sizes from 1 to past the capacity. */
const traces = fc
  .record({ keys: fc.integer({ min: 1, max: 300 }), capacity: fc.integer({ min: 1, max: 400 }) })
  .chain(({ keys, capacity }) =>
    fc.record({
      capacity: fc.constant(capacity),
      requests: fc.array(fc.tuple(fc.nat({ max: keys - 1 }), fc.integer({ min: 1, max: capacity + 20 })), { minLength: 1, maxLength: 3000 }),
    }),
  );

describe('offline LRU over key numbers = lru-cache LRU, request by request', () => {
  for (const mode of ['objects', 'bytes'] as const) {
    it(`random traces, ${mode}`, () => {
      fc.assert(
        fc.property(traces, ({ capacity, requests }) => {
          expect(viaIndexed(capacity, requests, mode === 'objects')).toEqual(viaLruCache(capacity, requests, mode === 'objects'));
        }),
        { numRuns: 300, seed: mode === 'objects' ? 15 : 16 },
      );
    });
  }

  it('key numbers past its first arrays (they grow), sizes up to 2^40', () => {
    const requests: [number, number][] = [];
    for (let i = 0; i < 50_000; i++) requests.push([(i * 7919) % 200_003, 1 + ((i * 104729) % 2 ** 40)]);
    const capacity = 2 ** 45;
    expect(viaIndexed(capacity, requests, false)).toEqual(viaLruCache(capacity, requests, false));
    expect(viaIndexed(5_000, requests, true)).toEqual(viaLruCache(5_000, requests, true));
  });

  it('a broken twin is caught: evicting the most recent instead differs', () => {
    // The comparison can fail: an MRU policy (the wrong end of the list) is told apart at once.
    const requests: [number, number][] = [[1, 1], [2, 1], [1, 1], [3, 1], [2, 1]];
    const mru = (onEvict: (key: number) => void) => {
      const order: number[] = [];
      let evictions = 0;
      return {
        access: (key: number) => {
          const at = order.indexOf(key);
          if (at < 0) return false;
          order.splice(at, 1);
          order.push(key);
          return true;
        },
        admit: (key: number) => {
          if (order.length === 2) {
            onEvict(order.pop()!);
            evictions++;
          }
          order.push(key);
          return true;
        },
        get used() {
          return order.length;
        },
        get evictions() {
          return evictions;
        },
      };
    };
    expect(replay(mru, requests, true)).not.toEqual(viaLruCache(2, requests, true));
    expect(viaIndexed(2, requests, true)).toEqual(viaLruCache(2, requests, true));
  });
});
