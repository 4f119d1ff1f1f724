import express from 'express';
import { readPurgeRequest } from '../admin/purge-request.ts';
import { hasAdminToken } from '../admin/token.ts';
import type { Registry } from 'prom-client';
import { greatCircleKm } from '../geo/distance.ts';
import { oneWayDelayMs } from '../geo/network-model.ts';
import type { NetworkModel } from '../topology/schema.ts';
import type { ClientLocation } from '../routing/client-location.ts';
import type { EdgeTable } from '../routing/edge-table.ts';
import { addDashboardRoutes } from './dashboard/routes.ts';
import type { TrafficStats } from './dashboard/traffic-stats.ts';
import { fanOutPurge } from './purge-fanout.ts';

export interface AdminAppOptions {
  table: EdgeTable;
  network: NetworkModel;
  registry: Registry;
  locate: (req: express.Request) => ClientLocation;
  adminToken: string | undefined;
  origin: { lat: number; lon: number; city?: string };
  stats: TrafficStats;
}

/** The router's own endpoints; express is used here for routing, never on the proxy path. */
export function createAdminApp(options: AdminAppOptions): express.Express {
  const { table, network, registry, locate } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  app.get('/_cdn/health', (_req, res) => {
    const healthy = table.edges.filter((edge) => edge.healthy).length;
    res.status(healthy > 0 ? 200 : 503).json({ status: healthy > 0 ? 'ok' : 'no-healthy-edge', role: 'router', healthyEdges: healthy });
  });

  app.get('/_cdn/topology', (req, res) => {
    const client = locate(req);
    res.json({
      client,
      network,
      edges: table.edges.map((edge) => ({
        id: edge.id,
        city: edge.city,
        region: edge.region,
        lat: edge.lat,
        lon: edge.lon,
        url: edge.url,
        maxSize: edge.maxSize,
        maxObjects: edge.maxObjects,
        policy: edge.policy,
        maxObjectBytes: edge.maxObjectBytes,
        healthy: edge.healthy,
        distanceKm: Math.round(greatCircleKm(client, edge)),
        oneWayDelayMs: Number(oneWayDelayMs(network, client, edge).toFixed(3)),
      })),
    });
  });

  app.get('/_cdn/whereami', (req, res) => {
    const client = locate(req);
    const edge = table.nearestHealthy(client);
    res.json({
      client,
      edge: edge && { id: edge.id, city: edge.city, region: edge.region, distanceKm: Math.round(greatCircleKm(client, edge)) },
      why: edge ? `nearest healthy edge to (${client.lat}, ${client.lon}) located from ${client.source}` : 'no edge is healthy',
    });
  });

  app.post('/_cdn/purge', async (req, res) => {
    if (!hasAdminToken(req.headers, options.adminToken)) {
      res.set('WWW-Authenticate', 'Bearer realm="cdnsim"').status(401).type('text/plain').send('Unauthorized: send Authorization: Bearer <admin token>\n');
      return;
    }
    const parsed = await readPurgeRequest(req);
    if (!parsed.ok) {
      res.status(parsed.status).type('text/plain').send(`${parsed.status === 413 ? 'Content Too Large' : 'Bad Request'}: ${parsed.message}\n`);
      return;
    }
    const edges = await fanOutPurge(table.edges, parsed.purge, options.adminToken!);
    const reached = edges.filter((edge) => edge.ok).length;
    // 200 only when every edge purged; otherwise the caller must know some still hold the objects.
    res.status(reached === edges.length ? 200 : 502).json({
      reached,
      total: edges.reduce((sum, edge) => sum + (edge.purged ? edge.purged.paths + edge.purged.prefixes + edge.purged.tags : 0), 0),
      edges,
    });
  });

  addDashboardRoutes(app, { table, origin: options.origin, stats: options.stats, locate });

  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  app.use((req, res) => {
    res.status(404).type('text/plain').send(`Not Found: no such router endpoint ${req.path}\n`);
  });
  return app;
}
