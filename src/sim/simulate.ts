import type { TraceBatch } from '../trace/trace-batch.ts';
import type { TraceRequest } from '../trace/trace-request.ts';
import type { EvictionPolicy } from '../eviction/eviction-policy.ts';
import { isFutureAware, type FutureAwarePolicy } from '../eviction/belady.ts';
import { INDEXED_POLICIES } from '../eviction/indexed-policies.ts';
import type { IndexedPolicy } from '../eviction/indexed-policy.ts';
import { POLICIES } from '../eviction/policies.ts';

export type SizeMode = 'objects' | 'bytes';

export interface SimConfig {
  policy: string;
  /** In objects or bytes, by mode. */
  capacity: number;
  mode: SizeMode;
}

/** One (policy, cache size) result, keys as `cdnsim sim --json` prints them. */
export interface SimResult {
  policy: string;
  cache_size: number;
  mode: SizeMode;
  requests: number;
  misses: number;
  miss_ratio: number;
  bytes: number;
  miss_bytes: number;
  byte_miss_ratio: number;
  evictions: number;
  seconds: number;
}

interface Run {
  config: SimConfig;
  /** The policy on key strings, or on key numbers (`indexed`) for batches with interned keys. */
  policy: EvictionPolicy | IndexedPolicy;
  /** The same policy when it must be told the future (Belady). */
  future: FutureAwarePolicy | undefined;
  misses: number;
  missBytes: number;
}

/** Throws a RangeError for an unknown policy or a cache size that is not > 0. */
export function checkConfig(config: SimConfig): void {
  if (!POLICIES[config.policy]) throw new RangeError(`unknown policy "${config.policy}" (known: ${Object.keys(POLICIES).join(', ')})`);
  if (!(config.capacity > 0)) throw new RangeError(`cache size must be > 0, got ${config.capacity}`);
}

/** Whether every configuration's policy has an indexed twin, so the trace can be read with interned keys. */
export function indexable(configs: readonly SimConfig[]): boolean {
  return configs.length > 0 && configs.every((config) => INDEXED_POLICIES[config.policy] !== undefined);
}

export interface SimulateOptions {
  /** Stops the replay between batches. */
  signal?: AbortSignal;
  /**
   * The batches carry interned keys (`ids`, read with an `interner`): replay them through the
   * policies' indexed twins (`indexable` must hold).
   */
  indexed?: boolean;
}

/**
 * Replays a trace through every configuration in one pass, by libCacheSim's conventions: size-0
 * requests are dropped; a request is a miss when its key is not cached, decided before anything
 * is evicted; on a miss the policy evicts while used + size > capacity and inserts, unless the
 * object is larger than the cache; a hit does not change the stored size.
 */
export async function simulate(trace: AsyncIterable<TraceRequest>, configs: readonly SimConfig[]): Promise<SimResult[]> {
  return simulateBatches(batched(trace), configs);
}

/**
 * `simulate` over a batched trace (`readTraceBatches`): the hot loop is synchronous within a batch,
 * one configuration after another (the policies are independent, so the order does not matter).
 */
export async function simulateBatches(batches: AsyncIterable<TraceBatch>, configs: readonly SimConfig[], options: SimulateOptions = {}): Promise<SimResult[]> {
  const { signal, indexed = false } = options;
  if (indexed && !indexable(configs)) throw new RangeError(`interned keys need policies with an indexed twin (${Object.keys(INDEXED_POLICIES).join(', ')})`);
  const runs: Run[] = configs.map((config) => {
    checkConfig(config);
    if (indexed) return { config, policy: INDEXED_POLICIES[config.policy]!(config.capacity), future: undefined, misses: 0, missBytes: 0 };
    const policy = POLICIES[config.policy]!(config.capacity);
    return { config, policy, future: isFutureAware(policy) ? policy : undefined, misses: 0, missBytes: 0 };
  });
  let requests = 0;
  let bytes = 0;
  const started = performance.now();
  const count = (sizes: Float64Array, length: number) => {
    signal?.throwIfAborted();
    for (let i = 0; i < length; i++) {
      const size = sizes[i]!;
      if (size === 0) continue;
      requests++;
      bytes += size;
    }
  };
  const replayAll = (keys: string[], sizes: Float64Array, next: Float64Array | undefined, length: number) => {
    count(sizes, length);
    for (const run of runs) replay(run, keys, sizes, next, length);
  };
  if (indexed) {
    for await (const batch of batches) {
      if (!batch.ids) throw new RangeError('an indexed replay needs batches with interned keys');
      count(batch.sizes, batch.length);
      for (const run of runs) replayIndexed(run, batch.ids, batch.sizes, batch.length);
    }
  } else if (runs.some((run) => run.future)) {
    // Belady needs each request's next use. A trace that carries it (oracleGeneral) streams with
    // the file's positions; any other is read whole first (positions among the requests kept,
    // size 0 dropped), so only runs that include Belady pay that memory.
    const iterator = batches[Symbol.asyncIterator]();
    const first = await iterator.next();
    const rest: AsyncIterable<TraceBatch> = { [Symbol.asyncIterator]: () => iterator };
    if (first.done) {
      // An empty trace: nothing to replay.
    } else if (first.value.nextAccess) {
      replayAll(first.value.keys, first.value.sizes, first.value.nextAccess, first.value.length);
      for await (const batch of rest) replayAll(batch.keys, batch.sizes, batch.nextAccess ?? noFuture(batch.length), batch.length);
    } else {
      const whole = await withNextAccess(first.value, rest);
      replayAll(whole.keys, whole.sizes, whole.next, whole.length);
    }
  } else {
    for await (const batch of batches) replayAll(batch.keys, batch.sizes, undefined, batch.length);
  }
  const seconds = (performance.now() - started) / 1000;
  return runs.map((run) => ({
    policy: run.config.policy,
    cache_size: run.config.capacity,
    mode: run.config.mode,
    requests,
    misses: run.misses,
    miss_ratio: requests ? run.misses / requests : 0,
    bytes,
    miss_bytes: run.missBytes,
    byte_miss_ratio: bytes ? run.missBytes / bytes : 0,
    evictions: run.policy.evictions,
    // One pass feeds every configuration; each is charged the pass's time.
    seconds,
  }));
}

/** One configuration over a batch: the simulator's hot loop. */
function replay(run: Run, keys: string[], sizes: Float64Array, next: Float64Array | undefined, length: number): void {
  const { future } = run;
  const policy = run.policy as EvictionPolicy;
  const objects = run.config.mode === 'objects';
  let misses = run.misses;
  let missBytes = run.missBytes;
  for (let i = 0; i < length; i++) {
    const size = sizes[i]!;
    if (size === 0) {
      // Dropped, but a streamed next-request position (oracleGeneral counts every request) may
      // name this one: Belady learns the key's following request here, as libCacheSim's would.
      if (future && next) future.foresee(keys[i]!, next[i]! < 0 ? Infinity : next[i]!);
      continue;
    }
    const key = keys[i]!;
    if (future) {
      const at = next![i]!;
      future.foresee(key, at < 0 ? Infinity : at);
    }
    if (policy.access(key)) continue;
    misses++;
    missBytes += size;
    policy.admit(key, objects ? 1 : size);
  }
  run.misses = misses;
  run.missBytes = missBytes;
}

/** `replay` over interned keys: the same rules, on the policy's indexed twin. */
function replayIndexed(run: Run, ids: Int32Array, sizes: Float64Array, length: number): void {
  const policy = run.policy as IndexedPolicy;
  const objects = run.config.mode === 'objects';
  let misses = run.misses;
  let missBytes = run.missBytes;
  for (let i = 0; i < length; i++) {
    const size = sizes[i]!;
    if (size === 0) continue;
    const id = ids[i]!;
    if (policy.access(id)) continue;
    misses++;
    missBytes += size;
    policy.admit(id, objects ? 1 : size);
  }
  run.misses = misses;
  run.missBytes = missBytes;
}

function noFuture(length: number): Float64Array {
  return new Float64Array(length).fill(-1);
}

/** The trace in memory (size-0 requests dropped), with the position of each key's next request, -1 if none. */
async function withNextAccess(first: TraceBatch, rest: AsyncIterable<TraceBatch>): Promise<{ keys: string[]; sizes: Float64Array; next: Float64Array; length: number }> {
  const keys: string[] = [];
  let sizes = new Float64Array(1 << 16);
  const add = (batch: TraceBatch) => {
    for (let i = 0; i < batch.length; i++) {
      const size = batch.sizes[i]!;
      if (size === 0) continue;
      if (keys.length === sizes.length) {
        const grown = new Float64Array(sizes.length * 2);
        grown.set(sizes);
        sizes = grown;
      }
      sizes[keys.length] = size;
      keys.push(batch.keys[i]!);
    }
  };
  add(first);
  for await (const batch of rest) add(batch);
  const next = new Float64Array(keys.length);
  const seen = new Map<string, number>();
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i]!;
    next[i] = seen.get(key) ?? -1;
    seen.set(key, i);
  }
  return { keys, sizes, next, length: keys.length };
}

/** Requests one at a time, as batches (next-request positions, if any, are recomputed for Belady). */
async function* batched(trace: AsyncIterable<TraceRequest>, size = 4096): AsyncGenerator<TraceBatch> {
  let batch = { length: 0, keys: [] as string[], sizes: new Float64Array(size), times: new Float64Array(size) };
  for await (const request of trace) {
    batch.keys.push(request.key);
    batch.sizes[batch.length] = request.size;
    batch.times[batch.length] = request.time;
    if (++batch.length === size) {
      yield batch;
      batch = { length: 0, keys: [], sizes: new Float64Array(size), times: new Float64Array(size) };
    }
  }
  if (batch.length > 0) yield batch;
}
