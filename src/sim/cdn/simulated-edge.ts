import { HttpCache, type CacheRequest, type HttpCacheOptions } from '../../cache/http-cache.ts';
import { syntheticObject } from '../../origin/synthetic.ts';
import type { EdgeConfig } from '../../topology/schema.ts';
import type { ReplayRequest } from '../../trace/replay-request.ts';
import { DEFAULT_MAX_OBJECT_BYTES } from '../../edge/defaults.ts';

/** X-Cache as the live edge reports it for a plain GET. */
export type SimulatedStatus = 'HIT' | 'MISS' | 'STALE' | 'REVALIDATED';

export interface SimulatedEdgeOptions {
  /** The cache as the live edge builds it (capacity, policy), on the simulation's clock. */
  cache: HttpCacheOptions;
  /** Responses larger than this are passed through unstored, as the live edge does. */
  maxObjectBytes: number;
}

/**
 * One edge without sockets: a plain GET for a synthetic object goes through the live edge's own
 * cache code (HttpCache: lookup, decide, store, revalidate) with the headers the built-in origin
 * sends, so capacity is counted exactly as the edge counts it. A revalidation always gets 304,
 * since a synthetic object never changes.
 */
export class SimulatedEdge {
  readonly cache: HttpCache;
  readonly #clock: () => number;
  readonly #maxObjectBytes: number;
  /** Every stored body is a view of this one buffer: only its length matters to the cache. */
  #body = Buffer.alloc(0);

  constructor(options: SimulatedEdgeOptions) {
    this.cache = new HttpCache(options.cache);
    this.#clock = options.cache.clock;
    this.#maxObjectBytes = options.maxObjectBytes;
  }

  request(replay: ReplayRequest): SimulatedStatus {
    const req: CacheRequest = { url: replay.path, method: 'GET', headers: {} };
    const found = this.cache.lookup(req);
    if (found.kind === 'fresh') return 'HIT';
    if (found.kind === 'stale-while-revalidate' || found.kind === 'stale') {
      // The live edge serves STALE and refreshes in the background, or waits for the 304: either
      // way the entry comes back fresh from the origin's unchanged object.
      this.cache.revalidated(found.entry, req, { status: 304, headers: this.#originHeaders(replay, false) });
      return found.kind === 'stale' ? 'REVALIDATED' : 'STALE';
    }
    const headers = this.#originHeaders(replay, true);
    const decision = this.cache.decide(req, { status: 200, headers });
    if (decision.store && replay.bytes <= this.#maxObjectBytes) {
      if (replay.bytes > this.#body.length) this.#body = Buffer.alloc(replay.bytes);
      this.cache.store(req, decision.policy, 200, this.#body.subarray(0, replay.bytes));
    }
    return 'MISS';
  }

  /** The headers the built-in origin answers a GET with (a 304 carries no body headers). */
  #originHeaders(replay: ReplayRequest, withBody: boolean): Record<string, string> {
    const query = new URLSearchParams(replay.path.slice(replay.path.indexOf('?') + 1));
    const made = syntheticObject(replay.id, query);
    if ('error' in made) throw new RangeError(`trace request ${replay.path}: ${made.error}`);
    const object = made.object;
    const headers: Record<string, string> = {
      date: new Date(this.#clock()).toUTCString(),
      etag: object.etag,
      'last-modified': new Date(object.lastModified).toUTCString(),
      'accept-ranges': 'bytes',
    };
    if (object.cacheControl) headers['cache-control'] = object.cacheControl;
    if (withBody) {
      headers['content-type'] = object.contentType;
      headers['content-length'] = String(object.size);
    }
    return headers;
  }
}

/** As the supervisor starts an edge: its own limit, or the edge command's 16 MiB, never more than the cache. */
export function edgeMaxObjectBytes(config: Pick<EdgeConfig, 'maxObjectBytes'>, maxSize: number | undefined): number {
  return Math.min(config.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES, maxSize ?? Infinity);
}
