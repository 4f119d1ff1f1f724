import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, type RunningOrigin } from '../src/origin/server.ts';

const TOKEN = 'origin-test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const MAX_OBJECT_BYTES = 64 * 1024;

let dataDir: string;
let origin: RunningOrigin;

async function call(method: string, pathname: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}) {
  const response = await request(`${origin.url}${pathname}`, {
    method: method as 'GET',
    headers: options.headers,
    body: options.body,
    headersTimeout: 10_000,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body };
}

/** Sends a request line exactly as written, so no client library normalises the path. */
function rawRequest(line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(origin.url);
    const socket = connect(Number(port), '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => (data += chunk));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('raw request timed out')));
    socket.write(`${line}\r\nHost: origin\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 4\r\nConnection: close\r\n\r\nevil`);
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'cdnsim-origin-'));
  origin = await startOrigin({ port: 0, host: '127.0.0.1', dataDir, maxObjectBytes: MAX_OBJECT_BYTES, adminToken: TOKEN });
});
afterAll(async () => {
  await origin?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('origin object store', () => {
  it('round-trips a body with its Content-Type, Cache-Control and Surrogate-Key', async () => {
    const put = await call('PUT', '/a/b/page.html', {
      headers: { ...AUTH, 'content-type': 'text/html', 'cache-control': 'public, max-age=60', 'surrogate-key': 'pages home' },
      body: '<h1>hi</h1>',
    });
    expect(put.status).toBe(201);
    const get = await call('GET', '/a/b/page.html');
    expect(get.status).toBe(200);
    expect(get.body.toString()).toBe('<h1>hi</h1>');
    expect(get.headers['content-type']).toBe('text/html');
    expect(get.headers['cache-control']).toBe('public, max-age=60');
    expect(get.headers['surrogate-key']).toBe('pages home');
    expect(get.headers['etag']).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(get.headers['etag']).toBe(put.headers['etag']);
    expect(Date.parse(String(get.headers['last-modified']))).toBeGreaterThan(Date.now() - 60_000);
    const head = await call('HEAD', '/a/b/page.html');
    expect(head.headers['content-length']).toBe('11');
    expect(head.body.length).toBe(0);
  });

  it('replaces an object: 204, new body, new ETag', async () => {
    const first = await call('PUT', '/replace-me', { headers: AUTH, body: 'one' });
    const second = await call('PUT', '/replace-me', { headers: AUTH, body: 'two!' });
    expect([first.status, second.status]).toEqual([201, 204]);
    expect(second.headers['etag']).not.toBe(first.headers['etag']);
    const get = await call('GET', '/replace-me');
    expect(get.body.toString()).toBe('two!');
    expect(get.headers['content-type']).toBe('application/octet-stream');
  });

  it('never shows a reader a torn object while writers replace it', async () => {
    const versions = [Buffer.alloc(40_000, 'a'), Buffer.alloc(50_000, 'b')];
    await call('PUT', '/contended', { headers: AUTH, body: versions[0] });
    const etags = new Map<string, Buffer>();
    const writers = Array.from({ length: 20 }, async (_, i) => {
      const put = await call('PUT', '/contended', { headers: AUTH, body: versions[i % 2] });
      etags.set(String(put.headers['etag']), versions[i % 2]!);
    });
    const readers = Array.from({ length: 60 }, () => call('GET', '/contended'));
    const [, reads] = await Promise.all([Promise.all(writers), Promise.all(readers)]);
    for (const read of reads) {
      expect(read.status).toBe(200);
      const whole = versions.find((version) => version.equals(read.body));
      expect(whole, `body of ${read.body.length} bytes is not one whole version`).toBeDefined();
      expect(read.headers['content-length']).toBe(String(whole!.length));
    }
    for (const [etag, body] of etags) {
      const read = reads.find((r) => r.headers['etag'] === etag);
      if (read) expect(read.body.equals(body)).toBe(true);
    }
    expect(readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
  });

  it('keeps objects across a restart on the same data folder', async () => {
    await call('PUT', '/durable', { headers: AUTH, body: 'still here' });
    await origin.close();
    origin = await startOrigin({ port: 0, host: '127.0.0.1', dataDir, maxObjectBytes: MAX_OBJECT_BYTES, adminToken: TOKEN });
    expect((await call('GET', '/durable')).body.toString()).toBe('still here');
  });

  it('deletes with the token: 204, then 404', async () => {
    await call('PUT', '/to-delete', { headers: AUTH, body: 'x' });
    expect((await call('DELETE', '/to-delete', { headers: AUTH })).status).toBe(204);
    expect((await call('GET', '/to-delete')).status).toBe(404);
    expect((await call('DELETE', '/to-delete', { headers: AUTH })).status).toBe(404);
  });

  it('requires the admin token for writes: 401 without, 403 with a wrong one', async () => {
    const none = await call('PUT', '/locked', { body: 'x' });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await call('PUT', '/locked', { headers: { authorization: 'Bearer nope' }, body: 'x' })).status).toBe(403);
    expect((await call('DELETE', '/durable', { headers: { authorization: 'Bearer nope' } })).status).toBe(403);
    expect((await call('GET', '/locked')).status).toBe(404);
  });

  it('refuses bodies over the bound with 413, declared or chunked, and leaves no temp file', async () => {
    const big = Buffer.alloc(MAX_OBJECT_BYTES + 1, 'z');
    expect((await call('PUT', '/too-big', { headers: AUTH, body: big })).status).toBe(413);
    const chunked = await request(`${origin.url}/too-big`, {
      method: 'PUT',
      headers: AUTH,
      // A stream without a length, so the server can only count as it reads.
      body: Readable.from(Array.from({ length: 10 }, () => Buffer.alloc(10_000, 'c'))),
    });
    expect(chunked.statusCode).toBe(413);
    await chunked.body.dump();
    expect((await call('GET', '/too-big')).status).toBe(404);
    expect(readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
  });

  it('answers 405 with Allow for other methods', async () => {
    const response = await call('POST', '/anything', { body: 'x' });
    expect(response.status).toBe(405);
    expect(response.headers['allow']).toBe('GET, HEAD, PUT, DELETE');
  });
});

describe('conditional and range requests', () => {
  let etag: string;
  let lastModified: string;
  const body = '0123456789abcdefghij';

  beforeAll(async () => {
    await call('PUT', '/cond.txt', { headers: { ...AUTH, 'content-type': 'text/plain' }, body });
    const head = await call('HEAD', '/cond.txt');
    etag = String(head.headers['etag']);
    lastModified = String(head.headers['last-modified']);
  });

  it('answers 304 to a matching If-None-Match (weak comparison) and If-Modified-Since', async () => {
    const inm = await call('GET', '/cond.txt', { headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(inm.status).toBe(304);
    expect(inm.headers['etag']).toBe(etag);
    expect(inm.body.length).toBe(0);
    expect((await call('GET', '/cond.txt', { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    expect((await call('GET', '/cond.txt', { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    const older = new Date(Date.parse(lastModified) - 10_000).toUTCString();
    expect((await call('GET', '/cond.txt', { headers: { 'if-modified-since': older } })).status).toBe(200);
  });

  it('answers 412 when If-Match or If-Unmodified-Since fails', async () => {
    expect((await call('GET', '/cond.txt', { headers: { 'if-match': '"nope"' } })).status).toBe(412);
    expect((await call('GET', '/cond.txt', { headers: { 'if-match': etag } })).status).toBe(200);
    const before = new Date(Date.parse(lastModified) - 10_000).toUTCString();
    expect((await call('GET', '/cond.txt', { headers: { 'if-unmodified-since': before } })).status).toBe(412);
    // Lost-update protection on writes.
    expect((await call('PUT', '/cond.txt', { headers: { ...AUTH, 'if-match': '"nope"' }, body: 'x' })).status).toBe(412);
    expect((await call('PUT', '/cond.txt', { headers: { ...AUTH, 'if-none-match': '*' }, body: 'x' })).status).toBe(412);
    expect((await call('PUT', '/cond-new.txt', { headers: { ...AUTH, 'if-match': '*' }, body: 'x' })).status).toBe(412);
    expect((await call('PUT', '/cond-new.txt', { headers: { ...AUTH, 'if-none-match': '*' }, body: 'x' })).status).toBe(201);
    expect((await call('GET', '/cond.txt')).body.toString()).toBe(body);
  });

  it('serves byte ranges with 206 and Content-Range', async () => {
    const range = await call('GET', '/cond2.txt');
    expect(range.status).toBe(404);
    const mid = await call('GET', '/cond.txt', { headers: { range: 'bytes=2-5' } });
    expect(mid.status).toBe(206);
    expect(mid.body.toString()).toBe('2345');
    expect(mid.headers['content-range']).toBe(`bytes 2-5/${body.length}`);
    const suffix = await call('GET', '/cond.txt', { headers: { range: 'bytes=-4' } });
    expect(suffix.body.toString()).toBe('ghij');
    const open = await call('GET', '/cond.txt', { headers: { range: 'bytes=15-' } });
    expect(open.body.toString()).toBe('fghij');
  });

  it('answers 416 with bytes */size for an unsatisfiable range, and ignores a stale If-Range', async () => {
    const bad = await call('GET', '/cond.txt', { headers: { range: 'bytes=100-200' } });
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${body.length}`);
    const stale = await call('GET', '/cond.txt', { headers: { range: 'bytes=0-1', 'if-range': '"old"' } });
    expect(stale.status).toBe(200);
    expect(stale.body.toString()).toBe(body);
    const fresh = await call('GET', '/cond.txt', { headers: { range: 'bytes=0-1', 'if-range': etag } });
    expect(fresh.status).toBe(206);
  });
});

describe('key validation', () => {
  const attacks = [
    '/..%2f..%2fetc/passwd',
    '/%2e%2e/x',
    '/a/%2E%2E/%2E%2E/outside',
    '/a%2fb',
    '/a%5cb',
    '/a%00b',
    '//etc/passwd',
    '/a/../b',
    '/a/./b',
    '/a\\..\\b',
    '/%zz',
    '/trailing/',
  ];

  it.each(attacks)('refuses %s with 400 for reads and writes, writing nothing', async (attack) => {
    const before = readdirSync(dataDir).sort();
    const put = await rawRequest(`PUT ${attack} HTTP/1.1`);
    expect(put).toMatch(/^HTTP\/1\.1 400 /);
    const get = await rawRequest(`GET ${attack} HTTP/1.1`);
    expect(get).toMatch(/^HTTP\/1\.1 400 /);
    expect(readdirSync(dataDir).sort()).toEqual(before);
    expect(existsSync(path.join(dataDir, '..', 'etc'))).toBe(false);
  });

  it('refuses an absolute-form target outside the store and keys over 1024 bytes', async () => {
    expect(await rawRequest(`GET /${'k'.repeat(1100)} HTTP/1.1`)).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe('synthetic objects', () => {
  it('returns N deterministic bytes with the requested max-age', async () => {
    const first = await call('GET', '/gen/obj-1?bytes=200000&ttl=30');
    expect(first.status).toBe(200);
    expect(first.body.length).toBe(200_000);
    expect(first.headers['cache-control']).toBe('public, max-age=30');
    const again = await call('GET', '/gen/obj-1?bytes=200000&ttl=30');
    expect(again.body.equals(first.body)).toBe(true);
    expect(again.headers['etag']).toBe(first.headers['etag']);
    const other = await call('GET', '/gen/obj-2?bytes=200000');
    expect(other.body.equals(first.body)).toBe(false);
    expect(other.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('gives the same bytes from a second origin process and consistent ranges', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-origin2-'));
    const second = await startOrigin({ port: 0, host: '127.0.0.1', dataDir: dir, maxObjectBytes: 1024, adminToken: undefined });
    try {
      const a = await call('GET', '/gen/same?bytes=70000');
      const b = await request(`${second.url}/gen/same?bytes=70000`);
      expect(Buffer.from(await b.body.arrayBuffer()).equals(a.body)).toBe(true);
      const range = await call('GET', '/gen/same?bytes=70000', { headers: { range: 'bytes=65530-65545' } });
      expect(range.status).toBe(206);
      expect(range.body.equals(a.body.subarray(65530, 65546))).toBe(true);
      const put = await request(`${second.url}/x`, { method: 'PUT', body: 'x' });
      expect(put.statusCode).toBe(403);
      await put.body.dump();
    } finally {
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['a whole small object', {}, '?bytes=3000&ttl=60'],
    ['a range of a small object', { range: 'bytes=10-99' }, '?bytes=3000'],
    ['a revalidation', { 'if-none-match': 'ETAG' }, '?bytes=3000'],
    ['an unsatisfiable range', { range: 'bytes=5000-' }, '?bytes=3000'],
    ['a multi-block object', {}, '?bytes=70000'],
    ['an empty object', {}, '?bytes=0'],
  ])('answers %s the same on its direct path (/gen/a.b) as through its routes (/gen/a%%2Eb)', async (_label, headers: Record<string, string>, query) => {
    const etag = (await call('HEAD', `/gen/a.b${query}`)).headers['etag'] as string;
    const withEtag = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, value.replace('ETAG', etag)]));
    const direct = await call('GET', `/gen/a.b${query}`, { headers: withEtag });
    const routed = await call('GET', `/gen/a%2Eb${query}`, { headers: withEtag });
    const comparable = (response: typeof direct) => ({ status: response.status, headers: { ...response.headers, date: undefined, 'keep-alive': undefined }, body: response.body.toString('base64') });
    expect(comparable(direct)).toEqual(comparable(routed));
    expect(direct.status).not.toBe(500);
  });

  it('serves a small object from memory with the same bytes as the generator streams for a large one', async () => {
    const small = await call('GET', '/gen/prefix?bytes=1024');
    const large = await call('GET', '/gen/prefix?bytes=300000');
    expect(small.body.equals(large.body.subarray(0, 1024))).toBe(true);
  });

  it('marks an object uncacheable with nostore=1', async () => {
    expect((await call('GET', '/gen/u?bytes=10&nostore=1')).headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['nostore other than 0 or 1', '/gen/x?nostore=yes'],
    ['bytes over the bound', '/gen/x?bytes=1073741825'],
    ['negative bytes', '/gen/x?bytes=-1'],
    ['non-numeric ttl', '/gen/x?ttl=soon'],
    ['a bad id', '/gen/bad%20id'],
  ])('answers 400 for %s', async (_label, url) => {
    const response = await call('GET', url);
    expect(response.status).toBe(400);
    expect(response.body.toString()).toMatch(/^Bad Request: /);
  });

  it('refuses writes under /gen/', async () => {
    expect((await call('PUT', '/gen/x', { headers: AUTH, body: 'x' })).status).toBe(405);
  });
});

describe('health and metrics', () => {
  it('answers /_cdn/health and counts requests by method and status', async () => {
    const health = await call('GET', '/_cdn/health');
    expect(JSON.parse(health.body.toString())).toMatchObject({ status: 'ok', role: 'origin' });
    const metrics = (await call('GET', '/metrics')).body.toString();
    expect(metrics).toMatch(/cdn_origin_requests_total\{method="PUT",status="201",operation="cdnsim"\} [1-9]/);
    expect(metrics).toMatch(/cdn_origin_requests_total\{method="GET",status="404",operation="cdnsim"\} [1-9]/);
    expect(metrics).toContain('cdn_origin_request_duration_seconds_bucket');
  });
});
