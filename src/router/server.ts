import type { IncomingMessage, ServerResponse } from 'node:http';
import { adminTokenFromEnv } from '../admin/token.ts';
import { roundTripDelayMs } from '../geo/network-model.ts';
import { simulateDelay } from '../net/delay.ts';
import { createHttpServer } from '../net/http-server.ts';
import { closeServer, listen } from '../net/listen.ts';
import { sendText } from '../net/plain-response.ts';
import { classifyUpstreamError, statusForFailure } from '../net/upstream-error.ts';
import { createRegistry } from '../metrics/registry.ts';
import type { Topology } from '../topology/schema.ts';
import { createAdminApp } from './admin-app.ts';
import { createLocationResolver, type ClientLocation } from '../routing/client-location.ts';
import { EdgeTable, type RoutedEdge } from '../routing/edge-table.ts';
import { HealthChecker } from './health-checker.ts';
import { TrafficStats } from './dashboard/traffic-stats.ts';
import { createRouterMetrics, type RouterMetrics } from './metrics.ts';
import { EdgeProxy, isUnreachable, type ProxyOutcome } from './proxy.ts';
import { originFormTarget } from '../http/request-target.ts';
import { startDnsService } from './dns-service.ts';
import { viewerHeaders } from './viewer-headers.ts';

export interface RouterOptions {
  topology: Topology;
  /** Overrides topology.router.port (tests use 0). */
  port?: number;
  /** Host the edges listen on. */
  edgeHost?: string;
  /** Overrides topology.dns.port; DNS runs only when the topology has a dns section. */
  dnsPort?: number;
  log?: (line: string) => void;
}

export interface RunningRouter {
  port: number;
  url: string;
  /** The DNS server's port, when the topology has a dns section. */
  dnsPort?: number;
  close(): Promise<void>;
}

export async function startRouter(options: RouterOptions): Promise<RunningRouter> {
  const { topology } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const table = new EdgeTable(topology.edges, options.edgeHost ?? '127.0.0.1');
  const registry = createRegistry();
  const locate = createLocationResolver({
    trustedProxies: topology.router.trustedProxies,
    defaultLocation: topology.router.defaultClientLocation,
  });
  const health = new HealthChecker(table.edges, topology.router.healthCheck, (edge) =>
    log(`edge ${edge.id} is now ${edge.healthy ? 'UP' : 'DOWN'}`),
  );
  const proxy = new EdgeProxy(table.edges, {
    connectTimeoutMs: 2_000,
    headersTimeoutMs: 15_000,
    bodyTimeoutMs: 30_000,
    clientSendTimeoutMs: 30_000,
  });
  const metrics = createRouterMetrics(registry, table.edges, (edge) => proxy.stats(edge));
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

  const server = createHttpServer(
    (req, res) => {
      const target = originFormTarget(req.url ?? '/');
      if (target === undefined) {
        metrics.countClientFault('bad-target');
        sendText(res, 400, 'Bad Request: the router serves paths (origin-form or absolute-form request targets)');
        return;
      }
      // Everything after this point (admin routes, edges) sees the path alone.
      req.url = target;
      if (target.startsWith('/_cdn/') || target === '/metrics') {
        admin(req, res);
        return;
      }
      route(req, res).catch((error: unknown) => {
        log(`unexpected error on ${req.method} ${target}: ${String(error)}`);
        sendText(res, 500, 'Internal Server Error');
      });
    },
    { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000 },
  );
  const port = await listen(server, options.port ?? topology.router.port, topology.router.host);
  const dnsTopology = topology.dns ? { ...topology, dns: topology.dns } : undefined;
  const dns = dnsTopology && (await startDnsService({ topology: dnsTopology, port: options.dnsPort, table, registry, log }));
  health.start();
  void health.checkAll();
  return {
    port,
    url: `http://${topology.router.host}:${port}`,
    dnsPort: dns?.port,
    async close() {
      health.stop();
      await dns?.close();
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
  const viewer = viewerHeaders(client, { address: req.socket.remoteAddress, port: req.socket.remotePort });
  for (let attempt = 0; ; attempt++) {
    const simulatedMs = roundTripDelayMs(ctx.network, client, edge);
    await simulateDelay(simulatedMs);
    const chosen: RoutedEdge = edge;
    const outcome = await proxy.forward(chosen, req, res, (headers) => {
      ctx.stats.record(chosen.id, headers['x-cache'], headers['server-timing']);
      const timing = `client-edge-rtt;desc="simulated";dur=${simulatedMs.toFixed(3)}, router;dur=${(performance.now() - started).toFixed(3)}`;
      headers['server-timing'] = headers['server-timing'] ? `${String(headers['server-timing'])}, ${timing}` : timing;
    }, viewer);
    if (outcome.kind === 'answered') {
      metrics.observeRequest(chosen.id, client.country, (performance.now() - started) / 1000);
      return;
    }
    if (outcome.kind === 'client-fault') {
      answerClientFault(res, outcome);
      metrics.countClientFault(outcome.fault);
      return;
    }
    if (outcome.kind === 'failed-mid-response') {
      // The edge was answering, so it is up: cutting a body short is how it reports that its own
      // upstream broke, and passing the cut on is how the router reports it in turn.
      res.destroy();
      return;
    }
    if (isUnreachable(outcome.error)) health.markDown(chosen);
    else health.record(chosen, false);
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

/**
 * The client broke the exchange, so there is no edge to blame and nothing to retry. Only a
 * request undici would not send still has a client waiting for an answer; the others are gone,
 * or were already answered 400 by Node's parser.
 */
function answerClientFault(res: ServerResponse, outcome: Extract<ProxyOutcome, { kind: 'client-fault' }>): void {
  if (outcome.fault === 'unsendable' && !res.headersSent && !res.destroyed) {
    sendText(res, 400, `Bad Request: ${(outcome.error as Error).message}`);
    return;
  }
  res.destroy();
}
