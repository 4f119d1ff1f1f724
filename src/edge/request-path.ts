import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CacheRequest, Lookup } from '../cache/http-cache.ts';
import type { StoredResponse } from '../cache/stored-response.ts';
import { CREDENTIALS_HEADER, LOOKUP_METHODS } from './defaults.ts';
import { deliverBadTarget, deliverEntry, deliverFailure, deliverHookAnswer, deliverPlainHit, isPlainRequest, type ClientExchange } from './deliver.ts';
import type { FetchContext, FetchOutcome } from './fetch-plan.ts';
import { answerFailure, fetchForCache } from './fetch-task.ts';
import { HOST_ONLY, forwardedHeaders } from './forward-headers.ts';
import { runHook } from './hook-call.ts';
import type { OriginResponse } from './origin-client.ts';
import { originRequestStep, originResponseStep } from './origin-hooks.ts';
import { relayInterimTo } from '../http/interim-responses.ts';
import { normalizeTarget } from '../http/normalize-target.ts';
import { originFormTarget } from '../http/request-target.ts';
import { streamThrough } from './stream-through.ts';

/** What the edge's request path needs; one per process. */
export interface EdgeContext extends FetchContext {
  /** One origin fetch per primary key at a time; later requests wait on it (request collapsing). */
  flights: Map<string, Promise<FetchOutcome>>;
}

/**
 * The request path as a cache's state machine, after Varnish's builtin.vcl. Each state is a
 * function that does its part and returns the next state, until one delivers:
 *
 *   (the target, normalised) -> recv -> (viewer-request hook) -> hash -> lookup -> hit | stale | miss | pass
 *   miss, pass -> (origin-request hook) -> fetch -> (origin-response hook) -> backend_response
 *   every answer -> (viewer-response hook) -> deliver
 *
 * fetch and backend_response are in fetch-task.ts (the decision itself is HttpCache.backendResponse),
 * carried out by store-while-streaming.ts or stream-through.ts; deliver is deliver.ts, the only
 * place a response head is written.
 */
type State = 'hash' | 'lookup' | 'hit' | 'stale' | 'miss' | 'pass' | 'done';

/**
 * One request's own state as it moves through the states (Varnish's req and obj): what a state
 * hands the next travels here, not in a new object per state, so a hit allocates no more than it must.
 */
interface Transaction extends ClientExchange {
  /** The primary cache key, set by hash. */
  key: string;
  /** What lookup found, set by lookup. */
  found: Lookup;
}

const NOT_LOOKED_UP: Lookup = { kind: 'miss' };

export async function handleContentRequest(ctx: EdgeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  // One spelling per resource for the key, the fetch and purges alike (see normalizeTarget).
  const target = normalizeTarget(originFormTarget(req.url ?? '/') ?? '');
  if (target === undefined) return deliverBadTarget(res);
  req.url = target;
  const tx: Transaction = {
    req,
    res,
    started,
    request: { url: target, method: req.method ?? 'GET', headers: req.headers },
    key: target,
    found: NOT_LOOKED_UP,
  };
  // An edge without a viewer-request hook neither awaits nor allocates here.
  let state = ctx.hooks?.viewerRequest ? await viewerRequest(ctx, tx) : recv(tx);
  while (state !== 'done') {
    switch (state) {
      case 'hash':
        state = hash(ctx, tx);
        break;
      case 'lookup':
        state = lookup(ctx, tx);
        break;
      case 'hit':
        state = hit(ctx, tx);
        break;
      case 'stale':
        state = stale(ctx, tx);
        break;
      case 'miss':
        state = await miss(ctx, tx);
        break;
      case 'pass':
        state = await pass(ctx, tx);
        break;
    }
  }
}

/** recv: only GET and HEAD are looked up, every other method passes. */
function recv(tx: Transaction): State {
  return LOOKUP_METHODS.has(tx.request.method) ? 'hash' : 'pass';
}

/**
 * The viewer-request hook, before recv: it may rewrite the request (the cache key follows) or
 * answer it. Its answer is not cached (as CloudFront does not cache a viewer-request function's response).
 */
async function viewerRequest(ctx: EdgeContext, tx: Transaction): Promise<State> {
  const hook = ctx.hooks!.viewerRequest!;
  const answer = await runHook(() => hook(tx.request, tx));
  if (answer) {
    deliverHookAnswer(ctx, tx, answer);
    return 'done';
  }
  // The fetch forwards the client's own request: a rewritten target goes with it (headers are the same object).
  tx.req.url = tx.request.url;
  return recv(tx);
}

/** hash: the primary cache key (HttpCache.primaryKey: path and query, of the target as normalised above). */
function hash(ctx: EdgeContext, tx: Transaction): State {
  tx.key = ctx.cache.primaryKey(tx.request);
  return 'lookup';
}

function lookup(ctx: EdgeContext, tx: Transaction): State {
  tx.found = ctx.cache.lookup(tx.request);
  switch (tx.found.kind) {
    case 'fresh':
      return 'hit';
    case 'stale-while-revalidate':
      return 'stale';
    case 'stale':
    case 'miss':
      return 'miss';
  }
}

function hit(ctx: EdgeContext, tx: Transaction): State {
  const found = tx.found as Extract<Lookup, { kind: 'fresh' }>;
  if (isPlainRequest(tx.req)) deliverPlainHit(ctx, tx, found.entry, found.age, found.ttl);
  else deliverEntry(ctx, tx, found.entry, { status: 'hit', ttl: found.ttl });
  return 'done';
}

/** stale (grace): stale-while-revalidate serves the stale entry now and refreshes it in the background. */
function stale(ctx: EdgeContext, tx: Transaction): State {
  const found = tx.found as Extract<Lookup, { kind: 'stale-while-revalidate' }>;
  refreshInBackground(ctx, tx.request, found.entry, found.revalidationHeaders);
  deliverEntry(ctx, tx, found.entry, { status: 'stale', ttl: found.ttl, detail: 'stale-while-revalidate' });
  return 'done';
}

/**
 * miss: fetches (or revalidates) once per key: the first request leads the origin fetch and is
 * answered as the body streams in; requests arriving meanwhile wait for it and are then served
 * from cache. A request with credentials never waits on, or leads, a shared fetch.
 */
async function miss(ctx: EdgeContext, tx: Transaction): Promise<State> {
  await missOrRevalidate(ctx, tx, tx.key, tx.found.kind === 'stale' ? tx.found : undefined);
  return 'done';
}

async function missOrRevalidate(
  ctx: EdgeContext,
  client: ClientExchange,
  key: string,
  found: { entry: StoredResponse; revalidationHeaders: Record<string, string> } | undefined,
): Promise<void> {
  const { request } = client;
  const stale = found?.entry;
  const validators = found?.revalidationHeaders;
  if (request.headers[CREDENTIALS_HEADER] !== undefined) {
    await fetchForCache(ctx, { request, client, stale, validators });
    return;
  }
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
  if (after.kind === 'fresh') return deliverEntry(ctx, client, after.entry, { status: 'hit', ttl: after.ttl, collapsed: true });
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
 * pass: any other method goes to the origin with its body, and its answer back to the client. A
 * successful unsafe request invalidates what it may have changed (RFC 9111 section 4.4).
 */
async function pass(ctx: EdgeContext, client: ClientExchange): Promise<State> {
  const { req } = client;
  const outgoing = { path: client.request.url, headers: forwardedHeaders(ctx.id, req, HOST_ONLY) };
  let response: OriginResponse | undefined;
  if (ctx.hooks?.originRequest) {
    const step = await originRequestStep(ctx.hooks, outgoing, client.request, client);
    if (step.do === 'answer') {
      deliverHookAnswer(ctx, client, step.answer);
      return 'done';
    }
    response = step.response;
  }
  if (!response) {
    try {
      response = await ctx.origin.fetch({
        method: client.request.method,
        path: outgoing.path,
        headers: outgoing.headers,
        body: req,
        onInterim: relayInterimTo(client.res),
      });
    } catch (error) {
      ctx.metrics.observeOriginFetch('error', 0);
      deliverFailure(ctx, client, error);
      return 'done';
    }
    ctx.metrics.observeOriginFetch(response.status, response.headersMs / 1000);
  }
  const step = await originResponseStep(ctx.hooks, response, client.request, client);
  if (step.do === 'answer') {
    deliverHookAnswer(ctx, client, step.answer);
    return 'done';
  }
  response = step.response;
  if (!response.generated && response.status >= 200 && response.status < 400) {
    for (const url of invalidatedUrls(req, response.headers)) ctx.cache.invalidate(url);
  }
  const outcome = response.generated
    ? ({ status: response.generated, fwd: 'bypass', detail: 'function-generated' } as const)
    : ({ status: 'pass', fwd: 'bypass', fwdStatus: response.status } as const);
  await streamThrough(ctx, client, response, outcome);
  return 'done';
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
