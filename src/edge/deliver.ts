import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CacheRequest } from '../cache/http-cache.ts';
import type { StoredResponse } from '../cache/stored-response.ts';
import { sendText } from '../net/plain-response.ts';
import { classifyUpstreamError, statusForFailure } from '../net/upstream-error.ts';
import { hitStatus, type Outcome } from './cache-status.ts';
import { DeferredHead } from './deferred-head.ts';
import { prepareStoredDelivery, writeDelivery } from './deliver-stored.ts';
import type { EdgeHooks } from './hooks.ts';
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
  addEdgeHeaders(delivery.headers, ctx.id, outcome, performance.now() - client.started);
  viewerResponse(ctx, client, delivery);
  const bytes = writeDelivery(client.req, client.res, delivery);
  ctx.metrics.observeRequest(outcome.status, (performance.now() - client.started) / 1000, bytes);
}

/**
 * The hot path: a fresh hit for a request with no validators or range, on an edge without a
 * viewer-response hook. Headers come from the entry's prebuilt list plus the per-delivery ones,
 * the body is the stored Buffer itself.
 */
export function deliverPlainHit(ctx: DeliverContext, client: ClientExchange, entry: StoredResponse, age: number, ttl: number): void {
  if (ctx.hooks?.viewerResponse) return deliverEntry(ctx, client, entry, { status: 'hit', ttl });
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
  viewerResponse(ctx, client, head);
  sendText(client.res, head.status, `${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}: ${why} (edge ${ctx.id})`, head.headers as Record<string, string>);
  ctx.metrics.observeRequest('error', (performance.now() - client.started) / 1000, 0);
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

/** A viewer-request hook's own answer: sent as it is, with this edge named. */
export function deliverHookAnswer(ctx: DeliverContext, client: ClientExchange, answer: { status: number; headers: Record<string, string | string[]>; body: string | Buffer }): void {
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  const head = { status: answer.status, headers: { ...answer.headers, 'content-length': String(body.length), 'x-served-by': ctx.id } };
  viewerResponse(ctx, client, head);
  client.res.writeHead(head.status, head.headers);
  client.res.end(client.req.method === 'HEAD' ? undefined : body);
  ctx.metrics.observeRequest('pass', (performance.now() - client.started) / 1000, body.length);
}

/**
 * The head of an origin response streamed to the client, held back until its first body byte
 * (see DeferredHead): built here, with the edge's headers and the viewer-response hook, like
 * every other answer.
 */
export function openStream(
  ctx: DeliverContext,
  client: ClientExchange,
  status: number,
  headers: Record<string, string | string[]>,
  outcome: Outcome,
): DeferredHead {
  addEdgeHeaders(headers, ctx.id, outcome, performance.now() - client.started);
  const head = { status, headers };
  viewerResponse(ctx, client, head);
  return new DeferredHead(client.res, head.status, head.headers);
}

function viewerResponse(ctx: DeliverContext, client: ClientExchange, head: { status: number; headers: Record<string, string | string[]> }): void {
  ctx.hooks?.viewerResponse?.(head, client.request);
}
