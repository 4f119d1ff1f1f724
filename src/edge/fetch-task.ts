import type CachePolicy from 'http-cache-semantics';
import type { CacheRequest, HttpCache, StandIn } from '../cache/http-cache.ts';
import type { StoredResponse } from '../cache/stored-response.ts';
import { endToEndHeaders } from '../net/hop-by-hop.ts';
import { classifyUpstreamError } from '../net/upstream-error.ts';
import type { Outcome } from './cache-status.ts';
import type { DeferredHead } from './deferred-head.ts';
import { deliverEntry, deliverFailure, openStream, type ClientExchange, type DeliverContext } from './deliver.ts';
import { forwardedHeaders, refreshHeaders, sharedFetchHeaders } from './forward-headers.ts';
import { discardBody, drainBody, type OriginClient, type OriginResponse } from './origin-client.ts';
import { relayInterimTo } from '../http/interim-responses.ts';

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

/**
 * The fetch state, for the cache: revalidates a stale entry (304 refreshes it), stores a new
 * shareable response while streaming it to the client as it arrives, or passes an unshareable one
 * through. Never rejects: a failure is answered (stale-if-error, 502 or 504) and reported in the outcome.
 */
export async function fetchForCache(ctx: FetchContext, plan: FetchPlan): Promise<FetchOutcome> {
  const { client, stale } = plan;
  let response: OriginResponse;
  try {
    const allowed = sharedFetchHeaders(stale, ctx.originRequestHeaders);
    const headers = client ? forwardedHeaders(ctx.id, client.req, allowed) : refreshHeaders(ctx.id, plan.request.headers, allowed);
    const outgoing = { path: plan.request.url, headers: { ...headers, ...plan.validators } };
    ctx.hooks?.originRequest?.(outgoing);
    response = await ctx.origin.fetch({
      method: 'GET',
      path: outgoing.path,
      headers: outgoing.headers,
      onInterim: client ? relayInterimTo(client.res) : undefined,
    });
  } catch (error) {
    const failure = classifyUpstreamError(error);
    ctx.metrics.observeOriginFetch(failure === 'timeout' ? 'timeout' : 'error', 0);
    if (client) answerFailure(ctx, client, stale, error);
    return { ok: false, error };
  }
  ctx.metrics.observeOriginFetch(response.status, response.headersMs / 1000);
  try {
    return await backendResponse(ctx, plan, response);
  } catch (error) {
    // A defect of ours, not the origin's: still answer (or cut) the client, free the connection,
    // and report the failure so that requests collapsed onto this fetch are released too.
    console.error(`edge ${ctx.id}: fetch of ${plan.request.url} failed:`, error);
    discardBody(response.body);
    if (client) {
      if (client.res.headersSent) client.res.destroy();
      else answerFailure(ctx, client, stale, error);
    }
    return { ok: false, error };
  }
}

/** The backend_response state: HttpCache decides (refreshed, stand-in, store, pass); this carries it out. */
async function backendResponse(ctx: FetchContext, plan: FetchPlan, response: OriginResponse): Promise<FetchOutcome> {
  const { client, stale } = plan;
  ctx.hooks?.originResponse?.(response, plan.request);
  const decision = ctx.cache.backendResponse(plan.request, response, stale, ctx.serveStaleOnOriginError);
  switch (decision.do) {
    case 'refreshed':
      drainBody(response.body);
      if (client) {
        deliverEntry(ctx, client, decision.entry, { status: 'revalidated', fwd: 'stale', fwdStatus: 304, ttl: decision.ttl, origin: timingOf(response) });
      }
      return { ok: true };
    case 'stand-in':
      drainBody(response.body);
      if (client) deliverStale(ctx, client, decision.entry, decision.why, decision.ttl);
      return { ok: true };
    case 'store':
      // Declared too large to store: it passes, as an unstorable one does.
      if (Number(response.headers['content-length'] ?? NaN) > ctx.maxObjectBytes) return passOn(ctx, plan, response);
      return storeWhileStreaming(ctx, plan, response, decision.policy, decision.ttl);
    case 'pass':
      return passOn(ctx, plan, response);
  }
}

async function passOn(ctx: FetchContext, plan: FetchPlan, response: OriginResponse): Promise<FetchOutcome> {
  plan.onNothingToStore?.();
  if (plan.client) await streamThrough(ctx, plan.client, response, { status: 'miss', fwd: plan.stale ? 'stale' : 'miss', fwdStatus: response.status });
  else discardBody(response.body);
  return { ok: true };
}

function timingOf(response: OriginResponse): Outcome['origin'] {
  return { originMs: response.headersMs, simulatedMs: response.simulatedMs };
}

/** Reads the body once: every chunk goes to the client at once and into the buffer that gets stored. */
async function storeWhileStreaming(
  ctx: FetchContext,
  plan: FetchPlan,
  response: OriginResponse,
  policy: CachePolicy,
  ttl: number,
): Promise<FetchOutcome> {
  const { client } = plan;
  // A range or conditional request is answered from the stored object once it is complete, when
  // the object is known to fit; otherwise the client gets the whole object streamed (always allowed).
  const declaredFits = Number(response.headers['content-length'] ?? NaN) <= ctx.maxObjectBytes;
  const streamToClient = client !== undefined && !(declaredFits && wantsPartialView(client));
  let bytesSent = 0;
  let head: DeferredHead | undefined;
  if (streamToClient) {
    const headers = policy.responseHeaders() as Record<string, string | string[]>;
    const length = response.headers['content-length'];
    if (length !== undefined) headers['content-length'] = length;
    const fwd = plan.stale ? 'stale' : 'miss';
    head = openStream(ctx, client, response.status, headers, { status: 'miss', fwd, fwdStatus: response.status, stored: true, ttl, origin: timingOf(response) });
    // A HEAD has its whole answer now; the body is still read, for the cache.
    if (client.req.method === 'HEAD') head.end();
  }
  const sendBody = head !== undefined && client!.req.method !== 'HEAD';
  let chunks: Buffer[] | undefined = [];
  let length = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      ctx.metrics.countOriginBytes(chunk.length);
      if (chunks) {
        chunks.push(chunk);
        length += chunk.length;
        // Larger than it said (or it said nothing): stop keeping it, keep streaming it.
        if (length > ctx.maxObjectBytes) chunks = undefined;
      }
      if (sendBody && head && !client!.res.destroyed) {
        bytesSent += chunk.length;
        // While storing, the buffer is bounded by maxObjectBytes anyway; after that, respect backpressure.
        if (!head.write(chunk) && !chunks) await drainOrClose(client!.res);
      } else if (!chunks) {
        discardBody(response.body);
        break;
      }
    }
  } catch (error) {
    if (client) cutOrFail(ctx, client, head, error);
    return { ok: false, error };
  }
  const entry = chunks ? ctx.cache.store(plan.request, policy, response.status, Buffer.concat(chunks, length)) : undefined;
  if (head) {
    head.end();
    ctx.metrics.observeRequest('miss', (performance.now() - client!.started) / 1000, bytesSent);
  } else if (client) {
    if (entry) {
      const outcome: Outcome = { status: 'miss', fwd: 'miss', fwdStatus: response.status, stored: true, ttl: ctx.cache.ttlOf(entry), origin: timingOf(response) };
      deliverEntry(ctx, client, entry, outcome);
    } else {
      // It said it would fit and did not, or the cache refused it: nothing whole is left to send.
      deliverFailure(ctx, client, new Error('response body did not match its declared length'));
    }
  }
  return { ok: true };
}

/** Sends an origin response that will not be stored, streaming with backpressure. */
export async function streamThrough(
  ctx: FetchContext,
  client: ClientExchange,
  response: OriginResponse,
  outcome: Outcome,
): Promise<void> {
  const head = openStream(ctx, client, response.status, endToEndHeaders(response.headers), { ...outcome, origin: timingOf(response) });
  let bytes = 0;
  try {
    if (client.req.method === 'HEAD') {
      head.end();
      drainBody(response.body);
    } else {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        ctx.metrics.countOriginBytes(chunk.length);
        if (client.res.destroyed) {
          discardBody(response.body);
          break;
        }
        bytes += chunk.length;
        if (!head.write(chunk)) await drainOrClose(client.res);
      }
    }
    head.end();
  } catch (error) {
    cutOrFail(ctx, client, head, error);
    return;
  }
  ctx.metrics.observeRequest(outcome.status, (performance.now() - client.started) / 1000, bytes);
}

/**
 * The origin's body broke. Before any byte reached the client there is still a clean answer to
 * give (502 or 504); after, only closing the connection tells the client the body is incomplete.
 */
function cutOrFail(ctx: FetchContext, client: ClientExchange, head: DeferredHead | undefined, error: unknown): void {
  if (head?.sent || client.res.headersSent) client.res.destroy();
  else deliverFailure(ctx, client, error);
}

/** The origin gave no answer: the stale entry if it may stand in, else 502 or 504. */
export function answerFailure(ctx: FetchContext, client: ClientExchange, stale: StoredResponse | undefined, error: unknown): void {
  const why = stale ? ctx.cache.standIn(stale, ctx.serveStaleOnOriginError) : undefined;
  if (stale && why) deliverStale(ctx, client, stale, why, ctx.cache.ttlOf(stale));
  else deliverFailure(ctx, client, error);
}

function deliverStale(ctx: FetchContext, client: ClientExchange, stale: StoredResponse, why: StandIn, ttl: number): void {
  deliverEntry(ctx, client, stale, { status: 'stale', ttl, detail: why === 'stale-if-error' ? 'stale-if-error' : 'stale-on-origin-error' });
}

function wantsPartialView(client: ClientExchange): boolean {
  const headers = client.req.headers;
  return (
    headers.range !== undefined ||
    headers['if-none-match'] !== undefined ||
    headers['if-modified-since'] !== undefined ||
    headers['if-match'] !== undefined ||
    headers['if-unmodified-since'] !== undefined
  );
}

/**
 * Waits until the client can take more, or is gone. Both listeners go as soon as either fires:
 * a slow reader makes this wait thousands of times per response.
 */
function drainOrClose(res: ClientExchange['res']): Promise<void> {
  if (res.destroyed || res.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
