import type { CacheRequest, HttpCache } from '../cache/http-cache.ts';
import type { StoredResponse } from '../cache/stored-response.ts';
import type { ClientExchange, DeliverContext } from './deliver.ts';
import type { OriginClient } from './origin-client.ts';

export interface FetchContext extends DeliverContext {
  cache: HttpCache;
  origin: OriginClient;
  /** Responses larger than this are streamed through and not stored. */
  maxObjectBytes: number;
  /** The client headers a shared fetch forwards (sharedFetchAllowList); the defaults when absent. */
  originRequestHeaders?: ReadonlySet<string>;
  /** Serve a stale entry when the origin fails, even without stale-if-error (see HttpCache.standIn). */
  serveStaleOnOriginError: boolean;
}

export type FetchOutcome = { ok: true } | { ok: false; error: unknown };

export interface FetchPlan {
  request: CacheRequest;
  /** The client to answer; absent for a background (stale-while-revalidate) refresh. */
  client?: ClientExchange;
  /** The stored entry being revalidated, if any. */
  stale?: StoredResponse;
  /** Conditional headers carrying the stale entry's validators. */
  validators?: Record<string, string>;
  /**
   * Called as soon as it is known that nothing will be stored, so requests collapsed onto this
   * fetch can go their own way instead of waiting for a long pass-through body to finish.
   */
  onNothingToStore?: () => void;
}
