import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import CachePolicy from 'http-cache-semantics';
import { endToEndHeaders } from '../net/hop-by-hop.ts';
import { sendText } from '../net/plain-response.ts';
import { classifyUpstreamError, statusForFailure } from '../net/upstream-error.ts';
import { prepareStoredDelivery, writeDelivery } from './deliver-stored.ts';
import type { CacheStatus, EdgeMetrics } from './metrics.ts';
import type { OriginClient, OriginResponse } from './origin-client.ts';
import type { ResponseCache } from './response-cache.ts';
import { addEdgeHeaders } from './response-headers.ts';
import { storedSize, type StoredResponse } from './stored-response.ts';

/** What the edge's request path needs; one per process. */
export interface EdgeContext {
  id: string;
  cache: ResponseCache;
  origin: OriginClient;
  metrics: EdgeMetrics;
  /** One origin fetch per cache key at a time: later misses wait on it (request collapsing). */
  inflight: Map<string, Promise<FetchOutcome>>;
}

type FetchOutcome =
  | { kind: 'stored'; entry: StoredResponse; response: OriginResponse }
  | { kind: 'not-stored'; response: OriginResponse };

/** Request headers that belong to one client's view; the edge fetches whole, unconditional objects. */
const CLIENT_ONLY_HEADERS = new Set([
  'host',
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'range',
]);

/**
 * The request path, read as a cache's state machine (after Varnish's builtin.vcl):
 * receive -> lookup -> hit | miss | pass -> fetch -> store -> deliver.
 */
export async function handleContentRequest(ctx: EdgeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  if (receive(req) === 'pass') return pass(ctx, req, res, started);
  const key = cacheKey(req);
  const entry = lookup(ctx, key, req);
  if (entry) return deliverStored(ctx, req, res, entry, 'hit', started);
  return miss(ctx, key, req, res, started);
}

/** Only GET and HEAD are served from cache; a request with credentials is passed (Varnish's default). */
function receive(req: IncomingMessage): 'lookup' | 'pass' {
  if (req.method !== 'GET' && req.method !== 'HEAD') return 'pass';
  if (req.headers.authorization !== undefined) return 'pass';
  return 'lookup';
}

/** The key is the path and query: Host and other request headers never select a different object. */
function cacheKey(req: IncomingMessage): string {
  return req.url ?? '/';
}

function lookup(ctx: EdgeContext, key: string, req: IncomingMessage): StoredResponse | undefined {
  const entry = ctx.cache.get(key);
  if (!entry) return undefined;
  return entry.policy.satisfiesWithoutRevalidation(policyRequest(req)) ? entry : undefined;
}

async function miss(
  ctx: EdgeContext,
  key: string,
  req: IncomingMessage,
  res: ServerResponse,
  started: number,
): Promise<void> {
  let flight = ctx.inflight.get(key);
  const leader = flight === undefined;
  if (!flight) {
    flight = fetchForCache(ctx, key, req);
    ctx.inflight.set(key, flight);
    const settled = () => ctx.inflight.delete(key);
    flight.then(settled, settled);
  }
  let outcome: FetchOutcome;
  try {
    outcome = await flight;
  } catch (error) {
    return fail(ctx, res, error, started);
  }
  if (outcome.kind === 'stored') {
    const { response } = outcome;
    // A collapsed request waited for the leader's fetch but did not go to the origin itself.
    return leader
      ? deliverStored(ctx, req, res, outcome.entry, 'miss', started, response)
      : deliverStored(ctx, req, res, outcome.entry, 'hit', started);
  }
  // A response that may not be shared goes to the client that asked; the others fetch their own.
  if (!leader) return pass(ctx, req, res, started);
  return deliverFetched(ctx, req, res, outcome.response, started);
}

async function fetchForCache(ctx: EdgeContext, key: string, req: IncomingMessage): Promise<FetchOutcome> {
  const response = await ctx.origin.fetch(
    { method: 'GET', path: key, headers: forwardedHeaders(ctx, req, CLIENT_ONLY_HEADERS) },
    true,
  );
  ctx.metrics.observeOriginFetch(response.status, response.fetchMs / 1000);
  if (!('body' in response)) return { kind: 'not-stored', response };
  const policy = new CachePolicy(
    { ...policyRequest(req), method: 'GET' },
    { status: response.status, headers: response.headers },
    { shared: true },
  );
  if (!policy.storable() || policy.timeToLive() <= 0) return { kind: 'not-stored', response };
  const entry: StoredResponse = {
    status: response.status,
    headers: response.headers,
    body: response.body,
    policy,
    size: storedSize(response.headers, response.body, key),
  };
  ctx.cache.set(key, entry);
  return { kind: 'stored', entry, response };
}

async function pass(ctx: EdgeContext, req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  let response: OriginResponse;
  try {
    response = await ctx.origin.fetch(
      {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: forwardedHeaders(ctx, req, new Set(['host'])),
        body: hasBody ? req : undefined,
      },
      false,
    );
  } catch (error) {
    return fail(ctx, res, error, started);
  }
  ctx.metrics.observeOriginFetch(response.status, response.fetchMs / 1000);
  return deliverFetched(ctx, req, res, response, started, 'pass');
}

function deliverStored(
  ctx: EdgeContext,
  req: IncomingMessage,
  res: ServerResponse,
  entry: StoredResponse,
  status: CacheStatus,
  started: number,
  fetched?: OriginResponse,
): void {
  const delivery = prepareStoredDelivery(req, entry);
  const ttl = Math.round(entry.policy.timeToLive() / 1000);
  addEdgeHeaders(
    delivery.headers,
    {
      edgeId: ctx.id,
      status,
      cacheStatusDetail: status === 'hit' ? `hit; ttl=${ttl}` : `fwd=miss; fwd-status=${entry.status}; stored; ttl=${ttl}`,
    },
    { edgeMs: performance.now() - started, originMs: fetched?.fetchMs, simulatedOriginMs: fetched?.simulatedMs },
  );
  const bytes = writeDelivery(req, res, delivery);
  ctx.metrics.observeRequest(status, (performance.now() - started) / 1000, bytes);
}

/** Sends an origin response that is not in the cache, streaming it when it was not buffered. */
async function deliverFetched(
  ctx: EdgeContext,
  req: IncomingMessage,
  res: ServerResponse,
  response: OriginResponse,
  started: number,
  status: CacheStatus = 'miss',
): Promise<void> {
  const headers = endToEndHeaders(response.headers);
  addEdgeHeaders(
    headers,
    {
      edgeId: ctx.id,
      status,
      cacheStatusDetail: `fwd=${status === 'pass' ? 'bypass' : 'miss'}; fwd-status=${response.status}`,
    },
    { edgeMs: performance.now() - started, originMs: response.fetchMs, simulatedOriginMs: response.simulatedMs },
  );
  let bytes = 0;
  if ('body' in response) {
    res.writeHead(response.status, headers);
    if (req.method !== 'HEAD') bytes = response.body.length;
    res.end(req.method === 'HEAD' ? undefined : response.body);
  } else {
    res.writeHead(response.status, headers);
    response.stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    try {
      await pipeline(response.stream, res);
    } catch {
      // The client went away or the origin broke mid-body; headers are gone, so all we can do is close.
      res.destroy();
    }
  }
  ctx.metrics.observeRequest(status, (performance.now() - started) / 1000, bytes);
}

function fail(ctx: EdgeContext, res: ServerResponse, error: unknown, started: number): void {
  const failure = classifyUpstreamError(error);
  ctx.metrics.observeOriginFetch(failure === 'timeout' ? 'timeout' : 'error', (performance.now() - started) / 1000);
  const status = statusForFailure(failure);
  const why = failure === 'timeout' ? 'the origin did not answer in time' : 'the origin could not be reached';
  sendText(res, status, `${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}: ${why} (edge ${ctx.id})`, {
    'x-served-by': ctx.id,
    'x-cache': 'ERROR',
  });
  ctx.metrics.observeRequest('error', (performance.now() - started) / 1000, 0);
}

function forwardedHeaders(
  ctx: EdgeContext,
  req: IncomingMessage,
  drop: ReadonlySet<string>,
): Record<string, string | string[]> {
  const headers = endToEndHeaders(req.headers, drop);
  const client = req.socket.remoteAddress;
  if (client) headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${client}` : client;
  headers['via'] = headers['via'] ? `${headers['via']}, 1.1 cdnsim-${ctx.id}` : `1.1 cdnsim-${ctx.id}`;
  return headers;
}

function policyRequest(req: IncomingMessage): CachePolicy.Request {
  return { url: req.url ?? '/', method: req.method ?? 'GET', headers: req.headers };
}
