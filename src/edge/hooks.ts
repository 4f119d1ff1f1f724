import type { IncomingMessage } from 'node:http';
import type { CacheRequest } from '../cache/http-cache.ts';
import type { CacheStatus } from './metrics.ts';

/** A response head as a hook sees it: what will be written to the client (or was read from the origin). */
export interface HookResponseHead {
  status: number;
  headers: Record<string, string | string[]>;
}

/** An answer a hook gives instead of what the edge would have sent. */
export interface HookAnswer extends HookResponseHead {
  body: string | Buffer;
  /** X-Cache and the metrics label for it (a function's generated response or failure); 'pass' when absent. */
  cacheStatus?: CacheStatus;
  /** Cache-Status detail, e.g. function-error. */
  detail?: string;
  /** No later hook sees this answer (CloudFront runs no viewer-response function on what a viewer-request one generated, nor on a failure). */
  final?: boolean;
}

/** The client's side of the request, for hooks that need more than the request itself. */
export interface HookClient {
  readonly req: IncomingMessage;
  /** Server-Timing members the hooks add for this request (fn-viewer-request;dur=0.210). */
  timings?: string[];
}

/** The request the edge is about to send to the origin; a hook may change its path and headers. */
export interface OutgoingRequest {
  path: string;
  headers: Record<string, string | string[]>;
}

type Maybe<T> = T | Promise<T>;

/**
 * The four points where edge functions run (after CloudFront's Lambda@Edge events). A hook may
 * answer at once or with a promise (a sandboxed function runs asynchronously); the request path
 * checks `ctx.hooks` once per point, so that an edge without hooks pays no await and no
 * allocation on its hit path. `client` is absent for a fetch no client waits on (a background refresh).
 */
export interface EdgeHooks {
  /** After recv, before hash: may rewrite the request (url, headers), which the cache key follows, or answer it outright. */
  viewerRequest?(request: CacheRequest, client: HookClient): Maybe<HookAnswer | void>;
  /**
   * Before the fetch, on a miss or a pass only: may change the path and headers sent to the
   * origin, or answer instead of the origin (a non-final answer is then treated as the origin's
   * response, stored per its Cache-Control as CloudFront stores an origin-request function's response).
   */
  originRequest?(outgoing: OutgoingRequest, request: CacheRequest, client: HookClient | undefined): Maybe<HookAnswer | void>;
  /**
   * The origin's answer, before backend_response decides: may change its status and headers
   * (what the cache stores), replace it (a non-final answer, body included), or fail it (final).
   */
  originResponse?(response: HookResponseHead, request: CacheRequest, client: HookClient | undefined): Maybe<HookAnswer | void>;
  /** Before deliver writes the head (hits included): may change status and headers, or replace the answer. */
  viewerResponse?(response: HookResponseHead, request: CacheRequest, client: HookClient): Maybe<HookAnswer | void>;
}
