import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { STATUS_CODES, createServer } from 'node:http';
import express from 'express';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { originErrorHandler } from '../src/origin/error-handler.ts';
import { startOrigin, type RunningOrigin } from '../src/origin/server.ts';
import { closeServer, listen } from '../src/net/listen.ts';

const TOKEN = 'hardening-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let dataDir: string;
let origin: RunningOrigin;

async function call(method: string, pathname: string, options: { headers?: Record<string, string>; body?: string } = {}) {
  const response = await request(`${origin.url}${pathname}`, {
    method: method as 'GET',
    headers: options.headers,
    body: options.body,
    headersTimeout: 10_000,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** Sends a head exactly as written (no client library normalises it) and reads the whole answer. */
function raw(head: string, body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(origin.url).port), '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => (data += chunk));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(head)}`)));
    socket.write(`${head}\r\nConnection: close\r\n\r\n${body}`);
  });
}

function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1] ?? 0);
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'cdnsim-origin-hardening-'));
  origin = await startOrigin({ port: 0, host: '127.0.0.1', dataDir, maxObjectBytes: 64 * 1024, adminToken: TOKEN });
});
afterAll(async () => {
  await origin?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('origin: bad percent-encoding is the client\'s error', () => {
  it.each([
    ['GET', '/gen/%zz'],
    ['HEAD', '/gen/%zz'],
    ['PUT', '/gen/%zz'],
    ['DELETE', '/gen/%zz'],
    ['POST', '/gen/%E0%A4%A'],
    ['GET', '/gen/%zz/more'],
    ['GET', '/site/%zz'],
    ['HEAD', '/site/%zz'],
    ['PUT', '/site/%zz'],
    ['DELETE', '/site/%zz'],
    ['GET', '/%E0%A4%A'],
  ])('%s %s answers 400 with a short body', async (method, target) => {
    const response = await call(method, target, { headers: AUTH, body: method === 'PUT' || method === 'POST' ? 'x' : undefined });
    expect(response.status).toBe(400);
    if (method !== 'HEAD') expect(response.text).toMatch(/^Bad Request: .{1,120}\n$/);
  });

  it('never answers 500 to a malformed request, and stays up', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const heads = [
        'GET /gen/%zz HTTP/1.1\r\nHost: o',
        'GET /gen/1?bytes=%zz HTTP/1.1\r\nHost: o',
        'GET /gen/1?%zz=%zz&bytes=10 HTTP/1.1\r\nHost: o',
        'GET http://o/gen/%zz HTTP/1.1\r\nHost: o',
        'GET http://[/gen/1 HTTP/1.1\r\nHost: o',
        'GET http://o:99999/gen/1 HTTP/1.1\r\nHost: o',
        'GET //[/gen/1 HTTP/1.1\r\nHost: o',
        'GET * HTTP/1.1\r\nHost: o',
        'OPTIONS * HTTP/1.1\r\nHost: o',
        'GET gen/1 HTTP/1.1\r\nHost: o',
        'GET /gen/1 HTTP/1.1\r\nHost: o\r\nRange: bytes=abc',
        'GET /gen/1 HTTP/1.1\r\nHost: o\r\nRange: bytes=9-1',
        'GET /gen/1 HTTP/1.1\r\nHost: o\r\nIf-Modified-Since: yesterday',
        'GET /gen/1 HTTP/1.1\r\nHost: o\r\nIf-Range: %zz',
        `PUT /site/%zz HTTP/1.1\r\nHost: o\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 1`,
        `PUT /site/x HTTP/1.1\r\nHost: o\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 1\r\nIf-Match: ,,,`,
        `PUT /site/y HTTP/1.1\r\nHost: o\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 1\r\nContent-Type: `,
        `DELETE /site/%zz HTTP/1.1\r\nHost: o\r\nAuthorization: Bearer ${TOKEN}`,
        `POST /_cdn/health HTTP/1.1\r\nHost: o\r\nContent-Type: application/json\r\nContent-Length: 5`,
      ];
      for (const head of heads) {
        const answer = await raw(head, head.includes('Content-Length: 5') ? '{"a":' : head.includes('Content-Length: 1') ? 'x' : '');
        const status = statusOf(answer);
        expect(status, head).toBeGreaterThanOrEqual(200);
        expect(status, head).toBeLessThan(500);
      }
      expect(errors).not.toHaveBeenCalled();
      expect((await call('GET', '/_cdn/health')).status).toBe(200);
    } finally {
      errors.mockRestore();
    }
  });
});

describe('origin: random request targets', () => {
  it('answers 400 generated targets (encodings, dots, brackets, reserved prefixes) with a 2xx-4xx, never a 500', async () => {
    // A fixed-seed generator, so a failure names a target that reproduces.
    let seed = 13;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pieces = ['%', '%z', '%zz', '%2', '%2F', '%2e', '%00', '%C3%A9', '%E0%A4%A', '%ff', '.', '..', '/', '//', 'gen/', 'GEN', '_cdn/', 'metrics', 'a', '~', ':', '@', '[', ']', '?', '?bytes=%zz', '&', '=', ';', '+', '*', '!', "'"];
    const methods = ['GET', 'HEAD', 'PUT', 'DELETE', 'POST'];
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      for (let i = 0; i < 400; i++) {
        let target = '/';
        for (let n = 1 + next(6); n > 0; n--) target += pieces[next(pieces.length)];
        const method = methods[next(methods.length)]!;
        const head = `${method} ${target} HTTP/1.1\r\nHost: o\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 1`;
        const status = statusOf(await raw(head, 'x'));
        expect(status, `${method} ${target}`).toBeGreaterThanOrEqual(200);
        expect(status, `${method} ${target}`).toBeLessThan(500);
      }
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  }, 30_000);
});

describe('origin: routes and object keys are both case-sensitive', () => {
  it('stores /METRICS and /_CDN/health as objects and keeps serving its own /metrics and /_cdn/health', async () => {
    for (const key of ['/METRICS', '/_CDN/health', '/GEN/x']) {
      expect((await call('PUT', key, { headers: { ...AUTH, 'content-type': 'text/plain' }, body: `object ${key}` })).status).toBe(201);
      const stored = await call('GET', key);
      expect(stored.status).toBe(200);
      expect(stored.text).toBe(`object ${key}`);
    }
    expect((await call('GET', '/metrics')).text).toMatch(/cdn_origin_requests_total/);
    expect(JSON.parse((await call('GET', '/_cdn/health')).text)).toMatchObject({ status: 'ok', role: 'origin' });
    expect((await call('GET', '/gen/x?bytes=3')).text).toHaveLength(3);
  });

  it('still refuses the exact reserved names, raw or percent-encoded', async () => {
    for (const key of ['/metrics', '/_cdn/health', '/%6detrics', '/%5Fcdn/x', '/%67en/x']) {
      const response = await call('PUT', key, { headers: AUTH, body: 'x' });
      expect(response.status, key).toBeGreaterThanOrEqual(400);
      expect(response.status, key).toBeLessThan(500);
    }
    expect((await call('GET', '/%6detrics')).status).toBe(404);
  });

  it('keeps /Site/a and /site/a as two objects (S3 semantics)', async () => {
    await call('PUT', '/Site/a', { headers: AUTH, body: 'upper' });
    await call('PUT', '/site/a', { headers: AUTH, body: 'lower' });
    expect((await call('GET', '/Site/a')).text).toBe('upper');
    expect((await call('GET', '/site/a')).text).toBe('lower');
    expect((await call('DELETE', '/SITE/A', { headers: AUTH })).status).toBe(404);
  });
});

describe('origin error handler', () => {
  it('answers a client error with its 4xx and a fixed line, and logs only real bugs as 500', async () => {
    const app = express();
    app.get('/too-large', () => {
      // The shape body parsers (http-errors) give their errors; the message may echo the request.
      throw Object.assign(new Error('request entity too large: <script>'), { status: 413, expose: true });
    });
    app.get('/bad-json', () => {
      throw Object.assign(new SyntaxError('Unexpected token } in JSON'), { statusCode: 400 });
    });
    app.get('/bug', () => {
      throw new TypeError('undefined is not a function');
    });
    app.use(originErrorHandler);
    const server = createServer(app);
    const port = await listen(server, 0, '127.0.0.1');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const answer = async (pathname: string) => {
        const response = await request(`http://127.0.0.1:${port}${pathname}`, { headersTimeout: 5_000 });
        return { status: response.statusCode, text: await response.body.text() };
      };
      expect(await answer('/too-large')).toEqual({ status: 413, text: `${STATUS_CODES[413]}\n` });
      expect(await answer('/bad-json')).toEqual({ status: 400, text: 'Bad Request\n' });
      expect(errors).not.toHaveBeenCalled();
      expect(await answer('/bug')).toEqual({ status: 500, text: 'Internal Server Error\n' });
      expect(errors).toHaveBeenCalledTimes(1);
    } finally {
      errors.mockRestore();
      await closeServer(server);
    }
  });
});
