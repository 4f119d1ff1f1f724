import type { RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS } from '../metrics/registry.ts';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** Counts and times every request once it has been answered. */
export function originMetricsMiddleware(registry: Registry): RequestHandler {
  const requests = new Counter({
    name: 'cdn_origin_requests_total',
    help: 'Requests answered by the origin, by method and HTTP status.',
    labelNames: ['method', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'cdn_origin_request_duration_seconds',
    help: 'Time from request received to response finished at the origin.',
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      // Bounded label values: anything unusual is "other".
      const method = KNOWN_METHODS.has(req.method) ? req.method : 'other';
      requests.inc({ method, status: String(res.statusCode) });
      duration.observe((performance.now() - started) / 1000);
    });
    next();
  };
}
