import geoip from 'geoip-lite';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, TEST_EDGES, type TestCluster } from './helpers/test-cluster.ts';

/** Haversine, written out here so the test does not trust the router's own geo code. */
function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const h =
    Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

function expectedEdge(ip: string): string {
  const [lat, lon] = geoip.lookup(ip)!.ll as [number, number];
  return [...TEST_EDGES].sort((a, b) => distanceKm({ lat, lon }, a) - distanceKm({ lat, lon }, b))[0]!.id;
}

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body };
}

describe('a whole cluster: router -> edge -> origin, as real processes', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('starts one process per component, each answering its health check', async () => {
    expect(cluster.members.map((member) => member.id)).toEqual(['origin', ...TEST_EDGES.map((e) => e.id), 'router']);
    for (const member of cluster.members) {
      const response = await get(`${member.url}/_cdn/health`);
      expect(response.status, member.id).toBe(200);
      expect(JSON.parse(response.body.toString()).role).toBe(member.role);
    }
  });

  // Real public addresses in six countries on six continents.
  const clients = [
    { ip: '8.8.8.8', country: 'US', edge: 'iad' },
    { ip: '193.99.144.80', country: 'DE', edge: 'fra' },
    { ip: '133.242.0.3', country: 'JP', edge: 'nrt' },
    { ip: '200.160.2.3', country: 'BR', edge: 'gru' },
    { ip: '139.130.4.5', country: 'AU', edge: 'syd' },
    { ip: '196.25.1.1', country: 'ZA', edge: 'jnb' },
  ];

  it.each(clients)('serves a client at $ip ($country) from its nearest edge, MISS then HIT', async ({ ip, edge }) => {
    expect(expectedEdge(ip)).toBe(edge);
    const url = `${cluster.routerUrl}/gen/${ip}?bytes=1024`;
    const first = await get(url, { 'x-forwarded-for': ip });
    expect(first.status).toBe(200);
    expect(first.headers['x-served-by']).toBe(edge);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.body.length).toBe(1024);
    const second = await get(url, { 'x-forwarded-for': ip });
    expect(second.headers['x-served-by']).toBe(edge);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body.equals(first.body)).toBe(true);
    expect(String(second.headers['cache-status'])).toMatch(new RegExp(`^cdnsim-${edge}; hit; ttl=\\d+`));
    expect(String(second.headers['server-timing'])).toContain('router;dur=');
  });

  it('caches per edge: a second continent misses where the first already hit', async () => {
    const url = `${cluster.routerUrl}/gen/per-edge?bytes=64`;
    expect((await get(url, { 'x-forwarded-for': '8.8.8.8' })).headers['x-cache']).toBe('MISS');
    expect((await get(url, { 'x-forwarded-for': '8.8.8.8' })).headers['x-cache']).toBe('HIT');
    const japan = await get(url, { 'x-forwarded-for': '133.242.0.3' });
    expect(japan.headers['x-served-by']).toBe('nrt');
    expect(japan.headers['x-cache']).toBe('MISS');
  });

  it('sends a client with no known location (loopback) to the default location, New York -> iad', async () => {
    const response = await get(`${cluster.routerUrl}/gen/local?bytes=10`);
    expect(response.headers['x-served-by']).toBe('iad');
  });

  it('serves an object PUT into the origin through the router, then from cache', async () => {
    const put = await request(`${cluster.originUrl}/docs/hello.txt`, {
      method: 'PUT',
      headers: { authorization: 'Bearer test-admin-token', 'content-type': 'text/plain', 'cache-control': 'max-age=60' },
      body: 'hello, cdn',
    });
    await put.body.dump();
    expect(put.statusCode).toBe(201);
    const first = await get(`${cluster.routerUrl}/docs/hello.txt`, { 'x-forwarded-for': '193.99.144.80' });
    expect(first.body.toString()).toBe('hello, cdn');
    expect(first.headers['content-type']).toBe('text/plain');
    expect(first.headers['x-cache']).toBe('MISS');
    const second = await get(`${cluster.routerUrl}/docs/hello.txt`, { 'x-forwarded-for': '193.99.144.80' });
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers['etag']).toBe(first.headers['etag']);
  });

  it('counts what it served in each edge\'s Prometheus metrics', async () => {
    const edge = cluster.members.find((member) => member.id === 'gru')!;
    const text = (await get(`${edge.url}/metrics`)).body.toString();
    expect(text).toMatch(/cdn_edge_requests_total\{edge="gru",region="sa-east",cache_status="hit"\} [1-9]/);
    expect(text).toMatch(/cdn_edge_requests_total\{edge="gru",region="sa-east",cache_status="miss"\} [1-9]/);
  });
});
