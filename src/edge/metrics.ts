import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { FUNCTION_X_CACHE_VALUES, type FailureXCache, type GeneratedXCache } from '../functions/failures.ts';
import { LATENCY_BUCKETS_SECONDS } from '../metrics/registry.ts';

/**
 * X-Cache and the cache_status label. An edge function's generated response or failure carries
 * CloudFront's own name for it (FunctionGeneratedResponse, LambdaExecutionError, ...), so that
 * Prometheus counts those apart from the cache's answers.
 */
export type CacheStatus = 'hit' | 'miss' | 'stale' | 'revalidated' | 'pass' | 'error' | FailureXCache | GeneratedXCache;

const CACHE_STATUSES: readonly CacheStatus[] = ['hit', 'miss', 'stale', 'revalidated', 'pass', 'error', ...FUNCTION_X_CACHE_VALUES];

export interface EdgeMetrics {
  observeRequest(status: CacheStatus, seconds: number, bytes: number): void;
  observeOriginFetch(status: number | 'error' | 'timeout', seconds: number): void;
  countEviction(): void;
  /** Body bytes received from the origin (what the cache did not save). */
  countOriginBytes(bytes: number): void;
}

export function createEdgeMetrics(
  registry: Registry,
  labels: { edge: string; region: string },
  cacheSize: () => { bytes: number; objects: number },
): EdgeMetrics {
  const requests = new Counter({
    name: 'cdn_edge_requests_total',
    help: 'Requests answered by this edge, by cache status (HIT, MISS, ...).',
    labelNames: ['edge', 'region', 'cache_status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'cdn_edge_request_duration_seconds',
    help: 'Time from request received to response finished at the edge, by cache status.',
    labelNames: ['edge', 'cache_status'],
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const responseBytes = new Counter({
    name: 'cdn_edge_response_bytes_total',
    help: 'Body bytes sent to clients, by cache status.',
    labelNames: ['edge', 'cache_status'],
    registers: [registry],
  });
  const originFetches = new Counter({
    name: 'cdn_edge_origin_fetches_total',
    help: 'Fetches from the origin, by HTTP status (or error / timeout).',
    labelNames: ['edge', 'status'],
    registers: [registry],
  });
  const originDuration = new Histogram({
    name: 'cdn_edge_origin_fetch_duration_seconds',
    help: 'Time to fetch a response from the origin, including the simulated edge-to-origin delay.',
    labelNames: ['edge'],
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const originBytes = new Counter({
    name: 'cdn_edge_origin_fetch_bytes_total',
    help: 'Body bytes received from the origin; with cdn_edge_response_bytes_total it gives the origin offload in bytes.',
    labelNames: ['edge'],
    registers: [registry],
  });
  const evictions = new Counter({
    name: 'cdn_edge_cache_evictions_total',
    help: 'Objects evicted from the cache to make room.',
    labelNames: ['edge'],
    registers: [registry],
  });
  new Gauge({
    name: 'cdn_edge_cache_bytes',
    help: 'Bytes held in the cache (bodies plus headers).',
    labelNames: ['edge'],
    registers: [registry],
    collect() {
      this.set({ edge: labels.edge }, cacheSize().bytes);
    },
  });
  new Gauge({
    name: 'cdn_edge_cache_objects',
    help: 'Objects held in the cache.',
    labelNames: ['edge'],
    registers: [registry],
    collect() {
      this.set({ edge: labels.edge }, cacheSize().objects);
    },
  });

  // Children bound once: label lookups stay off the per-request path.
  const bind = (status: CacheStatus) => ({
    count: requests.labels({ ...labels, cache_status: status }),
    time: duration.labels({ edge: labels.edge, cache_status: status }),
    bytes: responseBytes.labels({ edge: labels.edge, cache_status: status }),
  });
  const byStatus = new Map<CacheStatus, ReturnType<typeof bind>>();
  for (const status of CACHE_STATUSES) byStatus.set(status, bind(status));
  const evictionCounter = evictions.labels({ edge: labels.edge });
  const originTime = originDuration.labels({ edge: labels.edge });
  const originByteCounter = originBytes.labels({ edge: labels.edge });

  return {
    observeRequest(status, seconds, bytes) {
      const child = byStatus.get(status)!;
      child.count.inc();
      child.time.observe(seconds);
      if (bytes > 0) child.bytes.inc(bytes);
    },
    observeOriginFetch(status, seconds) {
      originFetches.inc({ edge: labels.edge, status: String(status) });
      originTime.observe(seconds);
    },
    countEviction() {
      evictionCounter.inc();
    },
    countOriginBytes(bytes) {
      if (bytes > 0) originByteCounter.inc(bytes);
    },
  };
}
