import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess, PROCESS_ADMIN_TOKEN } from './helpers/processes.ts';
import { startScriptedOrigin } from './helpers/scripted-origin.ts';

type Origin = Awaited<ReturnType<typeof startScriptedOrigin>>;
type Edge = Awaited<ReturnType<typeof startProcess>>;

async function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const response = await request(url, { method: method as 'GET', headers, headersTimeout: 15_000, bodyTimeout: 15_000 });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body, text: body.toString() };
}

/** Writes bytes exactly as given and reads until the server closes. */
function rawExchange(url: string, text: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => (data += chunk));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy());
    socket.write(text);
  });
}

function metric(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}

let origin: Origin;
let edge: Edge;
let version = 0;

beforeAll(async () => {
  origin = await startScriptedOrigin();
  edge = await startProcess('edge', 'e1', [
    '--origin', origin.url,
    '--max-size', String(8 * 1024 * 1024),
    '--max-object-bytes', String(2 * 1024 * 1024),
    '--origin-timeout-ms', '1000',
  ]);
});
afterAll(async () => {
  await edge?.stop();
  await origin?.close();
});

describe('edge as a shared cache, over HTTP', () => {
  it('serves MISS then HIT with X-Cache, Cache-Status, Age, Via, X-Served-By and Server-Timing', async () => {
    origin.on('/basic', (_req, res) => res.writeHead(200, { 'cache-control': 'max-age=60', 'content-type': 'text/plain' }).end('hello'));
    const first = await get(`${edge.url}/basic`);
    expect(first.text).toBe('hello');
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['x-served-by']).toBe('e1');
    expect(first.headers['cache-status']).toMatch(/^cdnsim-e1; fwd=miss; fwd-status=200; stored; ttl=60$/);
    expect(first.headers['server-timing']).toMatch(/edge;dur=[\d.]+, origin;dur=[\d.]+, edge-origin-rtt;desc="simulated";dur=0\.000/);
    await sleep(1100);
    const second = await get(`${edge.url}/basic`);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(Number(second.headers['age'])).toBeGreaterThanOrEqual(1);
    expect(second.headers['cache-status']).toMatch(/^cdnsim-e1; hit; ttl=5[89]$/);
    expect(second.headers['via']).toBe('1.1 cdnsim-e1');
    expect(origin.count('/basic')).toBe(1);
  });

  it('collapses 100 concurrent misses into one origin fetch', async () => {
    origin.on('/collapse', async (_req, res) => {
      await sleep(300);
      res.writeHead(200, { 'cache-control': 'max-age=60' }).end('x'.repeat(10_000));
    });
    const responses = await Promise.all(Array.from({ length: 100 }, () => get(`${edge.url}/collapse`)));
    expect(origin.count('/collapse')).toBe(1);
    expect(responses.every((response) => response.status === 200 && response.body.length === 10_000)).toBe(true);
    expect(responses.filter((response) => response.headers['x-cache'] === 'MISS')).toHaveLength(1);
    expect(responses.filter((response) => response.headers['x-cache'] === 'HIT')).toHaveLength(99);
  });

  it('does not collapse onto, or store, a private response', async () => {
    origin.on('/private', async (_req, res) => {
      await sleep(100);
      res.writeHead(200, { 'cache-control': 'private, max-age=60' }).end(`user ${++version}`);
    });
    const responses = await Promise.all(Array.from({ length: 5 }, () => get(`${edge.url}/private`)));
    expect(origin.count('/private')).toBe(5);
    expect(new Set(responses.map((response) => response.text)).size).toBe(5);
  });

  it('revalidates a stale entry with If-None-Match and answers REVALIDATED on 304', async () => {
    origin.on('/reval', (req, res) => {
      if (req.headers['if-none-match'] === '"r1"') res.writeHead(304, { etag: '"r1"', 'cache-control': 'max-age=1' }).end();
      else res.writeHead(200, { etag: '"r1"', 'cache-control': 'max-age=1' }).end('revalidate me');
    });
    expect((await get(`${edge.url}/reval`)).headers['x-cache']).toBe('MISS');
    await sleep(1200);
    const again = await get(`${edge.url}/reval`);
    expect(again.headers['x-cache']).toBe('REVALIDATED');
    expect(again.text).toBe('revalidate me');
    expect(origin.seen.filter((r) => r.url === '/reval').map((r) => r.headers['if-none-match'])).toEqual([undefined, '"r1"']);
    expect((await get(`${edge.url}/reval`)).headers['x-cache']).toBe('HIT');
  });

  it('serves STALE within stale-while-revalidate and refreshes once in the background', async () => {
    let served = 0;
    origin.on('/swr', async (_req, res) => {
      served++;
      await sleep(200);
      res.writeHead(200, { 'cache-control': 'max-age=1, stale-while-revalidate=30' }).end(`v${served}`);
    });
    await get(`${edge.url}/swr`);
    await sleep(1200);
    const started = performance.now();
    const stale = await Promise.all(Array.from({ length: 5 }, () => get(`${edge.url}/swr`)));
    expect(performance.now() - started).toBeLessThan(190);
    expect(stale.map((response) => response.headers['x-cache'])).toEqual(['STALE', 'STALE', 'STALE', 'STALE', 'STALE']);
    expect(stale[0]!.text).toBe('v1');
    await sleep(400);
    expect(origin.count('/swr')).toBe(2);
    const fresh = await get(`${edge.url}/swr`);
    expect(fresh.headers['x-cache']).toBe('HIT');
    expect(fresh.text).toBe('v2');
  });

  it('answers a client conditional request with 304 and a range with 206, from cache', async () => {
    origin.on('/cond', (_req, res) => res.writeHead(200, { etag: '"c1"', 'cache-control': 'max-age=60' }).end('0123456789'));
    await get(`${edge.url}/cond`, {}, 'HEAD');
    const notModified = await get(`${edge.url}/cond`, { 'if-none-match': '"c1"' });
    expect(notModified.status).toBe(304);
    expect(notModified.headers['x-cache']).toBe('HIT');
    const range = await get(`${edge.url}/cond`, { range: 'bytes=2-4' });
    expect(range.status).toBe(206);
    expect(range.text).toBe('234');
    expect(range.headers['content-range']).toBe('bytes 2-4/10');
    expect((await get(`${edge.url}/cond`, { range: 'bytes=50-60' })).status).toBe(416);
    expect(origin.count('/cond')).toBe(1);
    expect(origin.count('/cond', 'HEAD')).toBe(0);
  });

  it('stores variants by Vary and never lets unkeyed headers reach a shared fetch', async () => {
    origin.on('/vary', (req, res) => {
      const host = req.headers['x-forwarded-host'] ?? 'no forwarded host';
      res.writeHead(200, { 'cache-control': 'max-age=60', vary: 'Accept-Language' }).end(`${req.headers['accept-language'] ?? 'none'} ${host}`);
    });
    const en = await get(`${edge.url}/vary`, { 'accept-language': 'en', 'x-forwarded-host': 'evil.example' });
    const fr = await get(`${edge.url}/vary`, { 'accept-language': 'fr' });
    expect(en.text).toBe('en no forwarded host');
    expect(fr.text).toBe('fr no forwarded host');
    expect((await get(`${edge.url}/vary`, { 'accept-language': 'en' })).headers['x-cache']).toBe('HIT');
    expect(origin.count('/vary')).toBe(2);
  });

  it('drops hop-by-hop headers, adds Via and X-Forwarded-For on the way to the origin', async () => {
    origin.on('/hop', (_req, res) => res.writeHead(200, { 'cache-control': 'no-store', 'x-remove-me': '1', connection: 'x-remove-me' }).end('ok'));
    // A raw request: HTTP client libraries manage Connection themselves.
    // Accept-Language is forwarded on a shared fetch, except when Connection names it.
    const raw = await rawExchange(edge.url, 'GET /hop HTTP/1.1\r\nHost: e\r\nConnection: close, accept-language\r\nAccept-Language: token\r\nAccept: yes\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    const response = await get(`${edge.url}/hop`);
    const seen = origin.seen.find((r) => r.url === '/hop')!;
    expect(seen.headers['accept-language']).toBeUndefined();
    expect(seen.headers['accept']).toBe('yes');
    expect(seen.headers['via']).toBe('1.1 cdnsim-e1');
    expect(seen.headers['x-forwarded-for']).toMatch(/127\.0\.0\.1/);
    expect(response.headers['x-remove-me']).toBeUndefined();
  });

  it('invalidates the URL and its Location after a successful POST', async () => {
    origin.on('/items', (req, res) => {
      if (req.method === 'POST') res.writeHead(201, { location: '/items/7' }).end('created');
      else res.writeHead(200, { 'cache-control': 'max-age=60' }).end(`list ${++version}`);
    });
    origin.on('/items/7', (_req, res) => res.writeHead(200, { 'cache-control': 'max-age=60' }).end(`item ${++version}`));
    await get(`${edge.url}/items`);
    await get(`${edge.url}/items/7`);
    expect((await get(`${edge.url}/items`)).headers['x-cache']).toBe('HIT');
    const post = await get(`${edge.url}/items`, {}, 'POST');
    expect(post.status).toBe(201);
    expect(post.headers['x-cache']).toBe('PASS');
    expect((await get(`${edge.url}/items`)).headers['x-cache']).toBe('MISS');
    expect((await get(`${edge.url}/items/7`)).headers['x-cache']).toBe('MISS');
  });

  it('purges by path, prefix and surrogate key through POST /_cdn/purge, with the admin token', async () => {
    for (const [p, tags] of [['/p/a', 'alpha'], ['/p/b', 'beta'], ['/q/c', 'alpha']] as const) {
      origin.on(p, (_req, res) => res.writeHead(200, { 'cache-control': 'max-age=60', 'surrogate-key': tags }).end(p));
      await get(`${edge.url}${p}`);
    }
    const purge = (body: unknown, token = PROCESS_ADMIN_TOKEN) =>
      request(`${edge.url}/_cdn/purge`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }).then(async (response) => ({ status: response.statusCode, json: await response.body.text() }));
    expect((await purge({ paths: ['/p/a'] }, 'wrong')).status).toBe(401);
    expect((await purge('{not json')).status).toBe(400);
    expect((await purge({ colours: ['x'] })).status).toBe(400);
    expect(JSON.parse((await purge({ tags: ['alpha'] })).json)).toMatchObject({ edge: 'e1', total: 2 });
    expect((await get(`${edge.url}/q/c`)).headers['x-cache']).toBe('MISS');
    expect((await get(`${edge.url}/p/b`)).headers['x-cache']).toBe('HIT');
    // /p/a went with the tag; only /p/b is left under the prefix.
    expect(JSON.parse((await purge({ prefixes: ['/p/'] })).json).purged).toEqual({ paths: 0, prefixes: 1, tags: 0 });
    expect((await get(`${edge.url}/p/b`)).headers['x-cache']).toBe('MISS');
    expect(JSON.parse((await purge({ paths: ['/p/b'] })).json).purged.paths).toBe(1);
    expect((await get(`${edge.url}/p/b`)).headers['x-cache']).toBe('MISS');
  });

  it('passes an object over maxObjectBytes through without storing it', async () => {
    origin.on('/big', (_req, res) => res.writeHead(200, { 'cache-control': 'max-age=60' }).end(Buffer.alloc(3 * 1024 * 1024, 1)));
    expect((await get(`${edge.url}/big`)).body.length).toBe(3 * 1024 * 1024);
    expect((await get(`${edge.url}/big`)).headers['x-cache']).toBe('MISS');
    expect(origin.count('/big')).toBe(2);
  });

  it('answers 431 to oversized request headers', async () => {
    const response = await rawExchange(edge.url, `GET /basic HTTP/1.1\r\nHost: e\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('answers 504 when the origin does not answer in time, and keeps serving', async () => {
    origin.on('/hang', async (_req, res) => {
      await sleep(3000);
      res.end('late');
    });
    const started = performance.now();
    const response = await get(`${edge.url}/hang`);
    expect(response.status).toBe(504);
    expect(response.text).toMatch(/^Gateway Timeout: /);
    expect(performance.now() - started).toBeLessThan(2500);
    expect((await get(`${edge.url}/basic`)).status).toBe(200);
  });

  it('keeps the cache within maxSize when the working set is 10 times larger', async () => {
    origin.on('/ws', (req, res) => res.writeHead(200, { 'cache-control': 'max-age=600' }).end(Buffer.alloc(100 * 1024, req.url!.length)));
    for (let batch = 0; batch < 8; batch++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => get(`${edge.url}/ws?i=${batch * 100 + i}`)));
    }
    const text = (await get(`${edge.url}/metrics`)).text;
    expect(metric(text, /cdn_edge_cache_bytes\{edge="e1"\} (\d+)/)).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(metric(text, /cdn_edge_cache_evictions_total\{edge="e1"\} (\d+)/)).toBeGreaterThan(600);
    // 80 MiB went through; the process keeps about the cache's worth.
    expect(metric(text, /process_resident_memory_bytes (\d+)/)).toBeLessThan(250 * 1024 * 1024);
  });
});

describe('edge streaming', () => {
  it('sends the first byte of a 50 MB object before the origin has sent its last', async () => {
    let lastSentAt = 0;
    let originDone!: () => void;
    const finished = new Promise<void>((resolve) => (originDone = resolve));
    origin.on('/stream50', async (_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60', 'content-length': String(50 * 1024 * 1024) });
      for (let i = 0; i < 50; i++) {
        await sleep(10);
        if (i === 49) lastSentAt = performance.now();
        if (!res.write(Buffer.alloc(1024 * 1024, i))) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
      originDone();
    });
    const response = await request(`${edge.url}/stream50`, { headersTimeout: 15_000, bodyTimeout: 15_000 });
    let firstByteAt = 0;
    let received = 0;
    for await (const chunk of response.body) {
      if (!firstByteAt) firstByteAt = performance.now();
      received += (chunk as Buffer).length;
    }
    await finished;
    expect(received).toBe(50 * 1024 * 1024);
    expect(firstByteAt).toBeGreaterThan(0);
    expect(firstByteAt).toBeLessThan(lastSentAt);
  });

  it('streams an object it is storing, then serves it as a HIT', async () => {
    let lastSentAt = 0;
    origin.on('/stream1', async (_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      for (let i = 0; i < 10; i++) {
        await sleep(20);
        if (i === 9) lastSentAt = performance.now();
        res.write(Buffer.alloc(100 * 1024, i));
      }
      res.end();
    });
    const response = await request(`${edge.url}/stream1`);
    let firstByteAt = 0;
    for await (const chunk of response.body) if (!firstByteAt && (chunk as Buffer).length) firstByteAt = performance.now();
    expect(firstByteAt).toBeLessThan(lastSentAt);
    const again = await get(`${edge.url}/stream1`);
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.body.length).toBe(10 * 100 * 1024);
  });
});

describe('edge in front of a real origin process', () => {
  let dataDir: string;
  let originProcess: Edge;
  let frontEdge: Edge;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cdnsim-edge-origin-'));
    originProcess = await startProcess('origin', 'origin', ['--data-dir', dataDir]);
    frontEdge = await startProcess('edge', 'e2', ['--origin', originProcess.url, '--origin-timeout-ms', '1000', '--no-serve-stale-on-origin-error']);
  });
  afterAll(async () => {
    await frontEdge?.stop();
    await originProcess?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves STALE under stale-if-error once the origin is killed, and 502 for objects without it', async () => {
    const put = (key: string, cacheControl: string) =>
      request(`${originProcess.url}/${key}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${PROCESS_ADMIN_TOKEN}`, 'cache-control': cacheControl },
        body: `body of ${key}`,
      }).then((response) => response.body.dump());
    await put('sie', 'max-age=1, stale-if-error=60');
    await put('plain', 'max-age=1');
    expect((await get(`${frontEdge.url}/sie`)).headers['x-cache']).toBe('MISS');
    expect((await get(`${frontEdge.url}/plain`)).headers['x-cache']).toBe('MISS');
    await sleep(1100);
    await originProcess.stop();
    const stale = await get(`${frontEdge.url}/sie`);
    expect(stale.status).toBe(200);
    expect(stale.headers['x-cache']).toBe('STALE');
    expect(stale.headers['cache-status']).toMatch(/detail=stale-if-error/);
    expect(stale.text).toBe('body of sie');
    const gone = await get(`${frontEdge.url}/plain`);
    expect(gone.status).toBe(502);
    expect(gone.text).toMatch(/^Bad Gateway: /);
  });
});

describe('standalone edge', () => {
  it('starts and answers health while its origin is down, 502 until the origin is up', async () => {
    const late = await startScriptedOrigin();
    const port = new URL(late.url).port;
    await late.close();
    const alone = await startProcess('edge', 'e3', ['--origin', `http://127.0.0.1:${port}`]);
    try {
      expect((await get(`${alone.url}/_cdn/health`)).status).toBe(200);
      expect((await get(`${alone.url}/x`)).status).toBe(502);
    } finally {
      await alone.stop();
    }
  });
});

describe('edge collapsing and large objects', () => {
  it('lets requests collapsed onto an object too large to store go their own way at once', async () => {
    let requests = 0;
    origin.on('/big-slow', async (_req, res) => {
      requests++;
      res.writeHead(200, { 'cache-control': 'max-age=60', 'content-length': String(3 * 1024 * 1024) });
      for (let i = 0; i < 30; i++) {
        res.write(Buffer.alloc(100 * 1024 + (i === 29 ? 3 * 1024 * 1024 - 3_072_000 : 0), i));
        await sleep(50);
      }
      res.end();
    });
    const first = get(`${edge.url}/big-slow`);
    await sleep(100);
    const started = performance.now();
    const second = await request(`${edge.url}/big-slow`);
    // The second request did not wait for the first one's 1.5 s body before getting its own headers.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(second.statusCode).toBe(200);
    await second.body.dump();
    expect((await first).body.length).toBe(3 * 1024 * 1024);
    expect(requests).toBe(2);
  });
});
