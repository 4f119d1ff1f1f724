import type { TraceRequest } from '../trace/trace-request.ts';
import type { EvictionPolicy } from './eviction-policy.ts';
import { isFutureAware } from './policies/belady.ts';
import { POLICIES } from './policies/index.ts';

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

/**
 * Replays a trace through every configuration in one pass, by libCacheSim's conventions: size-0
 * requests are dropped; a request is a miss when its key is not cached, decided before anything
 * is evicted; on a miss the policy evicts while used + size > capacity and inserts, unless the
 * object is larger than the cache; a hit does not change the stored size.
 */
export async function simulate(trace: AsyncIterable<TraceRequest>, configs: readonly SimConfig[]): Promise<SimResult[]> {
  const runs = configs.map((config) => {
    const factory = POLICIES[config.policy];
    if (!factory) throw new RangeError(`unknown policy "${config.policy}" (known: ${Object.keys(POLICIES).join(', ')})`);
    if (!(config.capacity > 0)) throw new RangeError(`cache size must be > 0, got ${config.capacity}`);
    return { config, policy: factory(config.capacity) as EvictionPolicy, misses: 0, missBytes: 0, seconds: 0 };
  });
  let requests = 0;
  let bytes = 0;
  const started = performance.now();
  const foresight = runs.some((run) => isFutureAware(run.policy));
  // Belady needs each request's next use: unless the trace carries it (oracleGeneral), the trace
  // is read whole first. Only runs that include Belady pay that memory.
  const source = foresight ? await withNextAccess(trace) : trace;
  for await (const request of source) {
    if (request.size === 0) continue;
    requests++;
    bytes += request.size;
    for (const run of runs) {
      if (isFutureAware(run.policy)) run.policy.foresee(request.key, request.nextAccess === undefined || request.nextAccess < 0 ? Infinity : request.nextAccess);
      if (run.policy.access(request.key)) continue;
      run.misses++;
      run.missBytes += request.size;
      run.policy.admit(request.key, run.config.mode === 'objects' ? 1 : request.size);
    }
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

/** The trace in memory, each request marked with the position of its key's next request (size-0 requests dropped). */
async function withNextAccess(trace: AsyncIterable<TraceRequest>): Promise<TraceRequest[]> {
  const requests: TraceRequest[] = [];
  for await (const request of trace) if (request.size !== 0) requests.push(request);
  const seen = new Map<string, number>();
  for (let i = requests.length - 1; i >= 0; i--) {
    const request = requests[i]!;
    requests[i] = { ...request, nextAccess: seen.get(request.key) ?? -1 };
    seen.set(request.key, i);
  }
  return requests;
}
