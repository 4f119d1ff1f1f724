import type { HttpCacheOptions } from '../../cache/http-cache.ts';
import type { EdgeConfig } from '../../topology/schema.ts';

/**
 * The cache a topology edge runs, as the supervisor configures the live one (capacity in bytes
 * or objects, eviction policy), optionally scaled or with another policy for a what-if run.
 */
/** What of an edge's configuration decides its cache. */
export type EdgeCacheSpec = Pick<EdgeConfig, 'maxSize' | 'maxObjects' | 'policy' | 'maxObjectBytes'>;

export function edgeCacheOptions(
  edge: EdgeCacheSpec,
  options: { clock: () => number; scale?: number; policy?: string; onEvict?: () => void },
): HttpCacheOptions {
  const scale = options.scale ?? 1;
  const scaled = (capacity: number) => Math.max(1, Math.floor(capacity * scale));
  const capacity = edge.maxObjects !== undefined ? { maxObjects: scaled(edge.maxObjects) } : { maxSize: scaled(edge.maxSize!) };
  return { ...capacity, policy: options.policy ?? edge.policy, clock: options.clock, onEvict: options.onEvict };
}
