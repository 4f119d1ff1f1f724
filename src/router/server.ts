import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { adminTokenFromEnv } from '../admin/token.ts';
import { roundTripDelayMs } from '../geo/network-model.ts';
import { simulateDelay } from '../net/delay.ts';
import { closeServer, listen } from '../net/listen.ts';
import { sendText } from '../net/plain-response.ts';
import { classifyUpstreamError, statusForFailure } from '../net/upstream-error.ts';
import { createRegistry } from '../metrics/registry.ts';
import type { Topology } from '../topology/schema.ts';
import { createAdminApp } from './admin-app.ts';
import { createLocationResolver, type ClientLocation } from './client-location.ts';
import { EdgeTable, type RoutedEdge } from './edge-table.ts';
import { HealthChecker } from './health-checker.ts';
import { TrafficStats } from './dashboard/traffic-stats.ts';
import { createRouterMetrics, type RouterMetrics } from './metrics.ts';
import { EdgeProxy, isConnectionFailure } from './proxy.ts';

export interface RouterOptions {
  topology: Topology;
  /** Overrides topology.router.port (tests use 0). */
  port?: number;
  /** Host the edges listen on. */
  edgeHost?: string;
  log?: (line: string) => void;
}

export interface RunningRouter {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startRouter(options: RouterOptions): Promise<RunningRouter> {
  const { topology } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const table = new EdgeTable(topology.edges, options.edgeHost ?? '127.0.0.1');
  const registry = createRegistry();
  const metrics = createRouterMetrics(registry, table.edges);
  const locate = createLocationResolver({
    trustedProxies: topology.router.trustedProxies,
    defaultLocation: topology.router.defaultClientLocation,
  });
  const health = new HealthChecker(table.edges, topology.router.healthCheck, (edge) =>
    log(`edge ${edge.id} is now ${edge.healthy ? 'UP' : 'DOWN'}`),
  );
  const proxy = new EdgeProxy(table.edges, { connectTimeoutMs: 2_000, headersTimeoutMs: 15_000, bodyTimeoutMs: 30_000 });
  const stats = new TrafficStats();
  const admin = createAdminApp({
    table,
    network: topology.network,
    registry,
    locate,
    adminToken: adminTokenFromEnv(),
    origin: { lat: topology.origin.lat, lon: topology.origin.lon, city: topology.origin.city },
    stats,
  });

  const route = (req: IncomingMessage, res: ServerResponse) =>
    routeContent({ req, res, table, locate, proxy, health, metrics, stats, network: topology.network });

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/_cdn/') || url === '/metrics') {
      admin(req, res);
      return;
    }
    route(req, res).catch((error: unknown) => {
      log(`unexpected error on ${req.method} ${url}: ${String(error)}`);
      sendText(res, 500, 'Internal Server Error');
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  const port = await listen(server, options.port ?? topology.router.port, topology.router.host);
  health.start();
  void health.checkAll();
  return {
    port,
    url: `http://${topology.router.host}:${port}`,
    async close() {
      health.stop();
      await closeServer(server);
      await proxy.close();
    },
  };
}

interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  table: EdgeTable;
  locate: (req: IncomingMessage) => ClientLocation;
  proxy: EdgeProxy;
  health: HealthChecker;
  metrics: RouterMetrics;
  stats: TrafficStats;
  network: Topology['network'];
}

/** Locate the client, pick the nearest healthy edge, wait the simulated delay, proxy; fail over once. */
async function routeContent(ctx: RouteContext): Promise<void> {
  const { req, res, table, proxy, health, metrics } = ctx;
  const started = performance.now();
  const client = ctx.locate(req);
  let edge = table.nearestHealthy(client);
  if (!edge) {
    metrics.observeRequest('none', client.country, (performance.now() - started) / 1000);
    sendText(res, 503, 'Service Unavailable: no edge is healthy');
    return;
  }
  const retryable = req.method === 'GET' || req.method === 'HEAD';
  for (let attempt = 0; ; attempt++) {
    const simulatedMs = roundTripDelayMs(ctx.network, client, edge);
    await simulateDelay(simulatedMs);
    const chosen: RoutedEdge = edge;
    const outcome = await proxy.forward(chosen, req, res, (headers) => {
      ctx.stats.record(chosen.id, headers['x-cache']);
      const timing = `client-edge-rtt;desc="simulated";dur=${simulatedMs.toFixed(3)}, router;dur=${(performance.now() - started).toFixed(3)}`;
      headers['server-timing'] = headers['server-timing'] ? `${String(headers['server-timing'])}, ${timing}` : timing;
    });
    if (outcome.kind === 'answered') {
      metrics.observeRequest(chosen.id, client.country, (performance.now() - started) / 1000);
      return;
    }
    if (isConnectionFailure(outcome.error)) health.markDown(chosen);
    else health.record(chosen, false);
    if (outcome.kind === 'failed-mid-response') {
      res.destroy();
      return;
    }
    const next = retryable && attempt === 0 ? table.nearestHealthy(client, chosen) : undefined;
    if (!next) {
      metrics.observeRequest(chosen.id, client.country, (performance.now() - started) / 1000);
      if (!table.nearestHealthy(client)) {
        sendText(res, 503, 'Service Unavailable: no edge is healthy');
        return;
      }
      const status = statusForFailure(classifyUpstreamError(outcome.error));
      sendText(res, status, `${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}: edge ${chosen.id} failed to answer`);
      return;
    }
    metrics.countFailover(chosen.id, next.id);
    edge = next;
  }
}
