import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS } from '../metrics/registry.ts';
import type { RoutedEdge } from '../routing/edge-table.ts';
import type { ClientFault, EdgePoolStats } from './proxy.ts';

export interface RouterMetrics {
  observeRequest(edge: string, country: string, seconds: number): void;
  countFailover(from: string, to: string): void;
  /** A request that failed through the client's doing, or a request target refused outright. */
  countClientFault(fault: ClientFault | 'bad-target'): void;
}

export function createRouterMetrics(
  registry: Registry,
  edges: readonly RoutedEdge[],
  poolStats: (edge: RoutedEdge) => EdgePoolStats,
): RouterMetrics {
  const requests = new Counter({
    name: 'cdn_router_requests_total',
    help: 'Requests routed, by the edge chosen ("none" when no edge was healthy) and client country.',
    labelNames: ['edge', 'client_country'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'cdn_router_request_duration_seconds',
    help: 'Time from request received at the router to response headers sent, including simulated delay.',
    labelNames: ['edge'],
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const failovers = new Counter({
    name: 'cdn_router_failovers_total',
    help: 'Requests retried on another edge after the chosen one failed before answering.',
    labelNames: ['from', 'to'],
    registers: [registry],
  });
  new Gauge({
    name: 'cdn_router_edge_up',
    help: 'Whether the router considers the edge healthy (1) or down (0).',
    labelNames: ['edge'],
    registers: [registry],
    collect() {
      for (const edge of edges) this.set({ edge: edge.id }, edge.healthy ? 1 : 0);
    },
  });
  const clientFaults = new Counter({
    name: 'cdn_router_client_faults_total',
    help: 'Requests that failed through the client (gone, broken body, not reading, unsendable, bad target); never counted against an edge.',
    labelNames: ['fault'],
    registers: [registry],
  });
  new Gauge({
    name: 'cdn_router_edge_pool_connections',
    help: 'Open router -> edge connections (a leak shows here first).',
    labelNames: ['edge'],
    registers: [registry],
    collect() {
      for (const edge of edges) this.set({ edge: edge.id }, poolStats(edge).connected);
    },
  });
  new Gauge({
    name: 'cdn_router_edge_pool_requests',
    help: 'Router -> edge requests waiting for a connection (pending) or in flight (running).',
    labelNames: ['edge', 'state'],
    registers: [registry],
    collect() {
      for (const edge of edges) {
        const stats = poolStats(edge);
        this.set({ edge: edge.id, state: 'pending' }, stats.pending);
        this.set({ edge: edge.id, state: 'running' }, stats.running);
      }
    },
  });
  return {
    countClientFault(fault) {
      clientFaults.inc({ fault });
    },
    observeRequest(edge, country, seconds) {
      requests.inc({ edge, client_country: country });
      duration.observe({ edge }, seconds);
    },
    countFailover(from, to) {
      failovers.inc({ from, to });
    },
  };
}
