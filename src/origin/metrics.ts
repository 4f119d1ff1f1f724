import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS } from '../metrics/registry.ts';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** Starts timing a request; it is counted once it has been answered. */
export type OriginRequestMeter = (req: IncomingMessage, res: ServerResponse) => void;

/** The `operation` label of requests of cdnsim's own API; S3 requests carry their operation's name. */
export const CDNSIM_OPERATION = 'cdnsim';
const operations = new WeakMap<ServerResponse, string>();

/** Names the operation a request is counted under (one of a bounded set: S3's operation names). */
export function labelOperation(res: ServerResponse, operation: string): void {
  operations.set(res, operation);
}

export function originRequestMeter(registry: Registry): OriginRequestMeter {
  const requests = new Counter({
    name: 'cdn_origin_requests_total',
    help: 'Requests answered by the origin, by method, HTTP status and operation (an S3 operation, or "cdnsim" for its own API).',
    labelNames: ['method', 'status', 'operation'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'cdn_origin_request_duration_seconds',
    help: 'Time from request received to response finished at the origin.',
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  return (req, res) => {
    const started = performance.now();
    res.once('finish', () => {
      // Bounded label values: anything unusual is "other".
      const method = req.method !== undefined && KNOWN_METHODS.has(req.method) ? req.method : 'other';
      requests.inc({ method, status: String(res.statusCode), operation: operations.get(res) ?? CDNSIM_OPERATION });
      duration.observe((performance.now() - started) / 1000);
    });
  };
}
