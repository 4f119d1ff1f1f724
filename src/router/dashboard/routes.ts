import type express from 'express';
import { fileURLToPath } from 'node:url';
import { countryPlaces } from '../../geo/country-list.ts';
import type { LatLon } from '../../geo/distance.ts';
import type { ClientLocation } from '../../routing/client-location.ts';
import type { EdgeTable } from '../../routing/edge-table.ts';
import { EdgeFunctionsDirectory, type EdgeFunctionList } from './edge-functions.ts';
import { dashboardPage } from './page.ts';
import type { EdgeCounts, TrafficStats } from './traffic-stats.ts';

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
  const functions = new EdgeFunctionsDirectory();
  let page: string | undefined;

  app.get('/_cdn/dashboard', (_req, res) => {
    page ??= dashboardPage();
    res.type('html').send(page);
  });

  app.get('/_cdn/dashboard/dashboard.js', (_req, res) => {
    res.type('application/javascript').sendFile(CLIENT_SCRIPT);
  });

  app.get('/_cdn/dashboard/state', async (req, res) => {
    const client = locate(req);
    // A down edge is not asked: its answer would only hold the page up for the whole timeout.
    const lists = await Promise.all(table.edges.map((edge): Promise<EdgeFunctionList> => (edge.healthy ? functions.of(edge) : Promise.resolve({ ok: false, problem: 'the edge is down' }))));
    res.json({
      client,
      chosenEdge: table.nearestHealthy(client)?.id ?? null,
      origin: options.origin,
      edges: table.edges.map((edge, index) => {
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
          functions: functionsView(lists[index]!, counts),
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

/**
 * The edge's functions with the runs the router saw for each (its triggers' Server-Timing
 * members: one function per trigger per edge, so a trigger's runs are its function's).
 */
function functionsView(list: EdgeFunctionList, counts: EdgeCounts) {
  const answered = counts.functionAnswers;
  if (!list.ok) return { problem: list.problem, attached: [], answered };
  const runsOf = (trigger: string) => counts.functionRuns[trigger as keyof EdgeCounts['functionRuns']] ?? 0;
  return {
    attached: list.functions.map((fn) => ({ ...fn, runs: fn.triggers.reduce((sum, trigger) => sum + runsOf(trigger), 0) })),
    answered,
  };
}
