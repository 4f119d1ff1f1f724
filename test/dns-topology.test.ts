import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTopology, TopologyError } from '../src/topology/load.ts';
import { planEdgeAddresses } from '../src/supervisor/edge-addresses.ts';
import { startTestCluster, testTopology, TEST_EDGES, type TestCluster } from './helpers/test-cluster.ts';

const base = {
  network: { baseMs: 2, kmPerMs: 100, timeScale: 1 },
  router: { port: 8080, defaultClientLocation: { lat: 40.7, lon: -74 } },
  origin: { lat: 39, lon: -77.5, port: 8090 },
  dns: { hostname: 'cdn.cdnsim.test' },
  edges: [
    { id: 'iad', city: 'Ashburn', region: 'na', lat: 39, lon: -77.5, host: '127.0.1.1', port: 8100, maxSize: 1_000_000 },
    { id: 'fra', city: 'Frankfurt', region: 'eu', lat: 50.1, lon: 8.7, host: '127.0.1.2', port: 8100, maxSize: 1_000_000 },
  ],
};

function pathOfError(mutate: (topology: typeof base & Record<string, unknown>) => void): string {
  const topology = structuredClone(base) as typeof base & Record<string, unknown>;
  mutate(topology);
  try {
    parseTopology(topology, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(TopologyError);
    return (error as TopologyError).jsonPath;
  }
  throw new Error('expected the topology to be rejected');
}

describe('topology: the dns section and edge addresses', () => {
  it('accepts edges sharing a port on addresses of their own, and fills the DNS defaults', () => {
    const topology = parseTopology(structuredClone(base));
    expect(topology.dns).toEqual({ hostname: 'cdn.cdnsim.test', ttl: 30, port: 8053 });
    expect(topology.edges.map((edge) => `${edge.host}:${edge.port}`)).toEqual(['127.0.1.1:8100', '127.0.1.2:8100']);
  });

  it.each([
    ['two edges on one address and port', (t: typeof base) => (t.edges[1]!.host = '127.0.1.1'), 'edges[1].port'],
    ['an edge on the router address and port', (t: typeof base) => ((t.edges[0]!.host = '127.0.0.1'), (t.edges[0]!.port = 8080)), 'edges[0].port'],
    ['DNS on the router port (its TCP side clashes)', (t: typeof base & { dns: { port?: number } }) => (t.dns.port = 8080), 'dns.port'],
    ['an edge address that is a name', (t: typeof base) => (t.edges[0]!.host = 'localhost'), 'edges[0].host'],
    ['a hostname with an empty label', (t: typeof base) => (t.dns.hostname = 'cdn..test'), 'dns.hostname'],
    ['a single-label hostname', (t: typeof base) => (t.dns.hostname = 'cdn'), 'dns.hostname'],
    ['a negative TTL', (t: typeof base & { dns: { ttl?: number } }) => (t.dns.ttl = -1), 'dns.ttl'],
    ['an unknown dns key', (t: typeof base & { dns: Record<string, unknown> }) => (t.dns.zone = 'x'), 'dns.zone'],
  ])('rejects %s at %s', (_label, mutate, jsonPath) => {
    expect(pathOfError(mutate as (t: typeof base) => void)).toBe(jsonPath);
  });
});

describe('edge addresses where the topology names one this machine does not have', () => {
  it('keeps 127.0.1.N (every 127.0.0.0/8 address is local on Linux)', async () => {
    const plan = await planEdgeAddresses([{ host: '127.0.1.1', port: 8100 }, { host: '127.0.1.2', port: 8100 }]);
    expect(plan).toEqual({ addresses: [{ host: '127.0.1.1', port: 8100 }, { host: '127.0.1.2', port: 8100 }], distinct: true });
  });

  it('falls back to 127.0.0.1 and a free port per edge, and says why (as on a system with only 127.0.0.1)', async () => {
    // 192.0.2.0/24 is reserved for documentation: never an address of this machine, so binding it
    // fails as binding 127.0.1.N does on macOS. Nothing is sent to it.
    const plan = await planEdgeAddresses([{ host: '192.0.2.1', port: 8100 }, { host: '192.0.2.2', port: 8100 }]);
    expect(plan.distinct).toBe(false);
    expect(plan.addresses).toEqual([{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0 }]);
    expect(plan.fallback).toMatch(/cannot listen on 192\.0\.2\.1 \(EADDRNOTAVAIL\)/);
  });

  describe('a topology started that way', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
      const topology = testTopology({ edges: TEST_EDGES.slice(0, 3) });
      cluster = await startTestCluster({ ...topology, edges: topology.edges.map((edge, index) => ({ ...edge, host: `192.0.2.${index + 1}` })) });
    }, 60_000);
    afterAll(async () => cluster?.dispose());

    it('runs every edge on 127.0.0.1 with ports of their own, and the proxy router and health checks work', async () => {
      expect(cluster.edgesOnDistinctAddresses).toBe(false);
      expect(cluster.logs.some((line) => line.includes('cannot listen on 192.0.2.1'))).toBe(true);
      expect(new Set(cluster.topology.edges.map((edge) => edge.host))).toEqual(new Set(['127.0.0.1']));
      expect(new Set(cluster.topology.edges.map((edge) => edge.port)).size).toBe(3);
      const response = await request(`${cluster.routerUrl}/gen/fallback?bytes=3`, { headers: { 'x-client-geo': 'JP' } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-served-by']).toBe('nrt');
      await response.body.dump();
      const topology = (await (await request(`${cluster.routerUrl}/_cdn/topology`)).body.json()) as { edges: { healthy: boolean }[] };
      expect(topology.edges.every((edge) => edge.healthy)).toBe(true);
    });
  });
});
