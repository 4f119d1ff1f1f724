import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { MAX_SYNTHETIC_TTL_SECONDS } from '../workload/synthetic-limits.ts';
import type { TraceRequest } from './trace-request.ts';

/** A trace request as HTTP: the origin's synthetic object it names, and where its client is. */
export interface ReplayRequest {
  /** `/gen/<id>?bytes=N&ttl=S[&nostore=1]` on the built-in origin. */
  path: string;
  /** The synthetic object id (the trace key, or a digest of it when it has other characters). */
  id: string;
  bytes: number;
  ttl: number;
  cacheable: boolean;
  /** What the bench sends the router so that it places the client where the trace does. */
  headers: IncomingHttpHeaders;
  /** ISO country of the client when the trace names it, for grouping. */
  country: string | undefined;
}

const SYNTHETIC_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Maps a trace request onto the origin's synthetic objects, the one mapping that both
 * `cdnsim bench --trace` (live) and `cdnsim sim --topology` (offline) use, so they ask for the
 * same URLs from the same places. The size is part of the URL: a key requested with another size
 * is another object, as it would be on a real origin.
 */
export function toReplayRequest(request: TraceRequest, defaultTtlSeconds: number): ReplayRequest {
  const id = SYNTHETIC_ID.test(request.key) ? request.key : `k-${createHash('sha256').update(request.key).digest('base64url').slice(0, 32)}`;
  const ttl = Math.min(request.ttl ?? defaultTtlSeconds, MAX_SYNTHETIC_TTL_SECONDS);
  const cacheable = request.cacheable ?? true;
  const headers: IncomingHttpHeaders = {};
  if (request.country !== undefined) headers['x-client-geo'] = request.country;
  else if (request.lat !== undefined && request.lon !== undefined) headers['x-client-geo'] = `${request.lat},${request.lon}`;
  else if (request.clientIp !== undefined) headers['x-forwarded-for'] = request.clientIp;
  return {
    path: `/gen/${id}?bytes=${request.size}&ttl=${ttl}${cacheable ? '' : '&nostore=1'}`,
    id,
    bytes: request.size,
    ttl,
    cacheable,
    headers,
    country: request.country,
  };
}
