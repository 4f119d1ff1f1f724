import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkLambdaSource, loadLambdaFunction, type LambdaRuntimeOptions } from '../src/functions/lambda-node/runtime.ts';
import type { FunctionRequest, FunctionSpec, Invocation, LoadedFunction, Trigger } from '../src/functions/types.ts';

/** Real worker threads, real modules on disk: each case writes its handler and loads it as the edge would. */
let dir: string;
const loaded: LoadedFunction[] = [];
let fileCount = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cdnsim-lambda-test-'));
});

// Each case's workers go when it ends, so that a slow machine does not hold twenty pools at once.
afterEach(async () => {
  await Promise.all(loaded.splice(0).map((fn) => fn.close()));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(source: string, name = `fn${++fileCount}.mjs`): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, source);
  return file;
}

async function load(source: string, triggers: Trigger[], extra: Partial<FunctionSpec> = {}, options: LambdaRuntimeOptions = {}): Promise<LoadedFunction> {
  const file = await write(source);
  const spec: FunctionSpec = { id: `fn${fileCount}`, file, runtime: 'lambda-node', triggers, ...extra };
  const fn = await loadLambdaFunction(spec, source, 1, { onLog: () => {}, ...options });
  loaded.push(fn);
  return fn;
}

const request: FunctionRequest = {
  method: 'GET',
  uri: '/docs/',
  querystring: 'a=1',
  headers: { host: ['edge.test'], 'user-agent': ['vitest'], accept: ['*/*'] },
  clientIp: '203.0.113.7',
};
const context = { edgeId: 'iad', requestId: 'req-1' };

function viewerRequest(over: Partial<FunctionRequest> = {}): Invocation {
  return { trigger: 'viewer-request', request: { ...request, ...over }, context };
}

function responseInvocation(trigger: 'origin-response' | 'viewer-response'): Invocation {
  return { trigger, request, response: { status: 200, headers: { 'content-type': ['text/html'], 'content-length': ['5'] } }, context };
}

describe('lambda-node: results', () => {
  it('rewrites the uri of a viewer request', async () => {
    const fn = await load(`export const handler = async (event) => {
      const request = event.Records[0].cf.request;
      if (request.uri.endsWith('/')) request.uri += 'index.html';
      return request;
    };`, ['viewer-request']);
    const result = await fn.invoke(viewerRequest());
    expect(result).toEqual({ kind: 'request', request: { ...request, uri: '/docs/index.html' } });
  });

  it('sees the documented event shape (config, request with {key, value} headers; origin on origin triggers)', async () => {
    const fn = await load(`export async function handler(event) {
      const cf = event.Records[0].cf;
      return { status: '200', body: JSON.stringify(cf) };
    }`, ['viewer-request', 'origin-request']);
    const viewer = await fn.invoke(viewerRequest());
    expect(viewer.kind).toBe('response');
    const cf = JSON.parse((viewer as { response: { body: string } }).response.body);
    expect(cf.config).toEqual({ distributionDomainName: 'iad.cdnsim.test', distributionId: 'IAD', eventType: 'viewer-request', requestId: 'req-1' });
    expect(cf.request.headers['user-agent']).toEqual([{ key: 'User-Agent', value: 'vitest' }]);
    expect(cf.request).toMatchObject({ clientIp: '203.0.113.7', method: 'GET', querystring: 'a=1', uri: '/docs/' });
    expect(cf.request.origin).toBeUndefined();
    const origin = await fn.invoke({ trigger: 'origin-request', request: { ...request, origin: { domainName: 'origin.test', port: 8080, protocol: 'http', path: '' } }, context });
    const ocf = JSON.parse((origin as { response: { body: string } }).response.body);
    expect(ocf.config.eventType).toBe('origin-request');
    expect(ocf.request.origin.custom).toMatchObject({ domainName: 'origin.test', port: 8080, protocol: 'http', path: '' });
  });

  it('points an origin request at another origin path', async () => {
    const fn = await load(`export const handler = async (event) => {
      const request = event.Records[0].cf.request;
      request.origin.custom.path = '/v2';
      return request;
    };`, ['origin-request']);
    const result = await fn.invoke({ trigger: 'origin-request', request: { ...request, origin: { domainName: 'origin.test', port: 80, protocol: 'http', path: '' } }, context });
    expect(result.kind === 'request' && result.request.origin).toEqual({ domainName: 'origin.test', port: 80, protocol: 'http', path: '/v2' });
  });

  it('adds a header on both response triggers', async () => {
    const fn = await load(`export const handler = async (event) => {
      const { response, config } = event.Records[0].cf;
      response.headers['x-seen-by'] = [{ key: 'X-Seen-By', value: config.eventType + ' ' + response.status }];
      return response;
    };`, ['origin-response', 'viewer-response']);
    for (const trigger of ['origin-response', 'viewer-response'] as const) {
      const result = await fn.invoke(responseInvocation(trigger));
      expect(result).toMatchObject({ kind: 'response', response: { status: 200, statusDescription: 'OK' } });
      expect(result.kind === 'response' && result.response.headers['x-seen-by']).toEqual([`${trigger} 200`]);
    }
  });

  it('generates a response from a request trigger (text and base64 bodies)', async () => {
    const fn = await load(`export const handler = async (event) => {
      const uri = event.Records[0].cf.request.uri;
      if (uri === '/bin') return { status: '200', bodyEncoding: 'base64', body: Buffer.from([0, 1, 2]).toString('base64') };
      return { status: '302', statusDescription: 'Found', headers: { location: [{ key: 'Location', value: 'https://example.test/' }] } };
    };`, ['viewer-request']);
    expect(await fn.invoke(viewerRequest())).toEqual({
      kind: 'response',
      response: { status: 302, statusDescription: 'Found', headers: { location: ['https://example.test/'] } },
    });
    expect(await fn.invoke(viewerRequest({ uri: '/bin' }))).toEqual({ kind: 'response', response: { status: 200, headers: {}, body: 'AAEC', bodyEncoding: 'base64' } });
  });

  it('waits on an async handler that awaits, and on a callback-style one', async () => {
    const awaiting = await load(`export const handler = async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      const request = event.Records[0].cf.request;
      request.headers['x-waited'] = [{ key: 'X-Waited', value: 'yes' }];
      return request;
    };`, ['viewer-request']);
    const result = await awaiting.invoke(viewerRequest());
    expect(result.kind === 'request' && result.request.headers['x-waited']).toEqual(['yes']);
    const callback = await load(`export function handler(event, context, callback) {
      setTimeout(() => callback(null, { status: '204', headers: { 'x-request-id': [{ key: 'X-Request-Id', value: context.awsRequestId }] } }), 10);
    }`, ['viewer-request']);
    expect(await callback.invoke(viewerRequest())).toEqual({ kind: 'response', response: { status: 204, headers: { 'x-request-id': ['req-1'] } } });
  });

  it('answers a throw, a rejection and an error passed to the callback with error', async () => {
    const fn = await load(`export const handler = async (event, context) => {
      const uri = event.Records[0].cf.request.uri;
      if (uri === '/throw') throw new TypeError('boom');
      if (uri === '/reject') return Promise.reject(new Error('nope'));
      return event.Records[0].cf.request;
    };`, ['viewer-request']);
    expect(await fn.invoke(viewerRequest({ uri: '/throw' }))).toEqual({ kind: 'failure', reason: 'error', message: 'TypeError: boom' });
    expect(await fn.invoke(viewerRequest({ uri: '/reject' }))).toEqual({ kind: 'failure', reason: 'error', message: 'Error: nope' });
    expect((await fn.invoke(viewerRequest())).kind).toBe('request');
    const callback = await load(`export function handler(event, context, callback) { callback(new Error('via callback')); }`, ['viewer-request']);
    expect(await callback.invoke(viewerRequest())).toMatchObject({ kind: 'failure', reason: 'error', message: 'Error: via callback' });
  });

  it('refuses invalid results', async () => {
    const fn = await load(`export const handler = async (event) => {
      const { request, response } = event.Records[0].cf;
      switch (request.uri) {
        case '/nothing': return undefined;
        case '/status': return { status: '99' };
        case '/headers': return { status: '200', headers: { 'x-a': { key: 'X-A', value: 'not a list' } } };
        case '/upper': request.headers['X-Up'] = [{ value: 'v' }]; return request;
        case '/host': request.headers.host = [{ key: 'Host', value: 'evil.test' }]; return request;
        case '/via': request.headers.via = [{ key: 'Via', value: '1.1 me' }]; return request;
        case '/method': request.method = 'POST'; return request;
        case '/cycle': { const a = {}; a.a = a; return a; }
        case '/b64': return { status: '200', bodyEncoding: 'base64', body: 'not base64!' };
        case '/resp-status': response.status = '500'; return response;
        case '/resp-length': response.headers['content-length'] = [{ key: 'Content-Length', value: '9' }]; return response;
      }
      return request;
    };`, ['viewer-request', 'viewer-response']);
    for (const uri of ['/nothing', '/status', '/headers', '/upper', '/host', '/via', '/method', '/cycle', '/b64']) {
      const result = await fn.invoke(viewerRequest({ uri }));
      expect(result.kind === 'failure' && result.reason, uri).toBe('invalid-result');
    }
    for (const uri of ['/resp-status', '/resp-length']) {
      const result = await fn.invoke({ ...responseInvocation('viewer-response'), request: { ...request, uri } } as Invocation);
      expect(result.kind === 'failure' && result.reason, uri).toBe('invalid-result');
    }
  });

  it('refuses a generated response over 40 KB on viewer triggers but takes it on origin triggers (up to 1 MB)', async () => {
    const fn = await load(`export const handler = async (event) => {
      const size = Number(event.Records[0].cf.request.querystring);
      return { status: '200', body: 'x'.repeat(size) };
    };`, ['viewer-request', 'origin-request']);
    const big = { querystring: String(50 * 1024) };
    expect(await fn.invoke(viewerRequest(big))).toMatchObject({ kind: 'failure', reason: 'size' });
    expect((await fn.invoke({ trigger: 'origin-request', request: { ...request, ...big }, context })).kind).toBe('response');
    expect(await fn.invoke({ trigger: 'origin-request', request: { ...request, querystring: String(1024 * 1024 + 1) }, context })).toMatchObject({ kind: 'failure', reason: 'size' });
    expect((await fn.invoke(viewerRequest({ querystring: String(30 * 1024) }))).kind).toBe('response');
  });
});

describe('lambda-node: isolation and limits', () => {
  it('stops an infinite loop within its time limit, and the next invocation works', async () => {
    const fn = await load(`export const handler = async (event) => {
      const request = event.Records[0].cf.request;
      if (request.uri === '/loop') while (true) {}
      return request;
    };`, ['viewer-request', 'origin-request'], { viewerTimeoutMs: 300, originTimeoutMs: 500 });
    let started = Date.now();
    expect(await fn.invoke(viewerRequest({ uri: '/loop' }))).toMatchObject({ kind: 'failure', reason: 'timeout' });
    const viewerElapsed = Date.now() - started;
    expect(viewerElapsed).toBeGreaterThanOrEqual(290);
    // The slack is for a loaded machine's late timer, not for the function.
    expect(viewerElapsed).toBeLessThan(300 + 2_500);
    started = Date.now();
    expect(await fn.invoke({ trigger: 'origin-request', request: { ...request, uri: '/loop' }, context })).toMatchObject({ kind: 'failure', reason: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(490);
    expect((await fn.invoke(viewerRequest())).kind).toBe('request');
  });

  it('answers a memory bomb with memory, replaces the worker, and leaves the edge heap alone', async () => {
    const fn = await load(`const hoard = [];
    export const handler = async (event) => {
      const request = event.Records[0].cf.request;
      if (request.uri === '/bomb') for (;;) hoard.push(new Array(100_000).fill(Math.random()));
      return request;
    };`, ['viewer-request'], { viewerTimeoutMs: 20_000 });
    const heapBefore = process.memoryUsage().heapUsed;
    const result = await fn.invoke(viewerRequest({ uri: '/bomb' }));
    expect(result).toMatchObject({ kind: 'failure', reason: 'memory' });
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024);
    expect((await fn.invoke(viewerRequest())).kind).toBe('request');
  });

  it('lets a function fetch from a loopback server', async () => {
    const server: Server = createServer((req, res) => res.end(`hello ${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const fn = await load(`export const handler = async () => {
        const answer = await fetch('http://127.0.0.1:${port}/from-fn', { signal: AbortSignal.timeout(2000) });
        return { status: String(answer.status), body: await answer.text() };
      };`, ['viewer-request']);
      expect(await fn.invoke(viewerRequest())).toEqual({ kind: 'response', response: { status: 200, headers: {}, body: 'hello /from-fn' } });
    } finally {
      server.close();
    }
  });

  it("cannot see the edge's globals or environment", async () => {
    (globalThis as Record<string, unknown>)['cdnsimEdgeSecret'] = 'cache contents';
    process.env['CDNSIM_TEST_SECRET'] = 'admin token';
    try {
      const fn = await load(`export const handler = async () => ({
        status: '200',
        body: JSON.stringify({ global: typeof globalThis.cdnsimEdgeSecret, env: process.env.CDNSIM_TEST_SECRET ?? null, region: process.env.AWS_REGION }),
      });`, ['viewer-request']);
      const result = await fn.invoke(viewerRequest());
      expect(result.kind === 'response' && JSON.parse(result.response.body ?? '')).toEqual({ global: 'undefined', env: null, region: 'us-east-1' });
    } finally {
      delete (globalThis as Record<string, unknown>)['cdnsimEdgeSecret'];
      delete process.env['CDNSIM_TEST_SECRET'];
    }
  });

  it('survives a function that exits its thread or throws later, and a crash is an error', async () => {
    const fn = await load(`export const handler = async (event) => {
      const request = event.Records[0].cf.request;
      if (request.uri === '/exit') process.exit(3);
      if (request.uri === '/late') { setTimeout(() => { throw new Error('late'); }, 0); await new Promise(() => {}); }
      return request;
    };`, ['viewer-request']);
    expect(await fn.invoke(viewerRequest({ uri: '/exit' }))).toMatchObject({ kind: 'failure', reason: 'error' });
    expect(await fn.invoke(viewerRequest({ uri: '/late' }))).toMatchObject({ kind: 'failure', reason: 'error', message: expect.stringContaining('late') });
    expect((await fn.invoke(viewerRequest())).kind).toBe('request');
  });

  it('runs overlapping invocations on the pool, and relative imports of the function resolve', async () => {
    await write(`export const greeting = 'from a sibling module';`, 'sibling.mjs');
    const fn = await load(`import { greeting } from './sibling.mjs';
    export const handler = async () => { await new Promise((r) => setTimeout(r, 200)); return { status: '200', body: greeting }; };`, ['viewer-request'], {}, { poolSize: 2 });
    const started = Date.now();
    const results = await Promise.all([fn.invoke(viewerRequest()), fn.invoke(viewerRequest())]);
    expect(results.map((r) => r.kind === 'response' && r.response.body)).toEqual(['from a sibling module', 'from a sibling module']);
    // Two workers: the second waited for a worker to start, not for the first's 200 ms.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("hands the function's console output to onLog, line by line, with its id", async () => {
    const lines: string[] = [];
    const fn = await load(`export const handler = async (event) => { console.log('saw', event.Records[0].cf.request.uri); console.error('and an error line'); return event.Records[0].cf.request; };`,
      ['viewer-request'], {}, { onLog: (id, line) => lines.push(`${id}: ${line}`) });
    expect((await fn.invoke(viewerRequest())).kind).toBe('request');
    await expect.poll(() => lines.length, { timeout: 5_000 }).toBe(2);
    expect(lines.sort()).toEqual([`${fn.spec.id}: and an error line`, `${fn.spec.id}: saw /docs/`]);
  });

  it('fails invoke after close', async () => {
    const fn = await load(`export const handler = async (e) => e.Records[0].cf.request;`, ['viewer-request']);
    await fn.close();
    expect(await fn.invoke(viewerRequest())).toMatchObject({ kind: 'failure', reason: 'error' });
  });
});

describe('lambda-node: loading and checking', () => {
  it('rejects a module that does not parse or has no handler', async () => {
    await expect(load(`export const handler = async (event) => {`, ['viewer-request'])).rejects.toThrow(/does not load.*SyntaxError/s);
    await expect(load(`export const handle = async () => ({})`, ['viewer-request'])).rejects.toThrow(/exports no function named handler/);
    await expect(load(`export const handler = 'not a function'`, ['viewer-request'])).rejects.toThrow(/exports no function named handler/);
  });

  it('loads an ES module and a CommonJS handler from .js files outside a "type": "module" package', async () => {
    const commonJsScope = await mkdtemp(join(tmpdir(), 'cdnsim-lambda-cjs-'));
    try {
      const file = join(commonJsScope, 'index.js');
      await writeFile(join(commonJsScope, 'lib.js'), `export const status = '201';`);
      await writeFile(file, `import { status } from './lib.js'; export const handler = async () => ({ status });`);
      const spec: FunctionSpec = { id: 'cjs-scope', file, runtime: 'lambda-node', triggers: ['viewer-request'] };
      const esm = await loadLambdaFunction(spec, '', 1, { onLog: () => {} });
      loaded.push(esm);
      expect(await esm.invoke(viewerRequest())).toEqual({ kind: 'response', response: { status: 201, headers: {} } });
      await writeFile(file, `exports.handler = async (event) => event.Records[0].cf.request;`);
      const commonJs = await loadLambdaFunction(spec, '', 2, { onLog: () => {} });
      loaded.push(commonJs);
      expect((await commonJs.invoke(viewerRequest())).kind).toBe('request');
    } finally {
      await rm(commonJsScope, { recursive: true, force: true });
    }
  });

  it('checkLambdaSource: [] for a good function; names the problem otherwise', async () => {
    expect(await checkLambdaSource(`export const handler = async (e) => e.Records[0].cf.request;`, ['viewer-request', 'origin-response'])).toEqual([]);
    expect(await checkLambdaSource(`export const handler = ;`, ['viewer-request'])).toEqual([expect.stringMatching(/SyntaxError/)]);
    expect(await checkLambdaSource(`export const nothing = 1;`, ['viewer-request'])).toEqual([expect.stringMatching(/exports no function named handler/)]);
    const big = `export const handler = async (e) => e.Records[0].cf.request;\n//${'x'.repeat(1024 * 1024)}`;
    expect(await checkLambdaSource(big, ['viewer-request'])).toEqual([expect.stringMatching(/over Lambda@Edge's 1048576 for viewer triggers/)]);
    expect(await checkLambdaSource(big, ['origin-request'])).toEqual([]);
    expect(await checkLambdaSource(`export const handler = async () => {};`, ['viewer-request', 'viewer-request'])).toEqual(['a trigger is listed twice']);
  });

  it('checkLambdaSource with the file resolves its relative imports', async () => {
    await write(`export const x = 1;`, 'lib.mjs');
    const source = `import { x } from './lib.mjs'; export const handler = async () => ({ status: String(200 + x) });`;
    const file = await write(source, 'uses-lib.mjs');
    expect(await checkLambdaSource(source, ['viewer-request'], file)).toEqual([]);
  });
});
