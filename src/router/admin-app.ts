import express from 'express';
import type { Registry } from 'prom-client';
import { greatCircleKm } from '../geo/distance.ts';
import { oneWayDelayMs } from '../geo/network-model.ts';
import type { NetworkModel } from '../topology/schema.ts';
import type { ClientLocation } from './client-location.ts';
import type { EdgeTable } from './edge-table.ts';

export interface AdminAppOptions {
  table: EdgeTable;
  network: NetworkModel;
  registry: Registry;
  locate: (req: express.Request) => ClientLocation;
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

  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  app.use((req, res) => {
    res.status(404).type('text/plain').send(`Not Found: no such router endpoint ${req.path}\n`);
  });
  return app;
}
