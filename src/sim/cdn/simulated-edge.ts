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

/** What the built-in origin answers for one synthetic object: its headers, and its size. */
export interface OriginAnswer {
  status: number;
  headers: Record<string, string>;
  bytes: number;
}

/**
 * How a fetch through edge functions went: the origin's answer (possibly with changed headers),
 * or, when a function answered or failed instead, what the edge delivered in its place (never stored).
 */
export type FetchThrough =
  /** `generated`: an origin-request function answered in the origin's place; stored all the same, and counted under this X-Cache. */
  | { kind: 'origin'; answer: OriginAnswer; generated?: string }
  | { kind: 'answered'; status: number; cacheStatus: string; bytes: number };

export type ServedThrough =
  | { kind: 'cache'; status: number; cacheStatus: SimulatedStatus | string; bytes: number }
  | { kind: 'answered'; status: number; cacheStatus: string; bytes: number };

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
      this.cache.revalidated(found.entry, req, { status: 304, headers: this.#answerFor(replay.id, replay.path, false).headers });
      return found.kind === 'stale' ? 'REVALIDATED' : 'STALE';
    }
    this.#storeIfCacheable(req, this.#answerFor(replay.id, replay.path, true));
    return 'MISS';
  }

  /**
   * The same as request(), for an edge with functions: `keyPath` is the cache key (after the
   * viewer-request function), and `fetch` goes to the origin through the origin functions, which
   * may change the object fetched, its headers, or answer instead (then nothing is stored).
   */
  async requestThrough(keyPath: string, fetch: (revalidation: boolean) => Promise<FetchThrough>): Promise<ServedThrough> {
    const req: CacheRequest = { url: keyPath, method: 'GET', headers: {} };
    const found = this.cache.lookup(req);
    if (found.kind === 'fresh') return { kind: 'cache', status: found.entry.status, cacheStatus: 'HIT', bytes: found.entry.body.length };
    const fetched = await fetch(found.kind !== 'miss');
    if (fetched.kind === 'answered') return fetched;
    const { answer } = fetched;
    if ((found.kind === 'stale-while-revalidate' || found.kind === 'stale') && answer.status === 304) {
      this.cache.revalidated(found.entry, req, { status: 304, headers: answer.headers });
      return { kind: 'cache', status: found.entry.status, cacheStatus: found.kind === 'stale' ? 'REVALIDATED' : 'STALE', bytes: found.entry.body.length };
    }
    this.#storeIfCacheable(req, answer);
    return { kind: 'cache', status: answer.status, cacheStatus: fetched.generated ?? 'MISS', bytes: answer.bytes };
  }

  /** What the built-in origin answers a GET of `path` with (a 304 carries no body headers). */
  originAnswer(path: string, withBody: boolean): OriginAnswer {
    const queryAt = path.indexOf('?');
    const match = /^\/gen\/([^/]+)$/.exec(queryAt === -1 ? path : path.slice(0, queryAt));
    if (!match) throw new RangeError(`${path}: the offline simulator knows only the built-in origin's /gen/<id> objects`);
    return this.#answerFor(match[1]!, path, withBody);
  }

  #answerFor(id: string, path: string, withBody: boolean): OriginAnswer {
    const queryAt = path.indexOf('?');
    const made = syntheticObject(id, new URLSearchParams(queryAt === -1 ? '' : path.slice(queryAt + 1)));
    if ('error' in made) throw new RangeError(`trace request ${path}: ${made.error}`);
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
    return { status: withBody ? 200 : 304, headers, bytes: object.size };
  }

  #storeIfCacheable(req: CacheRequest, answer: OriginAnswer): void {
    const decision = this.cache.decide(req, { status: answer.status, headers: answer.headers });
    if (decision.store && answer.bytes <= this.#maxObjectBytes) {
      if (answer.bytes > this.#body.length) this.#body = Buffer.alloc(answer.bytes);
      this.cache.store(req, decision.policy, answer.status, this.#body.subarray(0, answer.bytes));
    }
  }
}

/** As the supervisor starts an edge: its own limit, or the edge command's 16 MiB, never more than the cache. */
export function edgeMaxObjectBytes(config: Pick<EdgeConfig, 'maxObjectBytes'>, maxSize: number | undefined): number {
  return Math.min(config.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES, maxSize ?? Infinity);
}
