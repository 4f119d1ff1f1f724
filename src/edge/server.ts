import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen } from '../net/listen.ts';
import { sendJson, sendText } from '../net/plain-response.ts';
import { createRegistry, isMetricsRequest, serveMetrics } from '../metrics/registry.ts';
import { createEdgeMetrics } from './metrics.ts';
import { OriginClient } from './origin-client.ts';
import { handleContentRequest, type EdgeContext } from './request-path.ts';
import { ResponseCache } from './response-cache.ts';

export interface EdgeOptions {
  id: string;
  region: string;
  host: string;
  port: number;
  originUrl: string;
  /** Cache capacity in bytes. */
  maxSize: number;
  /** Responses larger than this pass through unstored. */
  maxObjectBytes: number;
  /** Simulated edge-to-origin round trip (network model), added to every origin fetch. */
  originRoundTripMs: number;
  adminToken: string | undefined;
  originTimeouts?: { connectMs: number; headersMs: number; bodyMs: number };
}

export interface RunningEdge {
  port: number;
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_ORIGIN_TIMEOUTS = { connectMs: 3_000, headersMs: 10_000, bodyMs: 30_000 };

export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const registry = createRegistry();
  let cache: ResponseCache | undefined;
  const metrics = createEdgeMetrics(registry, { edge: options.id, region: options.region }, () => ({
    bytes: cache?.bytes ?? 0,
    objects: cache?.objects ?? 0,
  }));
  cache = new ResponseCache({ maxSize: options.maxSize, onEvict: () => metrics.countEviction() });
  const timeouts = options.originTimeouts ?? DEFAULT_ORIGIN_TIMEOUTS;
  const origin = new OriginClient({
    originUrl: options.originUrl,
    roundTripMs: options.originRoundTripMs,
    connectTimeoutMs: timeouts.connectMs,
    headersTimeoutMs: timeouts.headersMs,
    bodyTimeoutMs: timeouts.bodyMs,
    maxObjectBytes: Math.min(options.maxObjectBytes, options.maxSize),
  });
  const context: EdgeContext = { id: options.id, cache, origin, metrics, inflight: new Map() };

  const server = createServer((req, res) => {
    handle(context, req, res, registry).catch((error: unknown) => {
      console.error(`unexpected error on ${req.method} ${req.url}:`, error);
      sendText(res, 500, 'Internal Server Error');
    });
  });
  // Slowloris-style clients must not hold sockets forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  const port = await listen(server, options.port, options.host);
  return {
    port,
    url: `http://${options.host}:${port}`,
    async close() {
      await closeServer(server);
      await origin.close();
    },
  };
}

async function handle(
  context: EdgeContext,
  req: IncomingMessage,
  res: ServerResponse,
  registry: ReturnType<typeof createRegistry>,
): Promise<void> {
  const url = req.url ?? '/';
  if (url.startsWith('/_cdn/') || url === '/metrics') {
    if (isMetricsRequest(req)) return serveMetrics(registry, res);
    if (url === '/_cdn/health') return sendJson(res, 200, { status: 'ok', role: 'edge', id: context.id });
    return sendText(res, 404, `Not Found: no such edge endpoint ${url}`);
  }
  return handleContentRequest(context, req, res);
}
