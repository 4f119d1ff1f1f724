import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { registerProcessGuardMetric } from './process-guard.ts';

/** Buckets from a 0.1 ms cache hit to a multi-second cross-ocean miss, in seconds. */
export const LATENCY_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/**
 * How often each process samples its own event-loop delay. prom-client's default (10 ms) wakes an
 * idle process 100 times a second, which cost ~6.5 ms of CPU per second per process here (13
 * processes in the default topology: 8 % of a core doing nothing); every 100 ms costs ~2 ms/s and
 * still catches any stall of 100 ms or more, and shorter ones whenever a sample falls in them.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** One registry per process, with Node's default process metrics. */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  // prom-client exports these gauges with a counter's _total suffix, which promtool rejects; the
  // same numbers remain in nodejs_active_handles / _requests / _resources, broken down by type.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  registerProcessGuardMetric(registry);
  return registry;
}

export async function serveMetrics(registry: Registry, res: ServerResponse): Promise<void> {
  const body = await registry.metrics();
  res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

export function isMetricsRequest(req: IncomingMessage): boolean {
  return req.url === '/metrics' && (req.method === 'GET' || req.method === 'HEAD');
}
