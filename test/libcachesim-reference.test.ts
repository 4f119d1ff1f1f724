import { beforeAll, describe, expect, it } from 'vitest';
import { createS3Fifo } from '../src/eviction/s3fifo.ts';
import { simulate, type SimResult, type SizeMode } from '../src/sim/simulate.ts';
import { readTrace } from '../src/trace/read-trace.ts';

/**
 * Miss counts of libCacheSim's cachesim (github 1a1a11a/libCacheSim at commit aa0fc40, built with
 * cmake -DENABLE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release, its main.c patched only to print n_miss and
 * n_miss_byte as integers) on data/cloudPhysicsIO.oracleGeneral.bin of that commit, the trace
 * shipped here as traces/cloudPhysicsIO.csv.gz:
 *
 *   cachesim cloudPhysicsIO.oracleGeneral.bin oracleGeneral lru,fifo,clock,sieve,s3fifo,lfu,arc,belady \
 *     489,2448,4897,12243 --ignore-obj-size 1
 *   cachesim cloudPhysicsIO.oracleGeneral.bin oracleGeneral lru,fifo,clock,sieve,s3fifo,lfu,arc,belady \
 *     20297697,101488486,202976972,507442432
 *
 * The sizes are floor(1 %, 5 %, 10 %, 25 %) of the working set (48,974 objects; 2,029,769,728
 * bytes), passed to both simulators as absolute sizes. s3fifo is libCacheSim's S3FIFO-0.1000-2.
 * 113,872 requests. Typed in from the reference's output, never from cdnsim's.
 */
const OBJECT_SIZES = [489, 2448, 4897, 12243];
const BYTE_SIZES = [20_297_697, 101_488_486, 202_976_972, 507_442_432];

const REFERENCE_OBJECT_MISSES: Record<string, number[]> = {
  lru: [95420, 93897, 91657, 76538],
  fifo: [96518, 94122, 91716, 77971],
  clock: [95332, 93829, 91599, 77041],
  sieve: [94419, 93052, 90040, 75430],
  s3fifo: [94559, 91396, 85691, 74318],
  lfu: [96765, 93052, 90040, 75430],
  arc: [94229, 92392, 88002, 69901],
  belady: [90263, 80078, 71620, 59600],
};

/** [misses, missed bytes] per byte size. */
const REFERENCE_BYTE_MISSES: Record<string, [number, number][]> = {
  lru: [[94956, 4280799744], [93700, 4232581120], [92200, 4157572608], [81987, 3677807104]],
  fifo: [[95293, 4282329600], [93741, 4231242240], [91954, 4153497088], [84091, 3811942912]],
  clock: [[94828, 4279953408], [93652, 4232501248], [92082, 4158443008], [81672, 3664963072]],
  sieve: [[93724, 4270392832], [92328, 4196807680], [89993, 4060649472], [76934, 3469850112]],
  s3fifo: [[93706, 4265741824], [91452, 4140668416], [83764, 3764903936], [76771, 3288591872]],
  lfu: [[93724, 4270392832], [92328, 4196807680], [89993, 4060649472], [76934, 3469850112]],
  arc: [[93625, 4267274752], [91348, 4132455936], [87541, 3942487552], [74506, 3310283264]],
  belady: [[91152, 4102901760], [82379, 3603473920], [74162, 3197508096], [62052, 2567073792]],
};

const REQUESTS = 113_872;

function configs(mode: SizeMode, sizes: readonly number[]) {
  return Object.keys(REFERENCE_OBJECT_MISSES).flatMap((policy) => sizes.map((capacity) => ({ policy, capacity, mode })));
}

function found(results: readonly SimResult[], mode: SizeMode, policy: string, capacity: number): SimResult {
  const result = results.find((r) => r.mode === mode && r.policy === policy && r.cache_size === capacity);
  if (!result) throw new Error(`no result for ${policy} at ${capacity} ${mode}`);
  return result;
}

describe('cdnsim sim gives libCacheSim aa0fc40 miss counts on the shipped cloudPhysics trace', () => {
  let results: SimResult[];
  beforeAll(async () => {
    // One pass over the trace for both modes (64 configurations).
    results = await simulate(readTrace('traces/cloudPhysicsIO.csv.gz'), [...configs('objects', OBJECT_SIZES), ...configs('bytes', BYTE_SIZES)]);
  }, 60_000);

  it('in object mode, every policy at 1, 5, 10 and 25 % of the working set', () => {
    const got: Record<string, number[]> = {};
    for (const policy of Object.keys(REFERENCE_OBJECT_MISSES)) {
      got[policy] = OBJECT_SIZES.map((capacity) => {
        const result = found(results, 'objects', policy, capacity);
        expect(result.requests).toBe(REQUESTS);
        return result.misses;
      });
    }
    expect(got).toEqual(REFERENCE_OBJECT_MISSES);
  });

  it('in byte mode, every policy at 1, 5, 10 and 25 % of the working set, misses and missed bytes', () => {
    const got: Record<string, [number, number][]> = {};
    for (const policy of Object.keys(REFERENCE_BYTE_MISSES)) {
      got[policy] = BYTE_SIZES.map((capacity) => {
        const result = found(results, 'bytes', policy, capacity);
        return [result.misses, result.miss_bytes];
      });
    }
    expect(got).toEqual(REFERENCE_BYTE_MISSES);
  });
});

describe('S3-FIFO: aa0fc40 rule (default) and the later one (mainBeforeFirstEviction)', () => {
  /** 'M' or 'H' per request, objects counting 1; and the evictions. */
  function replay(options: { mainBeforeFirstEviction?: boolean }, keys: readonly string[]) {
    const policy = createS3Fifo(20, options);
    const outcomes = keys.map((key) => (policy.access(key) ? 'H' : (policy.admit(key, 1), 'M'))).join('');
    return { outcomes, evictions: policy.evictions };
  }
  // Capacity 20: small 2, main 18, ghost 18. Twenty new keys, then x y z, then k3 again.
  const keys = [...Array.from({ length: 20 }, (_, i) => `k${i + 1}`), 'x', 'y', 'z', 'k3'];

  it('by default new objects fill small past its share until the first eviction, so one-hit wonders leave first', () => {
    // k1..k20 all in small. x, y, z evict k1, k2, k3 to the ghost queue (main is empty, within its
    // share). k3 misses: a ghost hit, admitted to main after evicting k4 from small.
    expect(replay({}, keys)).toEqual({ outcomes: 'M'.repeat(24), evictions: 4 });
  });

  it('with mainBeforeFirstEviction, once small is full new objects go to main until the first eviction', () => {
    // k1 k2 fill small; k3..k20 go to main (18). x evicts k1, y evicts k2, z evicts x: small only.
    // k3 is still in main: a hit.
    expect(replay({ mainBeforeFirstEviction: true }, keys)).toEqual({ outcomes: `${'M'.repeat(23)}H`, evictions: 3 });
  });
});
