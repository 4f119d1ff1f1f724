import type { CacheStatus } from './metrics.ts';

/** How long the origin took (measured) and the simulated edge-origin round trip, for Server-Timing. */
export interface OriginTiming {
  originMs: number;
  simulatedMs: number;
}

/** What the edge did for one request: everything deliver reports about it, in one object. */
export interface Outcome {
  /** X-Cache, and the metrics label. */
  status: CacheStatus;
  /** Why the origin was asked (RFC 9211 fwd); absent for an answer from the cache alone. */
  fwd?: 'miss' | 'stale' | 'bypass';
  fwdStatus?: number;
  /** The response was stored by this request. */
  stored?: boolean;
  /** The entry's remaining freshness in seconds. */
  ttl?: number;
  /** Answered from an entry another request's fetch just stored (request collapsing). */
  collapsed?: boolean;
  /** stale-while-revalidate, stale-if-error, stale-on-origin-error, or the kind of failure. */
  detail?: string;
  origin?: OriginTiming;
}

/** The Cache-Status member (RFC 9211) for an outcome: the one place its syntax is written. */
export function cacheStatusOf(edgeId: string, outcome: Outcome): string {
  if (outcome.fwd === undefined && outcome.ttl !== undefined && !outcome.collapsed && outcome.detail === undefined) {
    return hitStatus(edgeId, outcome.ttl);
  }
  let value = outcome.fwd === undefined ? `cdnsim-${edgeId}; hit` : `cdnsim-${edgeId}; fwd=${outcome.fwd}`;
  if (outcome.fwdStatus !== undefined) value += `; fwd-status=${outcome.fwdStatus}`;
  if (outcome.stored) value += '; stored';
  if (outcome.ttl !== undefined) value += `; ttl=${outcome.ttl}`;
  if (outcome.collapsed) value += '; collapsed';
  if (outcome.detail !== undefined) value += `; detail=${outcome.detail}`;
  return value;
}

/** A plain hit's Cache-Status, without building an Outcome (the hot path). */
export function hitStatus(edgeId: string, ttl: number): string {
  return `cdnsim-${edgeId}; hit; ttl=${ttl}`;
}
