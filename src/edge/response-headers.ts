import { cacheStatusOf, type Outcome } from './cache-status.ts';
import type { CacheStatus } from './metrics.ts';

const X_CACHE: Partial<Record<CacheStatus, string>> = {
  hit: 'HIT',
  miss: 'MISS',
  stale: 'STALE',
  revalidated: 'REVALIDATED',
  pass: 'PASS',
  error: 'ERROR',
};

export function appendList(existing: string | string[] | undefined, item: string): string {
  if (existing === undefined) return item;
  return `${Array.isArray(existing) ? existing.join(', ') : existing}, ${item}`;
}

/**
 * Adds the headers by which a client sees what this edge did: X-Cache, X-Served-By, Cache-Status,
 * and, unless `edgeMs` is absent (a failure answer), Via and Server-Timing.
 */
export function addEdgeHeaders(
  headers: Record<string, string | string[]>,
  edgeId: string,
  outcome: Outcome,
  edgeMs: number | undefined,
  functionTimings?: readonly string[],
): void {
  headers['x-served-by'] = edgeId;
  // A function's answer is named as CloudFront names it (FunctionGeneratedResponse, LambdaExecutionError...).
  headers['x-cache'] = X_CACHE[outcome.status] ?? outcome.status;
  headers['cache-status'] = appendList(headers['cache-status'], cacheStatusOf(edgeId, outcome));
  if (edgeMs === undefined) return;
  headers['via'] = appendList(headers['via'], `1.1 cdnsim-${edgeId}`);
  let timingValue = `edge;dur=${edgeMs.toFixed(3)}`;
  const origin = outcome.origin;
  if (origin !== undefined) {
    timingValue += `, origin;dur=${origin.originMs.toFixed(3)}`;
    timingValue += `, edge-origin-rtt;desc="simulated";dur=${origin.simulatedMs.toFixed(3)}`;
  }
  if (functionTimings) for (const member of functionTimings) timingValue += `, ${member}`;
  headers['server-timing'] = appendList(headers['server-timing'], timingValue);
}
