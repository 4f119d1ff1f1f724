import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeHooks } from '../src/edge/hooks.ts';
import { startEdge, type RunningEdge } from '../src/edge/server.ts';
import { startScriptedOrigin } from './helpers/scripted-origin.ts';

type Origin = Awaited<ReturnType<typeof startScriptedOrigin>>;

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers, headersTimeout: 5_000, bodyTimeout: 5_000 });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/**
 * A test-only edge function: /old/... is served as /new/... (viewer-request), a request for
 * /blocked is answered at the edge, and every answer names the function (viewer-response).
 */
const hooks: EdgeHooks = {
  viewerRequest(req) {
    if (req.url === '/blocked') return { status: 403, headers: { 'content-type': 'text/plain' }, body: 'blocked by the edge function\n' };
    if (req.url.startsWith('/old/')) req.url = `/new/${req.url.slice('/old/'.length)}`;
  },
  viewerResponse(res, req) {
    res.headers['x-edge-function'] = `saw ${req.url}`;
  },
};

let origin: Origin;
let withHooks: RunningEdge;
let plain: RunningEdge;

beforeAll(async () => {
  origin = await startScriptedOrigin();
  origin.on('/new/page', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' }).end('the new page\n');
  });
  const options = { region: 'test', host: '127.0.0.1', port: 0, originUrl: origin.url, maxSize: 1_000_000, maxObjectBytes: 100_000, originRoundTripMs: 0, adminToken: undefined };
  [withHooks, plain] = await Promise.all([
    startEdge({ ...options, id: 'hooked', hooks }),
    startEdge({ ...options, id: 'plain' }),
  ]);
});
afterAll(async () => {
  await Promise.all([withHooks?.close(), plain?.close()]);
  await origin?.close();
});

describe('edge function hook points', () => {
  it('fetches, keys and answers the URL a viewer-request hook rewrote, with the viewer-response header on miss and hit', async () => {
    const first = await get(`${withHooks.url}/old/page`);
    expect(first.status).toBe(200);
    expect(first.text).toBe('the new page\n');
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['x-edge-function']).toBe('saw /new/page');
    expect(origin.seen.filter((seen) => seen.url === '/old/page')).toEqual([]);

    // Keyed by the rewritten URL: the old and the new spelling are one object.
    const second = await get(`${withHooks.url}/new/page`);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers['x-edge-function']).toBe('saw /new/page');
    expect(origin.count('/new/page')).toBe(1);
  });

  it('sends a viewer-request hook answer without asking the cache or the origin', async () => {
    const before = origin.seen.length;
    const answer = await get(`${withHooks.url}/blocked`);
    expect(answer.status).toBe(403);
    expect(answer.text).toBe('blocked by the edge function\n');
    expect(answer.headers['x-edge-function']).toBe('saw /blocked');
    expect(origin.seen.length).toBe(before);
  });

  it('changes nothing on an edge without hooks', async () => {
    const response = await get(`${plain.url}/old/page`);
    expect(response.status).toBe(404);
    expect(response.headers['x-edge-function']).toBeUndefined();
  });
});
