import { edgeCacheOptions, type EdgeCacheSpec } from '../sim/cdn/edge-cache-options.ts';
import { edgeMaxObjectBytes, SimulatedEdge } from '../sim/cdn/simulated-edge.ts';

export interface ServedRequest {
  /** ms on the bench's clock when the response completed. */
  at: number;
  edge: string;
  /** The synthetic object's id and path on the origin. */
  id: string;
  path: string;
  bytes: number;
  ttl: number;
  cacheable: boolean;
  /** Warm-up requests shape the cache but are not counted. */
  counted: boolean;
}

/**
 * The hit ratio the edges' own cache code gives for the same request sequence: each edge's
 * requests, in the order they were served, replayed through a simulated edge (HttpCache with the
 * edge's capacity, accounting and policy) at the times they happened. Concurrency aside, it is
 * what the live edges should have reported.
 */
export function replayHitRatio(served: readonly ServedRequest[], cacheOf: (edge: string) => EdgeCacheSpec | undefined): number | undefined {
  let now = Date.UTC(2026, 0, 1);
  const start = now;
  const edges = new Map<string, SimulatedEdge>();
  let hits = 0;
  let counted = 0;
  for (const request of served) {
    let edge = edges.get(request.edge);
    if (!edge) {
      const spec = cacheOf(request.edge);
      if (spec === undefined) continue;
      const cache = edgeCacheOptions(spec, { clock: () => now });
      edges.set(request.edge, (edge = new SimulatedEdge({ cache, maxObjectBytes: edgeMaxObjectBytes(spec, cache.maxSize) })));
    }
    now = start + request.at;
    const status = edge.request({ ...request, headers: {}, country: undefined });
    if (!request.counted) continue;
    counted++;
    if (status === 'HIT') hits++;
  }
  return counted === 0 ? undefined : hits / counted;
}
