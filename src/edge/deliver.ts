import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StoredResponse } from '../cache/stored-response.ts';
import { sendText } from '../net/plain-response.ts';
import { classifyUpstreamError, statusForFailure } from '../net/upstream-error.ts';
import { prepareStoredDelivery, writeDelivery } from './deliver-stored.ts';
import type { CacheStatus, EdgeMetrics } from './metrics.ts';
import { addEdgeHeaders } from './response-headers.ts';

/** One client's request in flight at the edge. */
export interface ClientExchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** performance.now() when the request arrived. */
  started: number;
}

export interface OriginTiming {
  originMs: number;
  simulatedMs: number;
}

/** Serves a stored entry (HIT, STALE, REVALIDATED, or the MISS that just stored it). */
export function deliverStored(
  edgeId: string,
  metrics: EdgeMetrics,
  client: ClientExchange,
  entry: StoredResponse,
  status: CacheStatus,
  detail: string,
  origin?: OriginTiming,
): void {
  const delivery = prepareStoredDelivery(client.req, entry);
  addEdgeHeaders(
    delivery.headers,
    { edgeId, status, cacheStatusDetail: detail },
    { edgeMs: performance.now() - client.started, originMs: origin?.originMs, simulatedOriginMs: origin?.simulatedMs },
  );
  const bytes = writeDelivery(client.req, client.res, delivery);
  metrics.observeRequest(status, (performance.now() - client.started) / 1000, bytes);
}

/**
 * The hot path: a fresh hit for a request with no validators or range. Headers come from the
 * entry's prebuilt list plus the per-delivery ones, the body is the stored Buffer itself.
 */
export function deliverPlainHit(
  edgeId: string,
  metrics: EdgeMetrics,
  client: ClientExchange,
  entry: StoredResponse,
  age: number,
  ttl: number,
): void {
  const { req, res } = client;
  const lines = hitHeaderLines(edgeId, entry).concat(
    'age', String(age),
    'cache-status', `cdnsim-${edgeId}; hit; ttl=${ttl}`,
    'server-timing', `edge;dur=${(performance.now() - client.started).toFixed(3)}`,
  );
  res.writeHead(entry.status, lines);
  const head = req.method === 'HEAD';
  res.end(head ? undefined : entry.body);
  metrics.observeRequest('hit', (performance.now() - client.started) / 1000, head ? 0 : entry.body.length);
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
export function deliverFailure(edgeId: string, metrics: EdgeMetrics, client: ClientExchange, error: unknown): void {
  const failure = classifyUpstreamError(error);
  const status = statusForFailure(failure);
  const why = failure === 'timeout' ? 'the origin did not answer in time' : 'the origin could not be reached';
  sendText(client.res, status, `${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}: ${why} (edge ${edgeId})`, {
    'x-served-by': edgeId,
    'x-cache': 'ERROR',
    'cache-status': `cdnsim-${edgeId}; fwd=miss; detail=${failure}`,
  });
  metrics.observeRequest('error', (performance.now() - client.started) / 1000, 0);
}
