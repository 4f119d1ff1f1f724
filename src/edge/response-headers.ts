import type { CacheStatus } from './metrics.ts';

export interface DeliveryTiming {
  edgeMs: number;
  originMs?: number;
  simulatedOriginMs?: number;
}

export interface DeliveryLabels {
  edgeId: string;
  status: CacheStatus;
  /** RFC 9211 parameters after the cache name, e.g. "hit; ttl=42" or "fwd=miss; stored". */
  cacheStatusDetail: string;
}

const X_CACHE: Record<CacheStatus, string> = {
  hit: 'HIT',
  miss: 'MISS',
  stale: 'STALE',
  revalidated: 'REVALIDATED',
  pass: 'PASS',
  error: 'ERROR',
};

function appendList(existing: string | string[] | undefined, item: string): string {
  if (existing === undefined) return item;
  return `${Array.isArray(existing) ? existing.join(', ') : existing}, ${item}`;
}

/** Adds the headers by which a client sees what this edge did: X-Cache, Cache-Status, Via, Server-Timing. */
export function addEdgeHeaders(
  headers: Record<string, string | string[]>,
  labels: DeliveryLabels,
  timing: DeliveryTiming,
): void {
  headers['x-cache'] = X_CACHE[labels.status];
  headers['x-served-by'] = labels.edgeId;
  headers['cache-status'] = appendList(headers['cache-status'], `cdnsim-${labels.edgeId}; ${labels.cacheStatusDetail}`);
  headers['via'] = appendList(headers['via'], `1.1 cdnsim-${labels.edgeId}`);
  let timingValue = `edge;dur=${timing.edgeMs.toFixed(3)}`;
  if (timing.originMs !== undefined) timingValue += `, origin;dur=${timing.originMs.toFixed(3)}`;
  if (timing.simulatedOriginMs !== undefined) {
    timingValue += `, edge-origin-rtt;desc="simulated";dur=${timing.simulatedOriginMs.toFixed(3)}`;
  }
  headers['server-timing'] = appendList(headers['server-timing'], timingValue);
}
