import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { generateAdminToken } from '../admin/token.ts';
import type { EdgeCacheSpec } from '../sim/cdn/edge-cache-options.ts';
import type { NetworkModel } from '../topology/schema.ts';
import type { EdgeCounters } from '../report/counter-deltas.ts';
import { BenchInputError } from './bench-input-error.ts';
import { startCluster, type Cluster } from '../supervisor/cluster.ts';

export interface BenchTarget {
  routerUrl: string;
  /** Each edge, with what decides its cache, so the bench can replay what it served. */
  edges: ({ id: string; url: string; region: string } & EdgeCacheSpec)[];
  adminToken?: string;
  /** Present when the bench started the topology itself. */
  cluster?: Cluster;
  /** The router's DNS server, when known (a started topology with a dns section, or --dns-server). */
  dns?: { host: string; port: number; hostname: string };
  /** Each edge's position, and the network model, for DNS routing's client-to-edge delay. */
  edgePlaces: Map<string, { lat: number; lon: number }>;
  network?: NetworkModel;
  close(): Promise<void>;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await request(url, { headersTimeout: 3_000, bodyTimeout: 3_000, signal: AbortSignal.timeout(5_000) });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`${url} answered ${response.statusCode}`);
  }
  return (await response.body.json()) as T;
}

/** A running router, or a topology started here on free ports and stopped afterwards. */
export async function openTarget(options: {
  target?: string;
  spawn: boolean;
  topology: string;
  adminToken?: string;
  dnsServer?: { host: string; port: number };
  dnsHostname?: string;
}): Promise<BenchTarget> {
  let cluster: Cluster | undefined;
  let dir: string | undefined;
  let routerUrl = options.target;
  let adminToken = options.adminToken;
  if (options.spawn) {
    dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-bench-'));
    adminToken = generateAdminToken();
    cluster = await startCluster({ topologyFile: options.topology, runDir: dir, adminToken, ephemeralPorts: true, log: () => undefined });
    routerUrl = cluster.routerUrl;
  }
  try {
    await getJson(`${routerUrl}/_cdn/health`);
  } catch (error) {
    throw new BenchInputError(`cannot reach the router at ${routerUrl}: ${(error as Error).message}`);
  }
  const topology = await getJson<{ edges: (BenchTarget['edges'][number] & { lat: number; lon: number })[]; network?: NetworkModel }>(`${routerUrl}/_cdn/topology`);
  const dns = cluster
    ? cluster.dns
    : options.dnsServer && { ...options.dnsServer, hostname: options.dnsHostname ?? 'cdn.cdnsim.test' };
  return {
    routerUrl: routerUrl!,
    edges: topology.edges.map(({ id, url, region, maxSize, maxObjects, policy, maxObjectBytes }) => ({
      id,
      url,
      region,
      maxSize,
      maxObjects,
      // Routers from before edges had policies evicted with LRU.
      policy: policy ?? 'lru',
      maxObjectBytes,
    })),
    adminToken,
    cluster,
    dns,
    edgePlaces: new Map(topology.edges.map((edge) => [edge.id, { lat: edge.lat, lon: edge.lon }])),
    network: topology.network,
    async close() {
      await cluster?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads each edge's /metrics (Prometheus text) for the counters the bench cross-checks against. */
export async function scrapeEdgeCounters(edges: BenchTarget['edges']): Promise<EdgeCounters> {
  const counters: EdgeCounters = { byStatus: new Map(), responseBytes: 0, originBytes: 0, unreachable: [], requestsByEdge: new Map(), byEdgeStatus: new Map() };
  await Promise.all(
    edges.map(async (edge) => {
      try {
        const response = await request(`${edge.url}/metrics`, { headersTimeout: 3_000, bodyTimeout: 3_000 });
        const text = await response.body.text();
        for (const line of text.split('\n')) {
          const match = /^(cdn_edge_requests_total|cdn_edge_response_bytes_total|cdn_edge_origin_fetch_bytes_total)\{([^}]*)\} ([\d.e+]+)$/.exec(line);
          if (!match) continue;
          const value = Number(match[3]);
          if (match[1] === 'cdn_edge_requests_total') {
            const status = /cache_status="([^"]+)"/.exec(match[2]!)?.[1] ?? 'unknown';
            counters.byStatus.set(status, (counters.byStatus.get(status) ?? 0) + value);
            counters.requestsByEdge.set(edge.id, (counters.requestsByEdge.get(edge.id) ?? 0) + value);
            let statuses = counters.byEdgeStatus.get(edge.id);
            if (!statuses) counters.byEdgeStatus.set(edge.id, (statuses = new Map()));
            statuses.set(status, (statuses.get(status) ?? 0) + value);
          } else if (match[1] === 'cdn_edge_response_bytes_total') counters.responseBytes += value;
          else counters.originBytes += value;
        }
      } catch {
        counters.unreachable.push(edge.id);
      }
    }),
  );
  return counters;
}
