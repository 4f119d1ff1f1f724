import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CacheRequest } from '../cache/http-cache.ts';
import type { StoredResponse } from '../cache/stored-response.ts';
import { deliverFailure, deliverPlainHit, deliverStored, isPlainRequest, type ClientExchange } from './deliver.ts';
import { answerFailure, fetchForCache, streamThrough, type FetchContext, type FetchOutcome } from './fetch-task.ts';
import { HOST_ONLY, forwardedHeaders } from './forward-headers.ts';
import { relayInterimTo } from '../http/interim-responses.ts';

/** What the edge's request path needs; one per process. */
export interface EdgeContext extends FetchContext {
  /** One origin fetch per primary key at a time; later requests wait on it (request collapsing). */
  flights: Map<string, Promise<FetchOutcome>>;
}

/**
 * The request path, read as a cache's state machine (after Varnish's builtin.vcl):
 * receive -> lookup -> hit | stale | miss | pass -> fetch -> store -> deliver.
 */
export async function handleContentRequest(ctx: EdgeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const client: ClientExchange = { req, res, started: performance.now() };
  if (receive(req) === 'pass') return pass(ctx, client);
  const request: CacheRequest = { url: req.url ?? '/', method: req.method ?? 'GET', headers: req.headers };
  const found = ctx.cache.lookup(request);
  switch (found.kind) {
    case 'fresh':
      return hit(ctx, client, found.entry);
    case 'stale-while-revalidate':
      refreshInBackground(ctx, request, found.entry, found.revalidationHeaders);
      return deliverStored(ctx.id, ctx.metrics, client, found.entry, 'stale', `hit; ttl=${ctx.cache.ttlOf(found.entry)}; detail=stale-while-revalidate`);
    case 'stale':
      return miss(ctx, client, request, found.entry, found.revalidationHeaders);
    case 'miss':
      return miss(ctx, client, request);
  }
}

/** Only GET and HEAD are looked up; every other method goes to the origin. */
function receive(req: IncomingMessage): 'lookup' | 'pass' {
  return req.method === 'GET' || req.method === 'HEAD' ? 'lookup' : 'pass';
}

function hit(ctx: EdgeContext, client: ClientExchange, entry: StoredResponse): void {
  if (isPlainRequest(client.req)) {
    return deliverPlainHit(ctx.id, ctx.metrics, client, entry, ctx.cache.ageOf(entry), ctx.cache.ttlOf(entry));
  }
  deliverStored(ctx.id, ctx.metrics, client, entry, 'hit', `hit; ttl=${ctx.cache.ttlOf(entry)}`);
}

/**
 * Fetches (or revalidates) once per key: the first request leads the origin fetch and is answered
 * as the body streams in; requests arriving meanwhile wait for it and are then served from cache.
 * A request with credentials never waits on, or leads, a shared fetch.
 */
async function miss(
  ctx: EdgeContext,
  client: ClientExchange,
  request: CacheRequest,
  stale?: StoredResponse,
  validators?: Record<string, string>,
): Promise<void> {
  if (request.headers.authorization !== undefined) {
    await fetchForCache(ctx, { request, client, stale, validators });
    return;
  }
  const key = ctx.cache.primaryKey(request);
  const inFlight = ctx.flights.get(key);
  if (!inFlight) {
    let release!: (outcome: FetchOutcome) => void;
    const decided = new Promise<FetchOutcome>((resolve) => (release = resolve));
    lead(ctx, key, decided);
    // Whatever happens, the requests waiting on this key are released the moment it is over.
    let outcome: FetchOutcome = { ok: false, error: new Error('the origin fetch did not complete') };
    try {
      outcome = await fetchForCache(ctx, { request, client, stale, validators, onNothingToStore: () => release({ ok: true }) });
    } finally {
      release(outcome);
    }
    return;
  }
  const outcome = await inFlight;
  const after = ctx.cache.lookup(request);
  if (after.kind === 'fresh') {
    return deliverStored(ctx.id, ctx.metrics, client, after.entry, 'hit', `hit; ttl=${ctx.cache.ttlOf(after.entry)}; collapsed`);
  }
  if (!outcome.ok) return answerFailure(ctx, client, stale, outcome.error);
  // The shared response was not for us (private, another variant): fetch our own, uncollapsed.
  const current = after.kind === 'miss' ? undefined : after;
  await fetchForCache(ctx, { request, client, stale: current?.entry, validators: current?.revalidationHeaders });
}

/** Registers a fetch as the one in flight for `key` until it settles, for later requests to wait on. */
function lead(ctx: EdgeContext, key: string, flight: Promise<FetchOutcome>): void {
  ctx.flights.set(key, flight);
  const settle = () => {
    if (ctx.flights.get(key) === flight) ctx.flights.delete(key);
  };
  void flight.then(settle, settle);
}

/** stale-while-revalidate: one background refresh per key, whoever asked first. */
function refreshInBackground(ctx: EdgeContext, request: CacheRequest, stale: StoredResponse, validators: Record<string, string>): void {
  const key = ctx.cache.primaryKey(request);
  if (ctx.flights.has(key)) return;
  const background: CacheRequest = { url: request.url, method: 'GET', headers: pickVaryHeaders(stale, request) };
  lead(ctx, key, fetchForCache(ctx, { request: background, stale, validators }));
}

/** A background refresh carries only the request headers the stored variant was selected by. */
function pickVaryHeaders(entry: StoredResponse, request: CacheRequest): CacheRequest['headers'] {
  const vary = entry.policy.responseHeaders()['vary'];
  const headers: CacheRequest['headers'] = {};
  for (const name of String(vary ?? '').split(',')) {
    const key = name.trim().toLowerCase();
    if (key && request.headers[key] !== undefined) headers[key] = request.headers[key];
  }
  return headers;
}

/**
 * Any other method goes to the origin with its body, and its answer back to the client. A
 * successful unsafe request invalidates what it may have changed (RFC 9111 section 4.4).
 */
async function pass(ctx: EdgeContext, client: ClientExchange): Promise<void> {
  const { req } = client;
  let response;
  try {
    response = await ctx.origin.fetch({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: forwardedHeaders(ctx.id, req, HOST_ONLY),
      body: req,
      onInterim: relayInterimTo(client.res),
    });
  } catch (error) {
    ctx.metrics.observeOriginFetch('error', 0);
    return deliverFailure(ctx.id, ctx.metrics, client, error);
  }
  ctx.metrics.observeOriginFetch(response.status, response.headersMs / 1000);
  if (response.status >= 200 && response.status < 400) {
    for (const url of invalidatedUrls(req, response.headers)) ctx.cache.invalidate(url);
  }
  await streamThrough(ctx, client, response, 'pass', `fwd=bypass; fwd-status=${response.status}`);
}

/** The request URL, and Location / Content-Location when they point at this same site. */
function invalidatedUrls(req: IncomingMessage, headers: Record<string, string | string[]>): string[] {
  const urls = [req.url ?? '/'];
  const base = `http://${req.headers.host ?? 'edge'}`;
  for (const name of ['location', 'content-location']) {
    const value = headers[name];
    if (typeof value !== 'string') continue;
    try {
      const target = new URL(value, `${base}${req.url ?? '/'}`);
      if (target.origin === new URL(base).origin) urls.push(target.pathname + target.search);
    } catch {
      // An unparseable header names nothing to invalidate.
    }
  }
  return urls;
}
