import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedOrigin } from './helpers/scripted-origin.ts';
import { startTestCluster, testTopology, TEST_EDGES, type TestCluster } from './helpers/test-cluster.ts';

// Each shipped example in examples/functions/, attached to a one-edge topology in front of a
// scripted origin (so the test sees exactly what reached the origin), exercised through the router.

const EXAMPLES = path.resolve('examples/functions');
const [IAD] = TEST_EDGES;

interface ExampleFunction {
  id: string;
  runtime: 'cloudfront-js' | 'lambda-node';
  triggers: string[];
}

type ScriptedOrigin = Awaited<ReturnType<typeof startScriptedOrigin>>;

/** One edge (iad) with these example functions, its origin the scripted one. */
async function clusterWith(origin: ScriptedOrigin, functions: ExampleFunction[], edge: Record<string, unknown> = {}): Promise<TestCluster> {
  const topology = testTopology({ edges: [IAD!] });
  return startTestCluster({
    ...topology,
    origin: { id: 'origin', region: 'us-east-1', lat: 39.0438, lon: -77.4874, url: origin.url },
    edges: topology.edges.map((config) => ({ ...config, ...edge })),
    functions: functions.map((fn) => ({ ...fn, file: path.join(EXAMPLES, `${fn.id}.js`) })),
  });
}

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const body = await response.body.text();
  const header = (name: string) => {
    const value = response.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return { status: response.statusCode, header, body, xCache: header('x-cache') };
}

function serve(body: string, headers: Record<string, string> = { 'cache-control': 'max-age=60' }) {
  return (_req: unknown, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain', ...headers }).end(body);
  };
}

/** Starts a scripted origin and a cluster for one describe block, and stops both after it. */
function exampleCluster(functions: ExampleFunction[], script: (origin: ScriptedOrigin) => void, edge?: Record<string, unknown>) {
  const state = {} as { origin: ScriptedOrigin; cluster: TestCluster };
  beforeAll(async () => {
    state.origin = await startScriptedOrigin();
    script(state.origin);
    state.cluster = await clusterWith(state.origin, functions, edge);
  }, 60_000);
  afterAll(async () => {
    await state.cluster?.dispose();
    await state.origin?.close();
  });
  return state;
}

describe('examples/functions, each through the router', { timeout: 60_000 }, () => {
  describe('index-html.js (cloudfront-js, viewer-request)', () => {
    const t = exampleCluster([{ id: 'index-html', runtime: 'cloudfront-js', triggers: ['viewer-request'] }], (origin) => {
      origin.on('/docs/index.html', serve('the docs index'));
      origin.on('/app.css', serve('body {}'));
    });

    it('serves /docs/ and /docs as /docs/index.html, one cache entry for all three', async () => {
      const url = t.cluster.routerUrl;
      const slash = await get(`${url}/docs/`);
      expect([slash.status, slash.body, slash.xCache]).toEqual([200, 'the docs index', 'MISS']);
      const bare = await get(`${url}/docs`);
      expect([bare.status, bare.body, bare.xCache]).toEqual([200, 'the docs index', 'HIT']);
      const full = await get(`${url}/docs/index.html`);
      expect([full.status, full.xCache]).toEqual([200, 'HIT']);
      expect(t.origin.seen.map((seen) => seen.url)).toEqual(['/docs/index.html']);
    });

    it('leaves a file name alone', async () => {
      const css = await get(`${t.cluster.routerUrl}/app.css`);
      expect([css.status, css.body]).toEqual([200, 'body {}']);
      expect(t.origin.count('/app.css')).toBe(1);
      expect(t.origin.count('/app.css/index.html')).toBe(0);
    });
  });

  describe('country-redirect.js (cloudfront-js, viewer-request, CloudFront-Viewer-Country from the router)', () => {
    const t = exampleCluster([{ id: 'country-redirect', runtime: 'cloudfront-js', triggers: ['viewer-request'] }], (origin) => {
      origin.on('/shop', serve('the shop'));
      origin.on('/de/shop', serve('der Laden'));
    });

    it('redirects a client in Germany to /de/ at the edge, without the origin', async () => {
      const response = await get(`${t.cluster.routerUrl}/shop?item=7`, { 'x-client-geo': 'DE' });
      expect(response.status).toBe(302);
      expect(response.header('location')).toBe('/de/shop');
      expect(response.xCache).toBe('FunctionGeneratedResponse');
      expect(t.origin.count('/shop')).toBe(0);
    });

    it('serves a client in the US, and one already under /de/, from the cache and origin', async () => {
      const us = await get(`${t.cluster.routerUrl}/shop`, { 'x-client-geo': 'US' });
      expect([us.status, us.body]).toEqual([200, 'the shop']);
      const de = await get(`${t.cluster.routerUrl}/de/shop`, { 'x-client-geo': 'DE' });
      expect([de.status, de.body]).toEqual([200, 'der Laden']);
      expect(t.origin.count('/shop')).toBe(1);
    });
  });

  describe('ab-test.js (cloudfront-js, viewer-request and viewer-response)', () => {
    const t = exampleCluster([{ id: 'ab-test', runtime: 'cloudfront-js', triggers: ['viewer-request', 'viewer-response'] }], (origin) => {
      origin.on('/a/home', serve('home, variant A'));
      origin.on('/b/home', serve('home, variant B'));
    });

    it('keeps a viewer in its cookie variant, each variant its own cache entry', async () => {
      const url = `${t.cluster.routerUrl}/home`;
      const a1 = await get(url, { cookie: 'variant=a' });
      const a2 = await get(url, { cookie: 'variant=a' });
      const b1 = await get(url, { cookie: 'variant=b' });
      const b2 = await get(url, { cookie: 'theme=dark; variant=b' });
      expect([a1.body, a1.xCache, a2.body, a2.xCache]).toEqual(['home, variant A', 'MISS', 'home, variant A', 'HIT']);
      expect([b1.body, b1.xCache, b2.body, b2.xCache]).toEqual(['home, variant B', 'MISS', 'home, variant B', 'HIT']);
      expect([t.origin.count('/a/home'), t.origin.count('/b/home'), t.origin.count('/home')]).toEqual([1, 1, 0]);
      // A viewer that already has its variant is not told it again.
      expect(a2.header('set-cookie')).toBeUndefined();
    });

    it('assigns a new viewer a variant and sets the cookie for the one it was served', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 40 && seen.size < 2; i++) {
        const response = await get(`${t.cluster.routerUrl}/home`);
        expect(response.status).toBe(200);
        const variant = /(?:^|[;,]\s*)variant=([ab])(?:;|$)/.exec(response.header('set-cookie') ?? '')?.[1];
        expect(variant, response.header('set-cookie')).toBeDefined();
        expect(response.body).toBe(`home, variant ${variant!.toUpperCase()}`);
        expect(response.header('set-cookie')).toMatch(/Path=\//);
        seen.add(variant!);
      }
      // A fair coin gives both variants in 40 tries but for a 2^-39 chance.
      expect([...seen].sort()).toEqual(['a', 'b']);
    });
  });

  describe('security-headers.js (cloudfront-js, viewer-response)', () => {
    const t = exampleCluster([{ id: 'security-headers', runtime: 'cloudfront-js', triggers: ['viewer-response'] }], (origin) => {
      origin.on('/page', serve('a page'));
      origin.on('/embeddable', serve('a widget', { 'cache-control': 'max-age=60', 'x-frame-options': 'SAMEORIGIN' }));
    });

    it('adds HSTS, nosniff, frame, referrer and CSP headers to a miss and to a hit', async () => {
      for (const expected of ['MISS', 'HIT']) {
        const response = await get(`${t.cluster.routerUrl}/page`);
        expect([response.status, response.body, response.xCache]).toEqual([200, 'a page', expected]);
        expect(response.header('strict-transport-security')).toMatch(/^max-age=\d+/);
        expect(response.header('x-content-type-options')).toBe('nosniff');
        expect(response.header('x-frame-options')).toBe('DENY');
        expect(response.header('referrer-policy')).toBe('strict-origin-when-cross-origin');
        expect(response.header('content-security-policy')).toContain("default-src 'self'");
      }
      expect(t.origin.count('/page')).toBe(1);
    });

    it("keeps the origin's own value of a header it sets", async () => {
      const response = await get(`${t.cluster.routerUrl}/embeddable`);
      expect(response.header('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.header('x-content-type-options')).toBe('nosniff');
    });
  });

  describe('auth-check.js (cloudfront-js, viewer-request)', () => {
    const t = exampleCluster([{ id: 'auth-check', runtime: 'cloudfront-js', triggers: ['viewer-request'] }], (origin) => {
      origin.on('/private/report', serve('the report', { 'cache-control': 'private, max-age=0' }));
    });

    it('answers 401 without a bearer token and 403 with a wrong one, at the edge', async () => {
      const url = `${t.cluster.routerUrl}/private/report`;
      const none = await get(url);
      expect(none.status).toBe(401);
      expect(none.header('www-authenticate')).toBe('Bearer realm="cdnsim"');
      expect(none.xCache).toBe('FunctionGeneratedResponse');
      const basic = await get(url, { authorization: 'Basic dXNlcjpwYXNz' });
      expect(basic.status).toBe(401);
      const wrong = await get(url, { authorization: 'Bearer not-the-token' });
      expect(wrong.status).toBe(403);
      expect(wrong.xCache).toBe('FunctionGeneratedResponse');
      expect(t.origin.seen).toHaveLength(0);
    });

    it('lets the right token through to the origin', async () => {
      const response = await get(`${t.cluster.routerUrl}/private/report`, { authorization: 'Bearer example-token' });
      expect([response.status, response.body]).toEqual([200, 'the report']);
      expect(t.origin.count('/private/report')).toBe(1);
    });
  });

  describe('origin-path-by-header.js (lambda-node, origin-request)', () => {
    const versioned = (body: string) => serve(body, { 'cache-control': 'max-age=60', vary: 'X-App-Version' });
    const t = exampleCluster(
      [{ id: 'origin-path-by-header', runtime: 'lambda-node', triggers: ['origin-request'] }],
      (origin) => {
        origin.on('/v1/api/items', versioned('items v1'));
        origin.on('/v2/api/items', versioned('items v2'));
      },
      // As a CloudFront origin request policy would, the edge forwards the header the function reads.
      { originRequestHeaders: ['x-app-version'] },
    );

    it('fetches /v2/ for X-App-Version: 2 and /v1/ otherwise, each version cached apart', async () => {
      const url = `${t.cluster.routerUrl}/api/items`;
      const v2 = await get(url, { 'x-app-version': '2' });
      expect([v2.status, v2.body, v2.xCache]).toEqual([200, 'items v2', 'MISS']);
      const v1 = await get(url);
      expect([v1.status, v1.body, v1.xCache]).toEqual([200, 'items v1', 'MISS']);
      const again = await get(url, { 'x-app-version': '2' });
      expect([again.body, again.xCache]).toEqual(['items v2', 'HIT']);
      expect(t.origin.seen.map((seen) => seen.url)).toEqual(['/v2/api/items', '/v1/api/items']);
    });
  });

  describe('default-cache-control.js (lambda-node, origin-response)', () => {
    const t = exampleCluster([{ id: 'default-cache-control', runtime: 'lambda-node', triggers: ['origin-response'] }], (origin) => {
      // No Cache-Control and no Last-Modified: without the function the edge could not store it.
      origin.on('/bare', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('bare'));
      origin.on('/nostore', serve('fresh every time', { 'cache-control': 'no-store' }));
    });

    it('gives a response without Cache-Control an hour, so the next request is a hit', async () => {
      const first = await get(`${t.cluster.routerUrl}/bare`);
      expect([first.status, first.body, first.xCache]).toEqual([200, 'bare', 'MISS']);
      expect(first.header('cache-control')).toBe('public, max-age=3600');
      const second = await get(`${t.cluster.routerUrl}/bare`);
      expect(second.xCache).toBe('HIT');
      expect(t.origin.count('/bare')).toBe(1);
    });

    it("leaves the origin's own Cache-Control alone", async () => {
      await get(`${t.cluster.routerUrl}/nostore`);
      const second = await get(`${t.cluster.routerUrl}/nostore`);
      expect(second.header('cache-control')).toBe('no-store');
      expect(second.xCache).toBe('MISS');
      expect(t.origin.count('/nostore')).toBe(2);
    });
  });
});

describe('examples/functions/topology.json', () => {
  it('validates, functions and all', () => {
    const result = spawnSync(process.execPath, ['bin/cdnsim.js', 'validate', path.join(EXAMPLES, 'topology.json')], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr + result.stdout).toBe(0);
  }, 60_000);
});
