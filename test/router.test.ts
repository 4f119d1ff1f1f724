import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, testTopology, TEST_ADMIN_TOKEN, TEST_EDGES, type TestCluster } from './helpers/test-cluster.ts';

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

async function metricsText(url: string) {
  return (await get(`${url}/metrics`)).text;
}

const EUROPE = TEST_EDGES.slice(0, 3); // iad, fra, nrt

describe('router: who is trusted', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    const topology = testTopology({ edges: EUROPE });
    topology.router = { ...topology.router, trustedProxies: ['10.0.0.0/8'] } as typeof topology.router;
    cluster = await startTestCluster(topology);
  });
  afterAll(async () => cluster?.dispose());

  it('ignores X-Forwarded-For, X-Client-Geo and the geo cookie from an untrusted peer', async () => {
    const attempts: Record<string, string>[] = [{ 'x-forwarded-for': '133.242.0.3' }, { 'x-client-geo': 'JP' }, { cookie: 'cdnsim_geo=JP' }];
    for (const headers of attempts) {
      const response = await get(`${cluster.routerUrl}/gen/untrusted?bytes=10`, headers);
      expect(response.status).toBe(200);
      // Loopback has no location: the default (New York) is nearest to iad.
      expect(response.headers['x-served-by']).toBe('iad');
    }
    const where = JSON.parse((await get(`${cluster.routerUrl}/_cdn/whereami`, { 'x-client-geo': 'JP' })).text);
    expect(where.client).toMatchObject({ source: 'default', country: 'unknown' });
    expect(where.edge.id).toBe('iad');
  });
});

describe('router: location, admin endpoints and failover', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster(testTopology({ edges: EUROPE, healthIntervalMs: 300 }));
  });
  afterAll(async () => cluster?.dispose());

  it('routes by X-Client-Geo (country or lat,lon) and by the dashboard cookie', async () => {
    expect((await get(`${cluster.routerUrl}/gen/g?bytes=1`, { 'x-client-geo': 'JP' })).headers['x-served-by']).toBe('nrt');
    expect((await get(`${cluster.routerUrl}/gen/g?bytes=1`, { 'x-client-geo': '48.85,2.35' })).headers['x-served-by']).toBe('fra');
    expect((await get(`${cluster.routerUrl}/gen/g?bytes=1`, { cookie: 'theme=x; cdnsim_geo=KR' })).headers['x-served-by']).toBe('nrt');
  });

  it('falls back on malformed location headers, counted as client_country="unknown", never an error', async () => {
    const malformed: Record<string, string>[] = [{ 'x-forwarded-for': 'garbage, 999.1.1.1' }, { 'x-client-geo': 'ZZ' }, { 'x-client-geo': '95,10' }, { 'x-forwarded-for': '10.0.0.1' }];
    for (const headers of malformed) {
      const response = await get(`${cluster.routerUrl}/gen/fallback?bytes=1`, headers);
      expect(response.status).toBe(200);
      expect(response.headers['x-served-by']).toBe('iad');
    }
    expect(await metricsText(cluster.routerUrl)).toMatch(/cdn_router_requests_total\{edge="iad",client_country="unknown"\} [4-9]/);
  });

  it('explains its choice at /_cdn/whereami and lists edges with health and distance at /_cdn/topology', async () => {
    const where = JSON.parse((await get(`${cluster.routerUrl}/_cdn/whereami`, { 'x-forwarded-for': '193.99.144.80' })).text);
    expect(where.client).toMatchObject({ country: 'DE', source: 'x-forwarded-for' });
    expect(where.edge.id).toBe('fra');
    expect(where.why).toContain('nearest healthy edge');
    const topology = JSON.parse((await get(`${cluster.routerUrl}/_cdn/topology`, { 'x-forwarded-for': '193.99.144.80' })).text);
    expect(topology.edges.map((edge: { id: string }) => edge.id)).toEqual(['iad', 'fra', 'nrt']);
    const fra = topology.edges.find((edge: { id: string }) => edge.id === 'fra');
    expect(fra.healthy).toBe(true);
    expect(fra.distanceKm).toBeLessThan(300);
  });

  it('fans a purge out to every edge and reports each, with the admin token only', async () => {
    await get(`${cluster.routerUrl}/gen/purge-me?bytes=5`, { 'x-client-geo': 'DE' });
    await get(`${cluster.routerUrl}/gen/purge-me?bytes=5`, { 'x-client-geo': 'JP' });
    const purge = (token: string) =>
      request(`${cluster.routerUrl}/_cdn/purge`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ paths: ['/gen/purge-me?bytes=5'] }),
      }).then(async (response) => ({ status: response.statusCode, text: await response.body.text() }));
    expect((await purge('nope')).status).toBe(401);
    const result = await purge(TEST_ADMIN_TOKEN);
    expect(result.status).toBe(200);
    const body = JSON.parse(result.text);
    expect(body.reached).toBe(3);
    expect(body.total).toBe(2);
    expect(body.edges.map((edge: { edge: string; purged: { paths: number } }) => [edge.edge, edge.purged.paths])).toEqual([
      ['iad', 0],
      ['fra', 1],
      ['nrt', 1],
    ]);
    expect((await get(`${cluster.routerUrl}/gen/purge-me?bytes=5`, { 'x-client-geo': 'DE' })).headers['x-cache']).toBe('MISS');
  });

  it('loses no GET when the nearest edge is SIGKILLed under 20 concurrent clients, and takes it back after restart', async () => {
    const dispatcher = new Agent({ connections: 20 });
    const url = `${cluster.routerUrl}/gen/failover?bytes=2048`;
    const headers = { 'x-client-geo': 'DE' };
    let stop = false;
    const failures: string[] = [];
    const servedBy: string[] = [];
    const client = async () => {
      while (!stop) {
        try {
          const response = await request(url, { headers, dispatcher, headersTimeout: 5_000, bodyTimeout: 5_000 });
          const body = await response.body.arrayBuffer();
          if (response.statusCode !== 200 || body.byteLength !== 2048) failures.push(`status ${response.statusCode}, ${body.byteLength} bytes`);
          else servedBy.push(String(response.headers['x-served-by']));
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    const clients = Array.from({ length: 20 }, client);
    await sleep(500);
    const fra = cluster.child('fra')!;
    const before = servedBy.length;
    process.kill(fra.pid!, 'SIGKILL');
    // Within two health intervals (300 ms each) all traffic is on the next-nearest edge.
    await sleep(600);
    const movedFrom = servedBy.length;
    await sleep(400);
    const moved = servedBy.slice(movedFrom);
    const deadline = Date.now() + 10_000;
    while (!cluster.logs.some((line) => line.includes('edge fra restarted')) && Date.now() < deadline) await sleep(100);
    await sleep(1_500);
    const backFrom = servedBy.length;
    await sleep(500);
    stop = true;
    await Promise.all(clients);
    await dispatcher.close();
    expect(failures).toEqual([]);
    expect(before).toBeGreaterThan(0);
    expect(servedBy.slice(0, before).every((edge) => edge === 'fra')).toBe(true);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((edge) => edge === 'iad')).toBe(true);
    expect(servedBy.slice(backFrom).length).toBeGreaterThan(0);
    expect(servedBy.slice(backFrom).every((edge) => edge === 'fra')).toBe(true);
    expect(await metricsText(cluster.routerUrl)).toMatch(/cdn_router_failovers_total\{from="fra",to="iad"\} [1-9]/);
  });
});

describe('router with no healthy edge', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster(testTopology({ edges: TEST_EDGES.slice(0, 2) }));
  });
  afterEach(async () => cluster?.dispose());

  it('answers 503 with a clear body within a second', async () => {
    for (const id of ['iad', 'fra']) await cluster.child(id)!.stop();
    const started = performance.now();
    const response = await get(`${cluster.routerUrl}/gen/none?bytes=1`);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(response.status).toBe(503);
    const next = await get(`${cluster.routerUrl}/gen/none?bytes=1`);
    expect(next.status).toBe(503);
    expect(next.text).toMatch(/no edge is healthy/);
    expect((await get(`${cluster.routerUrl}/_cdn/health`)).status).toBe(503);
  });
});

describe('router in front of an edge that answers garbage', () => {
  it('answers 502 with a clear body, and keeps serving', async () => {
    const { createServer } = await import('node:net');
    const { startRouter } = await import('../src/router/server.ts');
    const { parseTopology } = await import('../src/topology/load.ts');
    // Healthy to the health checker, garbage to everything else.
    const garbage = createServer((socket) =>
      socket.once('data', (data) =>
        socket.end(
          data.toString().startsWith('GET /_cdn/health ')
            ? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'
            : 'THIS IS NOT HTTP\r\n\r\n',
        ),
      ),
    );
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    const port = (garbage.address() as { port: number }).port;
    const topology = parseTopology(testTopology({ edges: TEST_EDGES.slice(0, 1) }));
    topology.edges[0]!.port = port;
    const router = await startRouter({ topology, port: 0, log: () => undefined });
    try {
      const first = await get(`${router.url}/x`);
      expect(first.status).toBe(502);
      expect(first.text).toMatch(/^Bad Gateway: edge iad failed to answer/);
      expect((await get(`${router.url}/_cdn/topology`)).status).toBe(200);
    } finally {
      await router.close();
      garbage.close();
    }
  });
});
