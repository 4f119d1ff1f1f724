import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type RunningEdge } from '../src/edge/server.ts';
import type { FunctionSpec } from '../src/functions/types.ts';
import { startScriptedOrigin } from './helpers/scripted-origin.ts';

type Origin = Awaited<ReturnType<typeof startScriptedOrigin>>;

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

function counter(metrics: string, name: string, labels: Record<string, string>): number {
  const line = metrics.split('\n').find((text) => text.startsWith(`${name}{`) && Object.entries(labels).every(([key, value]) => text.includes(`${key}="${value}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** CloudFront Functions: directory URLs get index.html, /go/ redirects, /boom throws, /spin never ends, and the viewer's address is echoed. */
const CLOUDFRONT_VIEWER = `function handler(event) {
  var request = event.request;
  if (request.uri === '/boom') throw new Error('the function broke');
  if (request.uri === '/spin') { while (true) {} }
  if (request.uri.indexOf('/go/') === 0) {
    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: 'https://example.test' + request.uri.slice(3) } } };
  }
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  request.headers['x-viewer-ip'] = { value: event.viewer.ip };
  return request;
}`;

const CLOUDFRONT_RESPONSE = `function handler(event) {
  var response = event.response;
  response.headers['x-frame-options'] = { value: 'DENY' };
  return response;
}`;

/**
 * Lambda@Edge on all four triggers: viewer-request rewrites /v/ to /new/; origin-request sends
 * /moved/ to /new/ and answers /generated itself (cacheable); origin-response gives a
 * Cache-Control to responses without one; viewer-response adds a header. /throw fails at the
 * origin request, /invalid returns a bad status, /slow never answers.
 */
const LAMBDA_ALL = `export const handler = async (event) => {
  const cf = event.Records[0].cf;
  const type = cf.config.eventType;
  if (type === 'viewer-request') {
    const request = cf.request;
    if (request.uri === '/slow') await new Promise(() => {});
    if (request.uri.startsWith('/v/')) request.uri = '/new/' + request.uri.slice(3);
    return request;
  }
  if (type === 'origin-request') {
    const request = cf.request;
    if (request.uri === '/throw') throw new Error('origin-request broke');
    if (request.uri === '/invalid') return { status: '99' };
    if (request.uri === '/generated') {
      return { status: '200', headers: { 'cache-control': [{ key: 'Cache-Control', value: 'max-age=60' }], 'content-type': [{ key: 'Content-Type', value: 'text/plain' }] }, body: 'made at the edge' };
    }
    if (request.uri.startsWith('/moved/')) request.uri = '/new/' + request.uri.slice(7);
    if (request.uri === '/origin-seen') {
      return { status: '200', headers: { 'cache-control': [{ key: 'Cache-Control', value: 'no-store' }] }, body: JSON.stringify(request.origin.custom) };
    }
    if (request.uri.startsWith('/prefixed/')) {
      request.origin.custom.path = '/new';
      request.uri = request.uri.slice('/prefixed'.length);
    }
    if (request.uri === '/elsewhere') request.origin.custom.domainName = 'example.com';
    return request;
  }
  if (type === 'origin-response') {
    const response = cf.response;
    if (!response.headers['cache-control']) response.headers['cache-control'] = [{ key: 'Cache-Control', value: 'max-age=30' }];
    return response;
  }
  if (cf.request.uri === '/new/vr-throw') throw new Error('viewer-response broke');
  const response = cf.response;
  response.headers['x-lambda'] = [{ key: 'X-Lambda', value: 'viewer-response' }];
  return response;
};`;

let dir: string;
let origin: Origin;
let cloudfront: RunningEdge;
let lambda: RunningEdge;
let plain: RunningEdge;

async function fileWith(name: string, source: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, source);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdnsim-edge-functions-'));
  origin = await startScriptedOrigin();
  const page = (text: string, cacheControl: string | null = 'max-age=60') => (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain', ...(cacheControl ? { 'cache-control': cacheControl } : {}) }).end(text);
  };
  origin.on('/docs/index.html', page('the docs index'));
  origin.on('/page', page('a plain page'));
  origin.on('/new/thing', page('the new thing'));
  origin.on('/bare', page('no cache-control here', null));
  origin.on('/throw', page('never reached'));
  origin.on('/invalid', page('never reached'));
  const cfSpecs: FunctionSpec[] = [
    { id: 'cf-viewer', file: await fileWith('viewer.js', CLOUDFRONT_VIEWER), runtime: 'cloudfront-js', triggers: ['viewer-request'] },
    { id: 'cf-headers', file: await fileWith('headers.js', CLOUDFRONT_RESPONSE), runtime: 'cloudfront-js', triggers: ['viewer-response'] },
  ];
  const lambdaSpecs: FunctionSpec[] = [
    {
      id: 'lambda-all',
      file: await fileWith('all.mjs', LAMBDA_ALL),
      runtime: 'lambda-node',
      triggers: ['viewer-request', 'origin-request', 'origin-response', 'viewer-response'],
      viewerTimeoutMs: 300,
    },
  ];
  const options = { region: 'test', host: '127.0.0.1', port: 0, originUrl: origin.url, maxSize: 1_000_000, maxObjectBytes: 100_000, originRoundTripMs: 0, adminToken: 'token' };
  [cloudfront, lambda, plain] = await Promise.all([
    // The header the function adds goes to the origin only as an origin request policy lets it.
    startEdge({ ...options, id: 'cf', functions: cfSpecs, originRequestHeaders: ['x-viewer-ip'] }),
    startEdge({ ...options, id: 'lam', functions: lambdaSpecs }),
    startEdge({ ...options, id: 'plain' }),
  ]);
}, 30_000);

afterAll(async () => {
  await Promise.all([cloudfront?.close(), lambda?.close(), plain?.close()]);
  await origin?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('cloudfront-js functions at the edge', () => {
  it('keys the cache by the URL a viewer-request function rewrote: MISS, then HIT for the rewritten URL itself', async () => {
    const first = await get(`${cloudfront.url}/docs/`);
    expect(first.status).toBe(200);
    expect(first.text).toBe('the docs index');
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['x-frame-options']).toBe('DENY');
    expect(String(first.headers['server-timing'])).toMatch(/fn-viewer-request;dur=\d+\.\d{3}/);
    expect(String(first.headers['server-timing'])).toMatch(/fn-viewer-response;dur=\d+\.\d{3}/);
    const direct = await get(`${cloudfront.url}/docs/index.html`);
    expect(direct.headers['x-cache']).toBe('HIT');
    // The viewer-response function runs on hits too.
    expect(direct.headers['x-frame-options']).toBe('DENY');
    expect(origin.count('/docs/index.html')).toBe(1);
    expect(origin.count('/docs/')).toBe(0);
    // The function saw the socket's address (no CloudFront-Viewer-Address was sent).
    expect(origin.seen.find((seen) => seen.url === '/docs/index.html')?.headers['x-viewer-ip']).toMatch(/127\.0\.0\.1/);
  });

  it('answers with a generated response, named FunctionGeneratedResponse, on which no viewer-response function runs', async () => {
    const before = origin.seen.length;
    const answer = await get(`${cloudfront.url}/go/somewhere`);
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('https://example.test/somewhere');
    expect(answer.headers['x-cache']).toBe('FunctionGeneratedResponse');
    expect(answer.headers['cache-status']).toBe('cdnsim-cf; fwd=bypass; detail=function-generated');
    expect(answer.headers['x-frame-options']).toBeUndefined();
    expect(origin.seen.length).toBe(before);
  });

  it('answers a throwing function with 503 FunctionExecutionError while other requests still HIT', async () => {
    await get(`${cloudfront.url}/page`);
    const broken = await get(`${cloudfront.url}/boom`);
    expect(broken.status).toBe(503);
    expect(broken.headers['x-cache']).toBe('FunctionExecutionError');
    expect(broken.headers['cache-status']).toMatch(/detail=function-error/);
    expect(broken.text).toMatch(/viewer-request function cf-viewer/);
    const fine = await get(`${cloudfront.url}/page`);
    expect(fine.status).toBe(200);
    expect(fine.headers['x-cache']).toBe('HIT');
  });

  it('stops an infinite loop within its compute budget (503 FunctionThrottledError) and runs the next request', async () => {
    const started = performance.now();
    const spun = await get(`${cloudfront.url}/spin`);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(spun.status).toBe(503);
    expect(spun.headers['x-cache']).toBe('FunctionThrottledError');
    expect(spun.headers['cache-status']).toMatch(/detail=function-timeout/);
    const after = await get(`${cloudfront.url}/page`);
    expect(after.headers['x-cache']).toBe('HIT');
  });

  it('runs no viewer-response function on an origin status of 400 or more, as CloudFront', async () => {
    const missing = await get(`${cloudfront.url}/not-there`);
    expect(missing.status).toBe(404);
    expect(missing.headers['x-frame-options']).toBeUndefined();
    expect(String(missing.headers['server-timing'])).not.toMatch(/fn-viewer-response/);
  });

  it('believes CloudFront-Viewer-Address from a trusted peer (loopback, the router)', async () => {
    await get(`${cloudfront.url}/docs/?viewer`, { 'cloudfront-viewer-address': '203.0.113.9:50123' });
    expect(origin.seen.at(-1)?.headers['x-viewer-ip']).toBe('203.0.113.9');
  });

  it('counts invocations by function, trigger and outcome, and the answers by X-Cache name', async () => {
    const metrics = (await get(`${cloudfront.url}/metrics`)).text;
    expect(counter(metrics, 'cdn_edge_function_invocations_total', { function: 'cf-viewer', trigger: 'viewer-request', outcome: 'generated' })).toBe(1);
    expect(counter(metrics, 'cdn_edge_function_invocations_total', { function: 'cf-viewer', trigger: 'viewer-request', outcome: 'error' })).toBe(1);
    expect(counter(metrics, 'cdn_edge_function_invocations_total', { function: 'cf-viewer', trigger: 'viewer-request', outcome: 'timeout' })).toBe(1);
    expect(counter(metrics, 'cdn_edge_function_invocations_total', { function: 'cf-viewer', trigger: 'viewer-request', outcome: 'ok' })).toBeGreaterThanOrEqual(5);
    expect(counter(metrics, 'cdn_edge_requests_total', { cache_status: 'FunctionExecutionError' })).toBe(1);
    expect(counter(metrics, 'cdn_edge_requests_total', { cache_status: 'FunctionGeneratedResponse' })).toBe(1);
    expect(metrics).toMatch(/cdn_edge_function_duration_seconds_count\{function="cf-viewer",trigger="viewer-request"\} \d+/);
  });
});

describe('lambda-node functions at the edge', () => {
  it('runs viewer-request (rewrite), origin-request, origin-response and viewer-response, origin triggers on the miss only', async () => {
    const first = await get(`${lambda.url}/v/thing`);
    expect(first.status).toBe(200);
    expect(first.text).toBe('the new thing');
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['x-lambda']).toBe('viewer-response');
    const again = await get(`${lambda.url}/new/thing`);
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.headers['x-lambda']).toBe('viewer-response');
    expect(origin.count('/new/thing')).toBe(1);
    const metrics = (await get(`${lambda.url}/metrics`)).text;
    const labels = { function: 'lambda-all', outcome: 'ok' };
    expect(counter(metrics, 'cdn_edge_function_invocations_total', { ...labels, trigger: 'viewer-request' })).toBe(2);
    expect(counter(metrics, 'cdn_edge_function_invocations_total', { ...labels, trigger: 'origin-request' })).toBe(1);
    expect(counter(metrics, 'cdn_edge_function_invocations_total', { ...labels, trigger: 'origin-response' })).toBe(1);
    expect(counter(metrics, 'cdn_edge_function_invocations_total', { ...labels, trigger: 'viewer-response' })).toBe(2);
  });

  it('sends the origin the path an origin-request function chose', async () => {
    const moved = await get(`${lambda.url}/moved/thing?x=1`);
    expect(moved.text).toBe('the new thing');
    expect(origin.seen.at(-1)?.url).toBe('/new/thing?x=1');
  });

  it("shows an origin-request function the edge's origin as origin.custom, with no path of its own", async () => {
    const seen = JSON.parse((await get(`${lambda.url}/origin-seen`)).text) as Record<string, unknown>;
    const url = new URL(origin.url);
    expect(seen).toMatchObject({ domainName: url.hostname, port: Number(url.port), protocol: 'http', path: '' });
  });

  it('puts the origin path an origin-request function set before the uri, as CloudFront does', async () => {
    const prefixed = await get(`${lambda.url}/prefixed/thing?y=2`);
    expect([prefixed.status, prefixed.text]).toEqual([200, 'the new thing']);
    expect(origin.seen.at(-1)?.url).toBe('/new/thing?y=2');
  });

  it('refuses an origin-request function that names another origin with 502 LambdaValidationError, counted invalid-result', async () => {
    const before = counter((await get(`${lambda.url}/metrics`)).text, 'cdn_edge_function_invocations_total', { function: 'lambda-all', trigger: 'origin-request', outcome: 'invalid-result' });
    const elsewhere = await get(`${lambda.url}/elsewhere`);
    expect(elsewhere.status).toBe(502);
    expect(elsewhere.headers['x-cache']).toBe('LambdaValidationError');
    expect(elsewhere.headers['cache-status']).toMatch(/detail=function-invalid-result/);
    const after = counter((await get(`${lambda.url}/metrics`)).text, 'cdn_edge_function_invocations_total', { function: 'lambda-all', trigger: 'origin-request', outcome: 'invalid-result' });
    expect(after).toBe(before + 1);
    expect(origin.count('/elsewhere')).toBe(0);
  });

  it('stores what an origin-response function made cacheable', async () => {
    const first = await get(`${lambda.url}/bare`);
    expect(first.headers['cache-control']).toBe('max-age=30');
    expect(first.headers['x-cache']).toBe('MISS');
    expect((await get(`${lambda.url}/bare`)).headers['x-cache']).toBe('HIT');
    expect(origin.count('/bare')).toBe(1);
  });

  it("caches an origin-request function's generated response per its Cache-Control, as CloudFront does", async () => {
    const first = await get(`${lambda.url}/generated`);
    expect(first.status).toBe(200);
    expect(first.text).toBe('made at the edge');
    expect(first.headers['x-cache']).toBe('LambdaGeneratedResponse');
    expect(first.headers['cache-status']).toMatch(/detail=function-generated/);
    const second = await get(`${lambda.url}/generated`);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.text).toBe('made at the edge');
    expect(origin.count('/generated')).toBe(0);
  });

  it('answers a thrown error with 503 LambdaExecutionError, a bad result with 502 LambdaValidationError, and caches neither', async () => {
    const thrown = await get(`${lambda.url}/throw`);
    expect(thrown.status).toBe(503);
    expect(thrown.headers['x-cache']).toBe('LambdaExecutionError');
    expect(thrown.headers['cache-status']).toMatch(/detail=function-error/);
    const invalid = await get(`${lambda.url}/invalid`);
    expect(invalid.status).toBe(502);
    expect(invalid.headers['x-cache']).toBe('LambdaValidationError');
    expect((await get(`${lambda.url}/throw`)).headers['x-cache']).toBe('LambdaExecutionError');
    expect(origin.count('/throw') + origin.count('/invalid')).toBe(0);
    expect((await get(`${lambda.url}/new/thing`)).headers['x-cache']).toBe('HIT');
  });

  it('answers a function over its time limit with 503 LambdaLimitExceeded', async () => {
    const started = performance.now();
    const slow = await get(`${lambda.url}/slow`);
    expect(slow.status).toBe(503);
    expect(slow.headers['x-cache']).toBe('LambdaLimitExceeded');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect((await get(`${lambda.url}/new/thing`)).headers['x-cache']).toBe('HIT');
  }, 15_000);

  it('answers a failed viewer-response function in place of a streamed miss, which is still stored, and counts the request once', async () => {
    origin.on('/new/vr-throw', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' }).end('stored anyway');
    });
    const countOf = async (status: string) => counter((await get(`${lambda.url}/metrics`)).text, 'cdn_edge_requests_total', { cache_status: status });
    const [missesBefore, failuresBefore] = [await countOf('miss'), await countOf('LambdaExecutionError')];
    const first = await get(`${lambda.url}/new/vr-throw`);
    expect(first.status).toBe(503);
    expect(first.headers['x-cache']).toBe('LambdaExecutionError');
    expect(first.text).toMatch(/viewer-response function lambda-all/);
    const second = await get(`${lambda.url}/new/vr-throw`);
    expect(second.status).toBe(503);
    expect(origin.count('/new/vr-throw')).toBe(1);
    expect(await countOf('miss')).toBe(missesBefore);
    expect(await countOf('LambdaExecutionError')).toBe(failuresBefore + 2);
  });

  it('collapses concurrent misses onto one origin fetch with functions on every trigger', async () => {
    origin.on('/new/collapsed', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' }).end('once');
    });
    const answers = await Promise.all(Array.from({ length: 5 }, () => get(`${lambda.url}/v/collapsed`)));
    expect(answers.map((answer) => answer.text)).toEqual(Array(5).fill('once'));
    expect(origin.count('/new/collapsed')).toBe(1);
  });
});

describe('an edge without functions', () => {
  it('lists no functions and answers as before', async () => {
    const listed = await get(`${plain.url}/_cdn/functions`);
    expect(JSON.parse(listed.text)).toEqual({ edge: 'plain', functions: [] });
    await get(`${plain.url}/page`);
    const hit = await get(`${plain.url}/page`);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(String(hit.headers['server-timing'])).not.toMatch(/fn-/);
  });
});
