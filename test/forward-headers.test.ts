import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTopology } from '../src/topology/load.ts';
import { startProcess } from './helpers/processes.ts';
import { startTestCluster, testTopology, TEST_EDGES } from './helpers/test-cluster.ts';
import { startScriptedOrigin } from './helpers/scripted-origin.ts';

type Origin = Awaited<ReturnType<typeof startScriptedOrigin>>;
type Edge = Awaited<ReturnType<typeof startProcess>>;

let origin: Origin;
let edge: Edge;
/** An edge configured to forward two more headers, as an origin request policy would. */
let configured: Edge;

async function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const response = await request(url, { method: method as 'GET', headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** An origin page that echoes every request header it got, the way a careless template would. */
function reflectHeaders(path: string, responseHeaders: Record<string, string> = { 'cache-control': 'public, max-age=60' }) {
  origin.on(path, (req, res) => res.writeHead(200, { 'content-type': 'application/json', ...responseHeaders }).end(JSON.stringify(req.headers)));
}

beforeAll(async () => {
  origin = await startScriptedOrigin();
  edge = await startProcess('edge', 'fwd', ['--origin', origin.url, '--max-size', String(4 * 1024 * 1024)]);
  configured = await startProcess('edge', 'fwd2', [
    '--origin', origin.url,
    '--origin-request-header', 'X-Tenant',
    '--origin-request-header', 'req-num',
    '--origin-request-header', 'If-None-Match',
  ]);
});
afterAll(async () => {
  await configured?.stop();
  await edge?.stop();
  await origin?.close();
});

describe('edge: what a shared fetch forwards to the origin', () => {
  // Each reached the origin before and a clean client then got the reflected value as a HIT.
  const unkeyed = [
    'X_Forwarded_Host',
    'X-Forwarded-Ssl',
    'Front-End-Https',
    'X-Url-Scheme',
    'X-Forwarded-Uri',
    'X-Forwarded-Path',
    'X-Original-Uri',
    'X-Forwarded-Host',
    'X_Forwarded_Proto',
    'User-Agent',
    'X-Anything-Else',
  ];
  it.each(unkeyed)('a %s sent by one client never reaches the origin nor the next client', async (name) => {
    const path = `/reflect/${name.toLowerCase()}`;
    reflectHeaders(path);
    const poisoned = await get(`${edge.url}${path}`, { [name]: 'evil.example' });
    expect(poisoned.status).toBe(200);
    expect(poisoned.text).not.toContain('evil.example');
    const clean = await get(`${edge.url}${path}`);
    expect(clean.headers['x-cache']).toBe('HIT');
    expect(clean.text).not.toContain('evil.example');
    const reached = origin.seen.filter((seen) => seen.url === path);
    expect(reached).toHaveLength(1);
    expect(JSON.stringify(reached[0]!.headers)).not.toContain('evil.example');
  });

  it('forwards content negotiation, credentials, Origin and the proxy chain, and keys the variants by Vary', async () => {
    reflectHeaders('/negotiated', { 'cache-control': 'public, max-age=60', vary: 'Accept-Language, Origin' });
    const headers = {
      accept: 'text/html',
      'accept-encoding': 'gzip',
      'accept-language': 'fr',
      origin: 'https://app.example',
      cookie: 'session=1',
      'x-forwarded-for': '203.0.113.9',
    };
    const fr = JSON.parse((await get(`${edge.url}/negotiated`, headers)).text) as Record<string, string>;
    expect(fr).toMatchObject({ ...headers, 'x-forwarded-for': '203.0.113.9, 127.0.0.1', via: '1.1 cdnsim-fwd' });
    const de = JSON.parse((await get(`${edge.url}/negotiated`, { ...headers, 'accept-language': 'de' })).text) as Record<string, string>;
    expect(de['accept-language']).toBe('de');
    expect((await get(`${edge.url}/negotiated`, headers)).headers['x-cache']).toBe('HIT');
    expect(origin.count('/negotiated')).toBe(2);
  });

  it('drops a header spelled with _ even when its - spelling is forwarded', async () => {
    reflectHeaders('/underscore');
    const seen = JSON.parse((await get(`${edge.url}/underscore`, { accept_language: 'xx', 'accept-language': 'en' })).text) as Record<string, string>;
    expect(seen['accept-language']).toBe('en');
    expect(seen).not.toHaveProperty('accept_language');
  });

  it('forwards a header the stored entry varies on when it revalidates that entry', async () => {
    reflectHeaders('/custom-vary', { 'cache-control': 'no-cache', etag: '"v1"', vary: 'X-Abc' });
    await get(`${edge.url}/custom-vary`, { 'x-abc': '123' });
    const again = await get(`${edge.url}/custom-vary`, { 'x-abc': '123', 'x-forwarded-host': 'evil.example' });
    const revalidation = origin.seen.filter((seen) => seen.url === '/custom-vary')[1]!;
    expect(revalidation.headers['if-none-match']).toBe('"v1"');
    expect(revalidation.headers['x-abc']).toBe('123');
    expect(revalidation.headers['x-forwarded-host']).toBeUndefined();
    expect(again.status).toBe(200);
  });

  it('sends the variant\'s own headers on a background (stale-while-revalidate) refresh', async () => {
    let version = 0;
    origin.on('/swr-vary', (req, res) => {
      res.writeHead(200, { 'cache-control': 'public, max-age=1, stale-while-revalidate=60', vary: 'Accept-Language' });
      res.end(`${req.headers['accept-language'] ?? 'no language'} ${++version}`);
    });
    expect((await get(`${edge.url}/swr-vary`, { 'accept-language': 'fr' })).text).toBe('fr 1');
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const stale = await get(`${edge.url}/swr-vary`, { 'accept-language': 'fr' });
    expect(stale.headers['x-cache']).toBe('STALE');
    for (let tries = 0; origin.count('/swr-vary') < 2 && tries < 50; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refreshed = await get(`${edge.url}/swr-vary`, { 'accept-language': 'fr' });
    expect(refreshed.text).toBe('fr 2');
    const background = origin.seen.filter((seen) => seen.url === '/swr-vary')[1]!;
    expect(background.headers).toMatchObject({ 'accept-language': 'fr', via: '1.1 cdnsim-fwd' });
  });

  it('never forwards the client\'s own validators or range on a shared fetch', async () => {
    reflectHeaders('/validators');
    await get(`${edge.url}/validators`, { 'if-none-match': '"client"', range: 'bytes=0-1', 'cache-control': 'no-cache' });
    const seen = origin.seen.filter((request) => request.url === '/validators')[0]!;
    expect(seen.headers['if-none-match']).toBeUndefined();
    expect(seen.headers.range).toBeUndefined();
    expect(seen.headers['cache-control']).toBeUndefined();
  });

  it('passes every end-to-end header but Host through on a request that is not cached (POST)', async () => {
    reflectHeaders('/form', { 'cache-control': 'no-store' });
    const seen = JSON.parse((await get(`${edge.url}/form`, { 'x-forwarded-host': 'app.example', x_custom: '1', 'user-agent': 'curl/8' }, 'POST')).text) as Record<string, string>;
    expect(seen).toMatchObject({ 'x-forwarded-host': 'app.example', x_custom: '1', 'user-agent': 'curl/8', via: '1.1 cdnsim-fwd' });
    expect(seen.host).not.toMatch(new RegExp(`:${new URL(edge.url).port}$`));
  });

  it('forwards the headers an edge is configured with (--origin-request-header), and still no others', async () => {
    reflectHeaders('/configured');
    const seen = JSON.parse(
      (await get(`${configured.url}/configured`, { 'x-tenant': 'acme', 'Req-Num': '2', 'if-none-match': '"client"', 'x-forwarded-host': 'evil.example' })).text,
    ) as Record<string, string>;
    expect(seen).toMatchObject({ 'x-tenant': 'acme', 'req-num': '2' });
    // The client's own validators never join a shared fetch, whatever the configuration says.
    expect(seen).not.toHaveProperty('if-none-match');
    expect(seen).not.toHaveProperty('x-forwarded-host');
    const unconfigured = JSON.parse((await get(`${edge.url}/configured`, { 'x-tenant': 'acme' })).text) as Record<string, string>;
    expect(unconfigured).not.toHaveProperty('x-tenant');
  });
});

describe('topology: an edge\'s originRequestHeaders', () => {
  const topology = (originRequestHeaders: unknown) => ({
    network: { baseMs: 0, kmPerMs: 100, timeScale: 0 },
    router: { port: 0, defaultClientLocation: { lat: 0, lon: 0 } },
    origin: { lat: 0, lon: 0, port: 0 },
    edges: [{ id: 'e', city: 'c', region: 'r', lat: 0, lon: 0, port: 0, maxSize: 1000, originRequestHeaders }],
  });

  it('takes a list of header names, and refuses anything else naming the JSON path', () => {
    expect(parseTopology(topology(['X-Tenant', 'req-num'])).edges[0]!.originRequestHeaders).toEqual(['X-Tenant', 'req-num']);
    expect(() => parseTopology(topology(['X Tenant']))).toThrow(/edges\[0\]\.originRequestHeaders\[0\]: must be an HTTP header name/);
    expect(() => parseTopology(topology('X-Tenant'))).toThrow(/edges\[0\]\.originRequestHeaders: /);
  });
});

describe('cdnsim up: an edge\'s originRequestHeaders reach the process the supervisor starts', () => {
  it('forwards X-Tenant through router and edge to an external origin, on that edge only by configuration', async () => {
    reflectHeaders('/tenant');
    const base = testTopology({ edges: TEST_EDGES.slice(0, 1) });
    const cluster = await startTestCluster({
      ...base,
      origin: { id: 'origin', lat: 39.04, lon: -77.49, url: origin.url },
      edges: base.edges.map((edge) => ({ ...edge, originRequestHeaders: ['X-Tenant'] })),
    });
    try {
      const seen = JSON.parse((await get(`${cluster.routerUrl}/tenant`, { 'x-tenant': 'acme', 'x-forwarded-host': 'evil.example' })).text) as Record<string, string>;
      expect(seen['x-tenant']).toBe('acme');
      expect(seen).not.toHaveProperty('x-forwarded-host');
    } finally {
      await cluster.dispose();
    }
  }, 60_000);
});
