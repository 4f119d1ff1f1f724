import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess } from './helpers/processes.ts';
import { startRawOrigin, type BodyEnding } from './helpers/raw-origin.ts';
import { startScriptedOrigin } from './helpers/scripted-origin.ts';

type Origin = Awaited<ReturnType<typeof startScriptedOrigin>>;
type Edge = Awaited<ReturnType<typeof startProcess>>;
type RawOrigin = Awaited<ReturnType<typeof startRawOrigin>>;

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers, headersTimeout: 8_000, bodyTimeout: 8_000 });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, text: body.toString() };
}

let origin: Origin;
let edge: Edge;
let edgePid: number | undefined;
/** An edge in front of an origin that sends bytes as scripted, for what no HTTP library would send. */
let raw: RawOrigin;
let rawEdge: Edge;
let rawEdgePid: number | undefined;

beforeAll(async () => {
  origin = await startScriptedOrigin();
  raw = await startRawOrigin();
  [edge, rawEdge] = await Promise.all([
    startProcess('edge', 'quirks', ['--origin', origin.url, '--origin-timeout-ms', '1000']),
    startProcess('edge', 'rawq', ['--origin', raw.url, '--origin-timeout-ms', '1000', '--origin-body-timeout-ms', '800']),
  ]);
  edgePid = edge.pid;
  rawEdgePid = rawEdge.pid;
});
afterAll(async () => {
  await Promise.all([edge?.stop(), rawEdge?.stop()]);
  await Promise.all([origin?.close(), raw?.close()]);
});

/** The edge is the same process as at the start, never restarted, and still answers. */
async function expectEdgeStillUp(which: Edge = edge): Promise<void> {
  expect(which.logs.filter((line) => /exited unexpectedly/.test(line))).toEqual([]);
  expect(which.pid).toBe(which === edge ? edgePid : rawEdgePid);
  expect((await get(`${which.url}/_cdn/health`)).status).toBe(200);
  // Nothing escaped to the process guard either: every failure was handled where it happened.
  expect((await get(`${which.url}/metrics`)).text).toMatch(/^cdn_process_uncaught_errors_total 0$/m);
}

/** One client's request to the end: its status, or how it broke, and how long it took. */
async function attempt(url: string): Promise<{ status: number | undefined; complete: boolean; ms: number }> {
  const started = performance.now();
  try {
    const response = await get(url);
    return { status: response.status, complete: true, ms: performance.now() - started };
  } catch {
    return { status: undefined, complete: false, ms: performance.now() - started };
  }
}

/** After a broken answer, the same URL works again as soon as the origin answers properly. */
async function expectRecovers(path: string): Promise<void> {
  script(path, '200 OK', ['cache-control: max-age=60', 'content-length: 5'], 'fixed');
  const next = await get(`${rawEdge.url}${path}`);
  expect([next.status, next.text]).toEqual([200, 'fixed']);
  await expectEdgeStillUp(rawEdge);
}

/** Sends a head (Connection: close), waits for `100 Continue` if there is a body, sends it, and reads until the edge closes. */
function exchangeWithContinue(url: string, head: string, body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let data = '';
    let sentBody = body === '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (!sentBody && /^HTTP\/1\.1 100 /.test(data)) {
        sentBody = true;
        socket.write(body);
      }
    });
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), 5_000);
    socket.write(head);
  });
}

/** Scripts a raw response: a status line, header lines as given (repeats and all), a body. */
function script(path: string, status: string, lines: string[], body = '', ending: BodyEnding = { kind: 'whole' }): void {
  raw.script(path, {
    head: Buffer.from(`HTTP/1.1 ${status}\r\n${lines.map((line) => `${line}\r\n`).join('')}connection: close\r\n\r\n`, 'latin1'),
    body: Buffer.from(body, 'latin1'),
    ending,
  });
}

describe('background refresh (stale-while-revalidate) answered with something unstorable', () => {
  for (const [name, answer] of [
    ['a 500', (res: import('node:http').ServerResponse) => res.writeHead(500).end('broken')],
    ['a 404 without caching headers', (res: import('node:http').ServerResponse) => res.writeHead(404).end('gone')],
    ['no-store', (res: import('node:http').ServerResponse) => res.writeHead(200, { 'cache-control': 'no-store' }).end('private now')],
  ] as const) {
    it(`survives ${name}`, async () => {
      const path = `/swr-${name.replace(/\W+/g, '-')}`;
      let calls = 0;
      origin.on(path, (_req, res) => {
        if (++calls === 1) res.writeHead(200, { 'cache-control': 'public, max-age=1, stale-while-revalidate=600' }).end('v1');
        else answer(res);
      });
      expect((await get(`${edge.url}${path}`)).headers['x-cache']).toBe('MISS');
      await sleep(1500);
      const stale = await get(`${edge.url}${path}`);
      expect(stale.headers['x-cache']).toBe('STALE');
      await sleep(300);
      expect(calls).toBe(2);
      await expectEdgeStillUp();
    });
  }
});

describe('repeated header lines from the origin, combined before any cache logic', () => {
  it('joins two Cache-Control lines into one list: stored, then a HIT', async () => {
    script('/dup-cc', '200 OK', ['cache-control: public', 'cache-control: max-age=60', 'content-length: 2'], 'cc');
    const first = await get(`${rawEdge.url}/dup-cc`);
    expect([first.status, first.headers['x-cache'], first.headers['cache-control']]).toEqual([200, 'MISS', 'public, max-age=60']);
    const second = await get(`${rawEdge.url}/dup-cc`);
    expect([second.status, second.headers['x-cache'], second.text]).toEqual([200, 'HIT', 'cc']);
    await expectEdgeStillUp(rawEdge);
  });

  it('joins two Connection lines and drops every field they name', async () => {
    script('/dup-conn', '200 OK', ['connection: x-one', 'connection: x-two', 'x-one: 1', 'x-two: 2', 'x-kept: 3', 'content-length: 2'], 'ok');
    const response = await get(`${rawEdge.url}/dup-conn`);
    expect(response.status).toBe(200);
    expect([response.headers['x-one'], response.headers['x-two'], response.headers['x-kept']]).toEqual([undefined, undefined, '3']);
  });

  it('joins two Vary lines: a stale variant is revalidated, never a 500, with or without request Cache-Control', async () => {
    script('/dup-vary', '200 OK', ['cache-control: max-age=1', 'vary: accept-language', 'vary: accept-encoding', 'content-length: 4'], 'vary');
    expect((await get(`${rawEdge.url}/dup-vary`, { 'accept-language': 'en' })).headers['vary']).toBe('accept-language, accept-encoding');
    expect((await get(`${rawEdge.url}/dup-vary`, { 'accept-language': 'en' })).headers['x-cache']).toBe('HIT');
    await sleep(1100);
    const stale = await get(`${rawEdge.url}/dup-vary`, { 'accept-language': 'en' });
    const withCacheControl = await get(`${rawEdge.url}/dup-vary`, { 'accept-language': 'en', 'cache-control': 'max-age=0' });
    expect([stale.status, stale.text, withCacheControl.status, withCacheControl.text]).toEqual([200, 'vary', 200, 'vary']);
  });

  it('drops two differing ETags (no validator to revalidate with), and collapses two identical ones', async () => {
    script('/dup-etag', '200 OK', ['cache-control: max-age=1', 'etag: "a"', 'etag: "b"', 'content-length: 2'], 'v1');
    const first = await get(`${rawEdge.url}/dup-etag`);
    expect([first.status, first.headers['etag']]).toEqual([200, undefined]);
    script('/dup-etag', '304 Not Modified', ['etag: "a"', 'etag: "b"', 'cache-control: max-age=60']);
    await sleep(1100);
    // No validator was kept, so the edge asks unconditionally; an answer of 304 to that is the origin's error.
    const after = await get(`${rawEdge.url}/dup-etag`);
    expect(after.status).not.toBe(500);

    script('/same-etag', '200 OK', ['cache-control: max-age=1', 'etag: "s"', 'etag: "s"', 'content-length: 2'], 's1');
    expect((await get(`${rawEdge.url}/same-etag`)).headers['etag']).toBe('"s"');
    script('/same-etag', '304 Not Modified', ['etag: "s"', 'etag: "s"', 'cache-control: max-age=60']);
    await sleep(1100);
    const revalidated = await get(`${rawEdge.url}/same-etag`);
    expect([revalidated.status, revalidated.headers['x-cache'], revalidated.text]).toEqual([200, 'REVALIDATED', 's1']);
    expect((await get(`${rawEdge.url}/same-etag`)).headers['x-cache']).toBe('HIT');
    await expectEdgeStillUp(rawEdge);
  });

  it('takes the first of two Age values (RFC 9111 section 5.1)', async () => {
    script('/dup-age', '200 OK', ['cache-control: max-age=100', 'age: 30', 'age: 90', 'content-length: 3'], 'age');
    const response = await get(`${rawEdge.url}/dup-age`);
    expect(response.headers['cache-status']).toMatch(/ttl=70$/);
  });

  it('treats two differing Expires as already expired, and two identical ones as one', async () => {
    const future = (seconds: number) => new Date(Date.now() + seconds * 1000).toUTCString();
    script('/dup-expires', '200 OK', [`expires: ${future(60)}`, `expires: ${future(120)}`, 'content-length: 3'], 'exp');
    expect((await get(`${rawEdge.url}/dup-expires`)).status).toBe(200);
    expect((await get(`${rawEdge.url}/dup-expires`)).headers['x-cache']).toBe('MISS');
    const expires = future(60);
    script('/same-expires', '200 OK', [`expires: ${expires}`, `expires: ${expires}`, 'content-length: 3'], 'exp');
    await get(`${rawEdge.url}/same-expires`);
    expect((await get(`${rawEdge.url}/same-expires`)).headers['x-cache']).toBe('HIT');
  });

  it('answers 502 for two differing Content-Length values (RFC 9112 section 6.3), and the next request for the URL too', async () => {
    script('/dup-length', '200 OK', ['cache-control: max-age=60', 'content-length: 2', 'content-length: 5'], 'hello');
    const responses = await Promise.all([get(`${rawEdge.url}/dup-length`), get(`${rawEdge.url}/dup-length`)]);
    expect(responses.map((response) => response.status)).toEqual([502, 502]);
    // Identical copies are refused too, by undici's parser (llhttp), before any code of ours sees them.
    script('/dup-length', '200 OK', ['cache-control: max-age=60', 'content-length: 5', 'content-length: 5'], 'hello');
    expect((await get(`${rawEdge.url}/dup-length`)).status).toBe(502);
    script('/dup-length', '200 OK', ['cache-control: max-age=60', 'content-length: 5'], 'hello');
    const fixed = await get(`${rawEdge.url}/dup-length`);
    expect([fixed.status, fixed.text]).toEqual([200, 'hello']);
    await expectEdgeStillUp(rawEdge);
  });
});

describe('a slow client of a large uncacheable object', () => {
  it('is streamed with backpressure without piling up listeners (no MaxListenersExceededWarning)', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    origin.on('/big-nostore', async (_req, res) => {
      res.writeHead(200, { 'cache-control': 'no-store', 'content-length': String(chunk.length * 256) });
      for (let i = 0; i < 256; i++) if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      res.end();
    });
    const received = await new Promise<number>((resolve, reject) => {
      const socket = connect(Number(new URL(edge.url).port), '127.0.0.1');
      let bytes = 0;
      socket.on('data', (data) => {
        bytes += data.length;
        // About 2 MB/s: take a chunk, then pause, so the edge waits for 'drain' over and over.
        socket.pause();
        setTimeout(() => socket.resume(), 30);
      });
      socket.on('error', reject);
      setTimeout(() => {
        socket.destroy();
        resolve(bytes);
      }, 2_500);
      socket.write('GET /big-nostore HTTP/1.1\r\nHost: e\r\n\r\n');
    });
    expect(received).toBeGreaterThan(1024 * 1024);
    await sleep(200);
    expect(edge.logs.filter((line) => /MaxListenersExceeded|memory leak/i.test(line))).toEqual([]);
    await expectEdgeStillUp();
  });
});

describe('broken origin answers: every client is answered or cut promptly, and the edge stays up', () => {
  const cacheable = ['cache-control: max-age=60', 'content-length: 100000'];
  const body = 'b'.repeat(100_000);

  it('a body reset midway: the streaming client is cut, nothing is stored', async () => {
    script('/reset-mid', '200 OK', cacheable, body, { kind: 'reset', bytes: 1000 });
    const result = await attempt(`${rawEdge.url}/reset-mid`);
    expect(result.complete).toBe(false);
    expect(result.ms).toBeLessThan(3000);
    await expectRecovers('/reset-mid');
  });

  it('headers then a stall: 504 after the body timeout, as no byte had reached the client yet', async () => {
    script('/stall-body', '200 OK', cacheable, body, { kind: 'stall', ms: 10_000 });
    const result = await attempt(`${rawEdge.url}/stall-body`);
    expect(result).toMatchObject({ status: 504, complete: true });
    expect(result.ms).toBeLessThan(3000);
    await expectRecovers('/stall-body');
  });

  it('a Content-Length longer than the body: cut, nothing is stored', async () => {
    script('/short-body', '200 OK', cacheable, body, { kind: 'short', bytes: 10 });
    const result = await attempt(`${rawEdge.url}/short-body`);
    expect(result.complete).toBe(false);
    expect(result.ms).toBeLessThan(3000);
    await expectRecovers('/short-body');
  });

  for (const [name, line] of [
    ['a NUL byte in a header value', 'x-bad: a\u0000b'],
    ['a space in a header name', 'bad header: x'],
    ['a header line without a colon', 'no-colon-here'],
  ] as const) {
    it(`invalid header bytes (${name}): 502`, async () => {
      const path = `/bad-bytes-${name.replace(/\W+/g, '-')}`;
      script(path, '200 OK', ['cache-control: max-age=60', line, 'content-length: 2'], 'ok');
      const result = await attempt(`${rawEdge.url}${path}`);
      expect([result.status, result.ms < 3000]).toEqual([502, true]);
      await expectRecovers(path);
    });
  }

  for (const status of ['099 Too Low', '600 Too High', '999 Way Out', '200']) {
    it(`an odd status line (${status}): an answer, never a 500`, async () => {
      const path = `/odd-status-${status.split(' ')[0]}`;
      script(path, status, ['content-length: 2'], 'ok');
      for (const method of ['GET', 'POST']) {
        const response = await request(`${rawEdge.url}${path}`, { method, headersTimeout: 3000, bodyTimeout: 3000 }).catch(() => undefined);
        await response?.body.dump();
        expect(response?.statusCode ?? 502).not.toBe(500);
      }
      await expectRecovers(path);
    });
  }

  it('100 concurrent clients on a key whose origin sends headers, stalls, then closes: all answered or cut', async () => {
    script('/crowd-mid', '200 OK', cacheable, body, { kind: 'stall', ms: 500 });
    const results = await Promise.all(Array.from({ length: 100 }, () => attempt(`${rawEdge.url}/crowd-mid`)));
    expect(results.every((result) => result.ms < 4000)).toBe(true);
    // The one that led the fetch already had its headers; every other is told 502.
    const statuses = results.filter((result) => result.complete).map((result) => result.status);
    expect(statuses.length).toBeGreaterThanOrEqual(99);
    expect(new Set(statuses)).toEqual(new Set([502]));
    await expectRecovers('/crowd-mid');
  });

  it('100 concurrent clients on a key whose origin stalls before any header, then closes: all get 502 at once', async () => {
    raw.script('/crowd-head', { head: Buffer.alloc(0), body: Buffer.alloc(0), ending: { kind: 'stall', ms: 500 } });
    const results = await Promise.all(Array.from({ length: 100 }, () => attempt(`${rawEdge.url}/crowd-head`)));
    expect(results.every((result) => result.ms < 4000)).toBe(true);
    expect(new Set(results.map((result) => result.status))).toEqual(new Set([502]));
    await expectRecovers('/crowd-head');
  });
});

describe('Expect: 100-continue through a standalone edge (D4)', () => {
  it('a GET with Expect: 100-continue gets the object, not a 502', async () => {
    origin.on('/expect-get', (req, res) => res.writeHead(200, { 'cache-control': 'max-age=60' }).end(`expect=${req.headers.expect ?? 'none'} done`));
    const answer = await exchangeWithContinue(edge.url, 'GET /expect-get HTTP/1.1\r\nHost: e\r\nConnection: close\r\nExpect: 100-continue\r\n\r\n', '');
    expect(answer).toMatch(/HTTP\/1\.1 200 OK[\s\S]*expect=none done/);
  });

  for (const method of ['PUT', 'POST']) {
    it(`a ${method} with Expect: 100-continue gets 100 Continue, then its body reaches the origin`, async () => {
      const path = `/expect-${method.toLowerCase()}`;
      origin.on(path, async (req, res) => {
        let received = '';
        for await (const chunk of req) received += String(chunk);
        res.writeHead(201, { 'content-type': 'text/plain' }).end(`${req.method} got ${received} expect=${req.headers.expect ?? 'none'} done`);
      });
      const answer = await exchangeWithContinue(edge.url, `${method} ${path} HTTP/1.1\r\nHost: e\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n`, 'hello world');
      expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
      expect(answer).toMatch(new RegExp(`HTTP/1\\.1 201 Created[\\s\\S]*${method} got hello world expect=none done`));
      await expectEdgeStillUp();
    });
  }
});

describe('interim responses from the origin (D10)', () => {
  /** Interim heads exactly as given, then a 200 with these header lines and body. */
  function scriptInterim(path: string, interim: string, lines: string[], body: string): void {
    const final = `HTTP/1.1 200 OK\r\n${lines.map((line) => `${line}\r\n`).join('')}content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
    raw.script(path, { head: Buffer.from(interim + final, 'latin1'), body: Buffer.from(body, 'latin1'), ending: { kind: 'whole' } });
  }

  it('103 Early Hints, then 100, then 200: the client gets the hints and the 200, and the 200 is cached without them', async () => {
    scriptInterim(
      '/interim',
      'HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload; as=style\r\nx-my-header: test\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n',
      ['cache-control: max-age=60'],
      'final',
    );
    const first = await exchangeWithContinue(rawEdge.url, 'GET /interim HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n');
    expect(first).toMatch(/^HTTP\/1\.1 103 Early Hints\r\n[^]*link: <\/style\.css>; rel=preload; as=style\r\n/i);
    expect(first).not.toMatch(/HTTP\/1\.1 100/);
    const final = first.slice(first.indexOf('HTTP/1.1 200'));
    expect(final).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*x-cache: MISS[^]*\r\n\r\nfinal$/);
    expect(final).not.toMatch(/x-my-header/i);
    const second = await exchangeWithContinue(rawEdge.url, 'GET /interim HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n');
    expect(second).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*x-cache: HIT[^]*\r\n\r\nfinal$/);
    expect(second).not.toMatch(/x-my-header/i);
    await expectEdgeStillUp(rawEdge);
  });

  it('102 Processing is passed on, and several 100s in a row are skipped', async () => {
    scriptInterim(
      '/interim-102',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n',
      ['cache-control: no-store'],
      'ok',
    );
    const answer = await exchangeWithContinue(rawEdge.url, 'GET /interim-102 HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 102 Processing\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
  });
});

describe('stale entries when the origin fails (serveStaleOnOriginError, default on as CloudFront)', () => {
  it('a 5xx from the origin: the stale entry stands in, except under must-revalidate, proxy-revalidate, no-cache or s-maxage', async () => {
    const cases = {
      plain: 'max-age=1',
      'must-revalidate': 'max-age=1, must-revalidate',
      'proxy-revalidate': 'max-age=1, proxy-revalidate',
      'no-cache': 'max-age=1, no-cache',
      's-maxage': 's-maxage=1',
    };
    let failing = false;
    for (const [name, cacheControl] of Object.entries(cases)) {
      origin.on(`/down5xx-${name}`, (_req, res) => {
        if (failing) res.writeHead(503, { 'content-type': 'text/plain' }).end('origin unwell');
        else res.writeHead(200, { 'cache-control': cacheControl, etag: `"${name}"` }).end(`stored ${name}`);
      });
      await get(`${edge.url}/down5xx-${name}`);
    }
    failing = true;
    await sleep(1100);
    const plain = await get(`${edge.url}/down5xx-plain`);
    expect([plain.status, plain.headers['x-cache'], plain.text]).toEqual([200, 'STALE', 'stored plain']);
    expect(plain.headers['cache-status']).toMatch(/detail=stale-on-origin-error$/);
    for (const name of ['must-revalidate', 'proxy-revalidate', 'no-cache', 's-maxage']) {
      const answer = await get(`${edge.url}/down5xx-${name}`);
      expect([name, answer.status, answer.text]).toEqual([name, 503, 'origin unwell']);
    }
  });

  it('an origin that refuses connections: the stale entry stands in, a must-revalidate one gets 502', async () => {
    const mortal = await startScriptedOrigin();
    const front = await startProcess('edge', 'stale', ['--origin', mortal.url, '--origin-timeout-ms', '1000']);
    try {
      mortal.on('/plain', (_req, res) => res.writeHead(200, { 'cache-control': 'max-age=1' }).end('kept'));
      mortal.on('/strict', (_req, res) => res.writeHead(200, { 'cache-control': 'max-age=1, must-revalidate' }).end('strict'));
      await Promise.all([get(`${front.url}/plain`), get(`${front.url}/strict`)]);
      await mortal.close();
      await sleep(1100);
      const plain = await get(`${front.url}/plain`);
      expect([plain.status, plain.headers['x-cache'], plain.text]).toEqual([200, 'STALE', 'kept']);
      const strict = await get(`${front.url}/strict`);
      expect(strict.status).toBe(502);
    } finally {
      await front.stop();
    }
  });
});

describe('an origin that stalls, then resets the connection (TCP RST), under 100 concurrent clients', () => {
  for (const when of ['before any header', 'after the headers and some body'] as const) {
    it(`${when}: every client is answered (502) or cut within the stall, and the URL works after`, async () => {
      const path = `/rst-${when.split(' ')[0]}`;
      let calls = 0;
      origin.on(path, async (req, res) => {
        if (++calls > 1) return res.writeHead(200, { 'cache-control': 'max-age=60' }).end('fixed');
        if (when !== 'before any header') {
          res.writeHead(200, { 'cache-control': 'max-age=60', 'content-length': '100000' });
          res.write('x'.repeat(1000));
        }
        await sleep(500);
        req.socket.resetAndDestroy();
      });
      const results = await Promise.all(Array.from({ length: 100 }, () => attempt(`${edge.url}${path}`)));
      expect(Math.max(...results.map((result) => result.ms))).toBeLessThan(3000);
      const answered = results.filter((result) => result.complete);
      expect(answered.length).toBeGreaterThanOrEqual(when === 'before any header' ? 100 : 99);
      expect(new Set(answered.map((result) => result.status))).toEqual(new Set([502]));
      expect(calls).toBe(1);
      const after = await get(`${edge.url}${path}`);
      expect([after.status, after.text]).toEqual([200, 'fixed']);
      await expectEdgeStillUp();
    });
  }
});

describe('clients that go away', () => {
  it('a client that resets in the middle of a POST body: the edge stays up and answers the next one', async () => {
    origin.on('/upload', async (req, res) => {
      let bytes = 0;
      for await (const chunk of req) bytes += (chunk as Buffer).length;
      res.writeHead(201).end(`got ${bytes}`);
    });
    await new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(edge.url).port), '127.0.0.1');
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.write('POST /upload HTTP/1.1\r\nHost: e\r\nContent-Length: 100000\r\n\r\n0123456789', () => {
        setTimeout(() => socket.resetAndDestroy(), 100);
      });
    });
    await sleep(200);
    const next = await request(`${edge.url}/upload`, { method: 'POST', body: 'hello', headersTimeout: 5000, bodyTimeout: 5000 });
    expect([next.statusCode, await next.body.text()]).toEqual([201, 'got 5']);
    await expectEdgeStillUp();
  });

  it('the client leading a collapsed fetch hangs up mid-body: the clients waiting on it still get the whole object', async () => {
    const part = Buffer.alloc(100 * 1024, 'z');
    origin.on('/lead-leaves', async (_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60', 'content-length': String(part.length * 5) });
      for (let i = 0; i < 5; i++) {
        res.write(part);
        await sleep(100);
      }
      res.end();
    });
    const leader = connect(Number(new URL(edge.url).port), '127.0.0.1');
    leader.on('error', () => {});
    leader.once('data', () => leader.destroy());
    leader.write('GET /lead-leaves HTTP/1.1\r\nHost: e\r\n\r\n');
    await sleep(50);
    const waiters = await Promise.all(Array.from({ length: 4 }, () => get(`${edge.url}/lead-leaves`)));
    expect(waiters.map((waiter) => [waiter.status, waiter.text.length])).toEqual(Array.from({ length: 4 }, () => [200, part.length * 5]));
    expect(origin.count('/lead-leaves')).toBe(1);
    await expectEdgeStillUp();
  });
});
