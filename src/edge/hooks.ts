import type { CacheRequest } from '../cache/http-cache.ts';

/** A response head as a hook sees it: what will be written to the client (or was read from the origin). */
export interface HookResponseHead {
  status: number;
  headers: Record<string, string | string[]>;
}

/** An answer a viewer-request hook gives instead of the cache and the origin. */
export interface HookAnswer extends HookResponseHead {
  body: string | Buffer;
}

/**
 * The four points where edge functions will run (after CloudFront's Lambda@Edge events). This
 * is the seam only: nothing configures hooks for users yet; tests and the next issue do. Hooks
 * are synchronous so that an edge without hooks pays one null check per point and no await.
 */
export interface EdgeHooks {
  /** After recv, before hash: may rewrite the request (url, headers), or answer it outright. */
  viewerRequest?(request: CacheRequest): HookAnswer | void;
  /** Before the fetch, on a miss or a pass only: may change the path and headers sent to the origin. */
  originRequest?(request: { path: string; headers: Record<string, string | string[]> }): void;
  /** The origin's answer, after the backend_response inputs are known and before it is stored: may change its headers. */
  originResponse?(response: HookResponseHead, request: CacheRequest): void;
  /** Before deliver writes the head: may add or change response headers. */
  viewerResponse?(response: HookResponseHead, request: CacheRequest): void;
}
