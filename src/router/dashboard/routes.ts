import type express from 'express';
import { fileURLToPath } from 'node:url';
import { countryPlaces } from '../../geo/country-list.ts';
import type { LatLon } from '../../geo/distance.ts';
import type { ClientLocation } from '../../routing/client-location.ts';
import type { EdgeTable } from '../../routing/edge-table.ts';
import { dashboardPage } from './page.ts';
import type { TrafficStats } from './traffic-stats.ts';

export interface DashboardOptions {
  table: EdgeTable;
  origin: LatLon & { city?: string };
  stats: TrafficStats;
  locate: (req: express.Request) => ClientLocation;
}

/** Browser code, served as written: found from the project root, so it works from src/ and dist/ alike. */
const CLIENT_SCRIPT = fileURLToPath(new URL('../../../src/router/dashboard/dashboard.js', import.meta.url));

/** /_cdn/dashboard and the small JSON feeds its page polls. */
export function addDashboardRoutes(app: express.Express, options: DashboardOptions): void {
  const { table, stats, locate } = options;
  let page: string | undefined;

  app.get('/_cdn/dashboard', (_req, res) => {
    page ??= dashboardPage();
    res.type('html').send(page);
  });

  app.get('/_cdn/dashboard/dashboard.js', (_req, res) => {
    res.type('application/javascript').sendFile(CLIENT_SCRIPT);
  });

  app.get('/_cdn/dashboard/state', (req, res) => {
    const client = locate(req);
    res.json({
      client,
      chosenEdge: table.nearestHealthy(client)?.id ?? null,
      origin: options.origin,
      edges: table.edges.map((edge) => {
        const counts = stats.of(edge.id);
        return {
          id: edge.id,
          city: edge.city,
          region: edge.region,
          lat: edge.lat,
          lon: edge.lon,
          healthy: edge.healthy,
          requests: counts.requests,
          hits: counts.hits,
          hitRatio: counts.requests > 0 ? counts.hits / counts.requests : null,
        };
      }),
    });
  });

  app.get('/_cdn/dashboard/places', (_req, res) => {
    res.json({
      cities: table.edges.map((edge) => ({ name: `${edge.city} (edge ${edge.id})`, lat: edge.lat, lon: edge.lon })),
      countries: countryPlaces(),
    });
  });
}
