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

/** RFC 9211 detail for a stored entry: remaining freshness in whole seconds (negative when stale). */
export function ttlSeconds(entry: StoredResponse): number {
  return Math.round(entry.policy.maxAge() - entry.policy.age());
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
