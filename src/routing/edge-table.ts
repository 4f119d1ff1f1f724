import { greatCircleKm, type LatLon } from '../geo/distance.ts';
import type { EdgeConfig } from '../topology/schema.ts';

export interface RoutedEdge {
  id: string;
  region: string;
  city: string;
  lat: number;
  lon: number;
  url: string;
  /** The address it listens on: what a DNS answer for this edge carries. */
  address: string;
  /** Position in the topology, the deterministic tie-breaker. */
  index: number;
  /** Distances to this edge are divided by it (topology `weight`, default 1). */
  weight: number;
  /** The edge's cache capacity in bytes, for tools that model it (undefined when it counts objects). */
  maxSize: number | undefined;
  /** Its capacity in objects, when it counts objects instead of bytes. */
  maxObjects: number | undefined;
  /** Its eviction policy and largest storable response, also for tools that model the cache. */
  policy: EdgeConfig['policy'];
  maxObjectBytes: number | undefined;
  healthy: boolean;
}

/** The edges in topology order, with the health the checker keeps current. */
export class EdgeTable {
  readonly edges: readonly RoutedEdge[];

  /** `host` is where edges without an address of their own (topology `host`) listen. */
  constructor(edges: readonly (Pick<EdgeConfig, 'id' | 'region' | 'city' | 'lat' | 'lon' | 'port' | 'weight' | 'maxSize'> & Partial<Pick<EdgeConfig, 'host' | 'maxObjects' | 'policy' | 'maxObjectBytes'>>)[], host: string) {
    this.edges = edges.map((edge, index) => ({
      id: edge.id,
      region: edge.region,
      city: edge.city,
      lat: edge.lat,
      lon: edge.lon,
      url: `http://${urlHost(edge.host ?? host)}:${edge.port}`,
      address: edge.host ?? host,
      index,
      weight: edge.weight,
      maxSize: edge.maxSize,
      maxObjects: edge.maxObjects,
      policy: edge.policy ?? 'lru',
      maxObjectBytes: edge.maxObjectBytes,
      healthy: true,
    }));
  }

  /**
   * The nearest healthy edge to `client` by weighted great-circle distance, skipping `exclude`;
   * ties go to the earlier edge in the topology. A linear scan over a handful of edges: no allocation, no sorting, no I/O.
   */
  nearestHealthy(client: LatLon, exclude?: RoutedEdge): RoutedEdge | undefined {
    let best: RoutedEdge | undefined;
    let bestKm = Infinity;
    for (const edge of this.edges) {
      if (!edge.healthy || edge === exclude) continue;
      const km = greatCircleKm(client, edge) / edge.weight;
      if (km < bestKm) {
        best = edge;
        bestKm = km;
      }
    }
    return best;
  }
}

/** An IPv6 literal goes in brackets in a URL. */
function urlHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
