import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CacheRequest } from '../cache/http-cache.ts';
import type { StoredResponse } from '../cache/stored-response.ts';
import { sendText } from '../net/plain-response.ts';
import { classifyUpstreamError, statusForFailure } from '../net/upstream-error.ts';
import { hitStatus, type Outcome } from './cache-status.ts';
import { DeferredHead } from './deferred-head.ts';
import { prepareStoredDelivery, writeDelivery } from './deliver-stored.ts';
import { runHook } from './hook-call.ts';
import type { EdgeHooks, HookAnswer, HookResponseHead } from './hooks.ts';
import type { EdgeMetrics } from './metrics.ts';
import { addEdgeHeaders } from './response-headers.ts';

/** One client's request in flight at the edge. */
export interface ClientExchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** performance.now() when the request arrived. */
  started: number;
  /** The request as the cache sees it (after any viewer-request rewrite). */
  request: CacheRequest;
  /** Server-Timing members of edge functions that ran for this request. */
  timings?: string[];
}

/** What deliver needs of the edge. */
export interface DeliverContext {
  id: string;
  metrics: EdgeMetrics;
  hooks: EdgeHooks | undefined;
}

/**
 * The deliver state: the only place the edge writes a response head to a client. Every answer
 * is one of these: a stored entry (hit, stale, revalidated, the miss that just stored it), a
 * failure (502/504), a hook's own answer, or an origin response streamed through (openStream).
 */
export function deliverEntry(ctx: DeliverContext, client: ClientExchange, entry: StoredResponse, outcome: Outcome): void {
  const delivery = prepareStoredDelivery(client.req, entry);
  addEdgeHeaders(delivery.headers, ctx.id, outcome, performance.now() - client.started, client.timings);
  afterViewerResponse(ctx, client, delivery, () => {
    const bytes = writeDelivery(client.req, client.res, delivery);
    ctx.metrics.observeRequest(outcome.status, (performance.now() - client.started) / 1000, bytes);
  });
}

/**
 * The hot path: a fresh hit for a request with no validators or range, on an edge without a
 * viewer-response hook. Headers come from the entry's prebuilt list plus the per-delivery ones,
 * the body is the stored Buffer itself.
 */
export function deliverPlainHit(ctx: DeliverContext, client: ClientExchange, entry: StoredResponse, age: number, ttl: number): void {
  if (ctx.hooks?.viewerResponse || client.timings) return deliverEntry(ctx, client, entry, { status: 'hit', ttl });
  const { req, res } = client;
  const lines = hitHeaderLines(ctx.id, entry).concat(
    'age', String(age),
    'cache-status', hitStatus(ctx.id, ttl),
    'server-timing', `edge;dur=${(performance.now() - client.started).toFixed(3)}`,
  );
  res.writeHead(entry.status, lines);
  const head = req.method === 'HEAD';
  res.end(head ? undefined : entry.body);
  ctx.metrics.observeRequest('hit', (performance.now() - client.started) / 1000, head ? 0 : entry.body.length);
}

/** The headers every plain hit on an entry shares, built on its first hit and kept with it. */
const hitLinesByEntry = new WeakMap<StoredResponse, string[]>();

function hitHeaderLines(edgeId: string, entry: StoredResponse): string[] {
  let lines = hitLinesByEntry.get(entry);
  if (!lines) {
    lines = entry.headerLines.concat(
      'content-length', String(entry.body.length),
      'x-cache', 'HIT',
      'x-served-by', edgeId,
      'via', entry.via ? `${entry.via}, 1.1 cdnsim-${edgeId}` : `1.1 cdnsim-${edgeId}`,
    );
    hitLinesByEntry.set(entry, lines);
  }
  return lines;
}

/** A request that wants the whole stored object as it is: no validators, no range. */
export function isPlainRequest(req: IncomingMessage): boolean {
  const headers = req.headers;
  return (
    headers.range === undefined &&
    headers['if-none-match'] === undefined &&
    headers['if-modified-since'] === undefined &&
    headers['if-match'] === undefined &&
    headers['if-unmodified-since'] === undefined
  );
}

/** 502 or 504 with a short body when the origin could not give an answer. */
export function deliverFailure(ctx: DeliverContext, client: ClientExchange, error: unknown): void {
  const failure = classifyUpstreamError(error);
  const status = statusForFailure(failure);
  const why = failure === 'timeout' ? 'the origin did not answer in time' : 'the origin could not be reached';
  const head = { status, headers: failureHeaders(ctx.id, failure) };
  afterViewerResponse(ctx, client, head, () => {
    sendText(client.res, head.status, `${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}: ${why} (edge ${ctx.id})`, head.headers as Record<string, string>);
    ctx.metrics.observeRequest('error', (performance.now() - client.started) / 1000, 0);
  });
}

/** A failure answer keeps to X-Served-By, X-Cache and Cache-Status: nothing about timing or Via. */
function failureHeaders(edgeId: string, failure: string): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  addEdgeHeaders(headers, edgeId, { status: 'error', fwd: 'miss', detail: failure }, undefined);
  return headers;
}

/** A target that is not a path, or has broken percent-encoding: refused before any state runs. */
export function deliverBadTarget(res: ServerResponse): void {
  sendText(res, 400, 'Bad Request: the target must be a path (/...) with valid percent-encoding');
}

/**
 * A hook's own answer (a function's generated response or failure): sent as it is, with this
 * edge named, and through the viewer-response hook unless it is final.
 */
export function deliverHookAnswer(ctx: DeliverContext, client: ClientExchange, answer: HookAnswer): void {
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  const headers: Record<string, string | string[]> = { ...answer.headers, 'content-length': String(body.length) };
  if (answer.cacheStatus === undefined) headers['x-served-by'] = ctx.id;
  else addEdgeHeaders(headers, ctx.id, { status: answer.cacheStatus, fwd: 'bypass', detail: answer.detail }, performance.now() - client.started, client.timings);
  const head = { status: answer.status, headers };
  const send = () => {
    client.res.writeHead(head.status, head.headers);
    client.res.end(client.req.method === 'HEAD' ? undefined : body);
    ctx.metrics.observeRequest(answer.cacheStatus ?? 'pass', (performance.now() - client.started) / 1000, body.length);
  };
  if (answer.final) send();
  else afterViewerResponse(ctx, client, head, send);
}

/**
 * The head of an origin response streamed to the client, held back until its first body byte
 * (see DeferredHead): built here, with the edge's headers and the viewer-response hook, like
 * every other answer. Only an edge with a viewer-response hook waits for it.
 */
export function openStream(
  ctx: DeliverContext,
  client: ClientExchange,
  status: number,
  headers: Record<string, string | string[]>,
  outcome: Outcome,
): DeferredHead | Promise<DeferredHead> {
  addEdgeHeaders(headers, ctx.id, outcome, performance.now() - client.started, client.timings);
  const head = { status, headers };
  const hook = ctx.hooks?.viewerResponse;
  if (!hook) return new DeferredHead(client.res, head.status, head.headers);
  return Promise.resolve(runHook(() => hook(head, client.request, client))).then((answer) =>
    answer ? DeferredHead.replacedBy(client.res, () => deliverHookAnswer(ctx, client, { ...answer, final: true })) : new DeferredHead(client.res, head.status, head.headers),
  );
}

/**
 * Runs the viewer-response hook, if any, on `head` (which it may change), then `send`; or sends
 * the hook's own answer instead. Without the hook, `send` runs at once: no promise, no await.
 */
function afterViewerResponse(ctx: DeliverContext, client: ClientExchange, head: HookResponseHead, send: () => void): void {
  const hook = ctx.hooks?.viewerResponse;
  if (!hook) return send();
  const settle = (answer: HookAnswer | void) => (answer ? deliverHookAnswer(ctx, client, { ...answer, final: true }) : send());
  const result = runHook(() => hook(head, client.request, client));
  if (result instanceof Promise) void result.then(settle);
  else settle(result);
}
