import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FunctionSpec, Invocation, InvocationResult, LoadedFunction } from '../src/functions/types.ts';
import { simulateCdn } from '../src/sim/cdn/simulate-cdn.ts';
import { loadFunction } from '../src/functions/load.ts';
import { loadFromFile, type FunctionLoader } from '../src/sim/cdn/simulated-functions.ts';
import { parseTopology } from '../src/topology/load.ts';
import type { TraceRequest } from '../src/trace/trace-request.ts';
import { testTopology, TEST_EDGES } from './helpers/test-cluster.ts';

// The offline simulator runs a topology's functions at CloudFront's triggers: viewer-request on
// every request (a rewritten uri is the cache key; an answer skips the cache), origin-request and
// origin-response on a miss only, viewer-response on what the cache or origin answered.
// These cases plug in-process handlers through the simulator's loader seam, so they test the
// simulator's placement of triggers; the last case loads a real file through a real runtime.

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-sim-functions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Handler = (invocation: Invocation) => InvocationResult;

/** A loader whose functions are these handlers; records every invocation and every close. */
function handlers(byId: Record<string, Handler>) {
  const invocations: { id: string; edge: string; trigger: string; uri: string }[] = [];
  let closed = 0;
  const load: FunctionLoader = async (spec, version) => {
    const handler = byId[spec.id];
    if (!handler) throw new Error(`no handler for ${spec.id}`);
    const loaded: LoadedFunction = {
      spec,
      version,
      async invoke(invocation) {
        invocations.push({ id: spec.id, edge: invocation.context.edgeId, trigger: invocation.trigger, uri: invocation.request.uri });
        return handler(structuredClone(invocation));
      },
      async close() {
        closed++;
      },
    };
    return loaded;
  };
  return { load, invocations, closed: () => closed };
}

function spec(id: string, triggers: FunctionSpec['triggers'], more: Partial<FunctionSpec> = {}): FunctionSpec {
  return { id, file: `/nonexistent/${id}.js`, runtime: 'cloudfront-js', triggers, ...more };
}

async function* traceOf(requests: Partial<TraceRequest>[]): AsyncGenerator<TraceRequest> {
  let time = 0;
  for (const request of requests) yield { time: time++, key: 'k', size: 100, ...request };
}

function oneEdge() {
  return parseTopology(testTopology({ edges: TEST_EDGES.slice(0, 1) }));
}

async function run(requests: Partial<TraceRequest>[], functions: FunctionSpec[], load: FunctionLoader, topology = oneEdge()) {
  const result = await simulateCdn(traceOf(requests), topology, { defaultTtlSeconds: 3600, cacheScale: 1, outages: [], slotSeconds: 60, functions, loadFunction: load });
  const byEdgeStatus = Object.fromEntries([...result.stats.byEdgeStatus].map(([edge, statuses]) => [edge, Object.fromEntries(statuses)]));
  return { result, byEdgeStatus };
}

const passRequest: Handler = (invocation) => ({ kind: 'request', request: invocation.request });

describe('offline simulation with edge functions', { timeout: 30_000 }, () => {
  it('a viewer-request rewrite is the cache key: two trace keys mapped to one share an entry', async () => {
    const fns = handlers({
      alias: (invocation) => ({ kind: 'request', request: { ...invocation.request, uri: invocation.request.uri.replace(/-alias$/, '') } }),
    });
    const keys = ['a', 'a-alias', 'b', 'b-alias', 'a', 'b-alias'];
    const { byEdgeStatus, result } = await run(keys.map((key) => ({ key })), [spec('alias', ['viewer-request'])], fns.load);
    expect(byEdgeStatus).toEqual({ iad: { MISS: 2, HIT: 4 } });
    expect(result.edges.iad!.origin_fetches).toBe(2);
    expect(result.edges.iad!.functions).toEqual({ alias: { 'viewer-request': { ok: 6 } } });
    expect(fns.closed()).toBe(1);
  });

  it('a rewritten target is normalised as the live edge normalises it, so %61 and a are one key', async () => {
    let calls = 0;
    const fns = handlers({
      encode: (invocation) => ({ kind: 'request', request: { ...invocation.request, uri: calls++ % 2 ? invocation.request.uri.replace('/gen/a', '/gen/%61') : invocation.request.uri } }),
    });
    const { byEdgeStatus } = await run([{ key: 'a' }, { key: 'a' }], [spec('encode', ['viewer-request'])], fns.load);
    expect(byEdgeStatus).toEqual({ iad: { MISS: 1, HIT: 1 } });
  });

  it('an answer at the edge is counted under the generated status and skips cache, origin and viewer-response', async () => {
    const fns = handlers({
      deny: (invocation) =>
        invocation.request.uri.startsWith('/gen/private')
          ? { kind: 'response', response: { status: 403, headers: { 'content-type': ['text/plain'] }, body: 'Forbidden\n' } }
          : { kind: 'request', request: invocation.request },
      stamp: (invocation) => ({ kind: 'response', response: (invocation as Extract<Invocation, { response: unknown }>).response }),
    });
    const keys = ['private-1', 'public', 'private-1', 'public', 'private-2'];
    const { byEdgeStatus, result } = await run(keys.map((key) => ({ key })), [spec('deny', ['viewer-request']), spec('stamp', ['viewer-response'])], fns.load);
    expect(byEdgeStatus).toEqual({ iad: { FunctionGeneratedResponse: 3, MISS: 1, HIT: 1 } });
    expect(result.stats.errorsByKind.get('http 403')).toBe(3);
    expect(result.edges.iad!.origin_fetches).toBe(1);
    expect(result.edges.iad!.functions).toEqual({ deny: { 'viewer-request': { generated: 3, ok: 2 } }, stamp: { 'viewer-response': { ok: 2 } } });
    // Lambda@Edge answers are told apart from CloudFront Functions' ones.
    const lambda = await run([{ key: 'private-1' }], [spec('deny', ['viewer-request'], { runtime: 'lambda-node' })], fns.load);
    expect(lambda.byEdgeStatus).toEqual({ iad: { LambdaGeneratedResponse: 1 } });
  });

  it('origin-request and origin-response run on misses only; origin-request may fetch another object', async () => {
    const fns = handlers({
      // The origin is asked for a larger object than the key names: the cache stores what came.
      bigger: (invocation) => ({ kind: 'request', request: { ...invocation.request, querystring: invocation.request.querystring.replace('bytes=100', 'bytes=5000') } }),
      observe: (invocation) => ({ kind: 'response', response: (invocation as Extract<Invocation, { response: unknown }>).response }),
    });
    const keys = ['a', 'b', 'a', 'a', 'c', 'b'];
    const { byEdgeStatus, result } = await run(keys.map((key) => ({ key })), [spec('bigger', ['origin-request'], { runtime: 'lambda-node' }), spec('observe', ['origin-response'], { runtime: 'lambda-node' })], fns.load);
    expect(byEdgeStatus).toEqual({ iad: { MISS: 3, HIT: 3 } });
    expect(result.edges.iad!.functions).toEqual({ bigger: { 'origin-request': { ok: 3 } }, observe: { 'origin-response': { ok: 3 } } });
    expect(result.edges.iad!.origin_bytes).toBe(3 * 5000);
    expect(fns.invocations.filter((call) => call.trigger === 'origin-request').map((call) => call.uri)).toEqual(['/gen/a', '/gen/b', '/gen/c']);
  });

  it('a viewer-request target the edge cannot normalise answers as the live edge does, counted invalid-result', async () => {
    const fns = handlers({ broken: (invocation) => ({ kind: 'request', request: { ...invocation.request, uri: 'no-leading-slash' } }) });
    const { byEdgeStatus, result } = await run([{ key: 'a' }, { key: 'a' }], [spec('broken', ['viewer-request'])], fns.load);
    // CloudFront Functions reports an unusable result as its execution error (failures.ts).
    expect(byEdgeStatus).toEqual({ iad: { FunctionExecutionError: 2 } });
    expect(result.edges.iad!.functions).toEqual({ broken: { 'viewer-request': { 'invalid-result': 2 } } });
    expect(result.edges.iad!.origin_fetches).toBe(0);
  });

  it('an origin-request function sees the origin; another origin is refused as the live edge refuses it', async () => {
    const seen: unknown[] = [];
    const fns = handlers({
      reroute: (invocation) => {
        seen.push(invocation.request.origin);
        const origin = { ...invocation.request.origin! };
        if (invocation.request.uri.endsWith('/elsewhere')) origin.domainName = 'example.com';
        return { kind: 'request', request: { ...invocation.request, origin } };
      },
    });
    const keys = ['a', 'elsewhere', 'a', 'elsewhere'];
    const { byEdgeStatus, result } = await run(keys.map((key) => ({ key })), [spec('reroute', ['origin-request'], { runtime: 'lambda-node' })], fns.load);
    expect(seen[0]).toMatchObject({ domainName: '127.0.0.1', protocol: 'http', path: '' });
    expect(byEdgeStatus).toEqual({ iad: { MISS: 1, HIT: 1, LambdaValidationError: 2 } });
    expect(result.edges.iad!.functions).toEqual({ reroute: { 'origin-request': { ok: 1, 'invalid-result': 2 } } });
  });

  it("origin-response's Cache-Control decides what is stored", async () => {
    const fns = handlers({
      cacheAnyway: (invocation) => {
        const { response } = invocation as Extract<Invocation, { response: unknown }>;
        return { kind: 'response', response: { ...response, headers: { ...response.headers, 'cache-control': ['public, max-age=600'] } } };
      },
    });
    const requests = [{ key: 'x', cacheable: false }, { key: 'x', cacheable: false }];
    const without = await run(requests, [], fns.load);
    expect(without.byEdgeStatus).toEqual({ iad: { MISS: 2 } });
    const withFn = await run(requests, [spec('cacheAnyway', ['origin-response'], { runtime: 'lambda-node' })], fns.load);
    expect(withFn.byEdgeStatus).toEqual({ iad: { MISS: 1, HIT: 1 } });
  });

  it('a failure answers with the profile status and cache_status, and is not stored', async () => {
    const fns = handlers({ broken: () => ({ kind: 'failure', reason: 'error', message: 'boom' }) });
    const cf = await run([{ key: 'a' }, { key: 'a' }], [spec('broken', ['viewer-request'])], fns.load);
    expect(cf.byEdgeStatus).toEqual({ iad: { FunctionExecutionError: 2 } });
    expect(cf.result.stats.errorsByKind.get('http 503')).toBe(2);
    const lambda = await run([{ key: 'a' }, { key: 'a' }], [spec('broken', ['origin-response'], { runtime: 'lambda-node' })], fns.load);
    expect(lambda.byEdgeStatus).toEqual({ iad: { LambdaExecutionError: 2 } });
    expect(lambda.result.stats.errorsByKind.get('http 503')).toBe(2);
    expect(lambda.result.edges.iad!.origin_fetches).toBe(2);
  });

  it("an origin-request answer stands in for the origin's: stored per its Cache-Control, without origin-response", async () => {
    const fns = handlers({
      synthetic: () => ({ kind: 'response', response: { status: 200, headers: { 'cache-control': ['max-age=600'] }, body: 'made at the edge' } }),
      never: () => {
        throw new Error('origin-response ran on a generated response');
      },
    });
    const specs = [spec('synthetic', ['origin-request'], { runtime: 'lambda-node' }), spec('never', ['origin-response'], { runtime: 'lambda-node' })];
    const { byEdgeStatus, result } = await run([{ key: 'a' }, { key: 'a' }, { key: 'b' }], specs, fns.load);
    expect(byEdgeStatus).toEqual({ iad: { LambdaGeneratedResponse: 2, HIT: 1 } });
    expect(result.edges.iad!.origin_fetches).toBe(0);
    expect(result.edges.iad!.functions).toEqual({ synthetic: { 'origin-request': { generated: 2 } } });
  });

  it('no viewer-response on a status of 400 or more (an origin-request function’s stored 404 here)', async () => {
    const fns = handlers({
      missing: () => ({ kind: 'response', response: { status: 404, headers: { 'cache-control': ['max-age=60'] }, body: 'gone' } }),
      stamp: (invocation) => ({ kind: 'response', response: (invocation as Extract<Invocation, { response: unknown }>).response }),
    });
    const specs = [spec('missing', ['origin-request'], { runtime: 'lambda-node' }), spec('stamp', ['viewer-response'], { runtime: 'lambda-node' })];
    const { byEdgeStatus, result } = await run([{ key: 'a' }, { key: 'a' }], specs, fns.load);
    expect(byEdgeStatus).toEqual({ iad: { LambdaGeneratedResponse: 1, HIT: 1 } });
    expect(result.stats.errorsByKind.get('http 404')).toBe(2);
    expect(result.edges.iad!.functions).toEqual({ missing: { 'origin-request': { generated: 1 } } });
  });

  it('viewer-response may change the status in cloudfront-js, not in lambda-node', async () => {
    const fns = handlers({
      teapot: (invocation) => ({ kind: 'response', response: { ...(invocation as Extract<Invocation, { response: unknown }>).response, status: 418 } }),
    });
    const cf = await run([{ key: 'a' }], [spec('teapot', ['viewer-response'])], fns.load);
    expect(cf.result.stats.errorsByKind.get('http 418')).toBe(1);
    const lambda = await run([{ key: 'a' }], [spec('teapot', ['viewer-response'], { runtime: 'lambda-node' })], fns.load);
    expect(lambda.result.stats.errors).toBe(0);
  });

  it('a function runs only on the edges it names, each edge with its own instance', async () => {
    const fns = handlers({ tag: passRequest });
    const topology = parseTopology(testTopology({ edges: TEST_EDGES.slice(0, 2) }));
    const requests = [{ key: 'a', country: 'US' }, { key: 'a', country: 'DE' }, { key: 'b', country: 'DE' }];
    const { result } = await run(requests, [spec('tag', ['viewer-request'], { edges: ['fra'] })], fns.load, topology);
    expect(fns.invocations.map((call) => call.edge)).toEqual(['fra', 'fra']);
    expect(result.edges.iad!.functions).toEqual({});
    expect(result.edges.fra!.functions).toEqual({ tag: { 'viewer-request': { ok: 2 } } });
  });

  it('the viewer-request sees the router’s CloudFront-Viewer-Country', async () => {
    const seen: string[] = [];
    const fns = handlers({
      country: (invocation) => {
        seen.push(invocation.request.headers['cloudfront-viewer-country']?.[0] ?? '(none)');
        return passRequest(invocation);
      },
    });
    await run([{ key: 'a', country: 'DE' }, { key: 'a', country: 'JP' }], [spec('country', ['viewer-request'])], fns.load);
    expect(seen).toEqual(['DE', 'JP']);
  });

  describe('deterministic time and randomness', () => {
    const CLOUDFRONT_CLOCK = `function handler(event) {
  var r = event.request;
  r.headers['x-now'] = { value: String(Date.now()) };
  r.headers['x-new-date'] = { value: String(new Date().getTime()) };
  r.headers['x-random'] = { value: String(Math.random()) + ',' + String(Math.random()) };
  return r;
}`;
    const LAMBDA_CLOCK = `export const handler = async (event) => {
  const r = event.Records[0].cf.request;
  const kept = new Date().getTime();
  await new Promise((resolve) => setTimeout(resolve, 5));
  r.headers['x-now'] = [{ key: 'X-Now', value: String(Date.now()) }];
  r.headers['x-new-date'] = [{ key: 'X-New-Date', value: String(kept) }];
  r.headers['x-random'] = [{ key: 'X-Random', value: Math.random() + ',' + Math.random() }];
  return r;
};`;
    const START = 1_700_000_000;
    const clockTrace = [{ key: 'a', time: START }, { key: 'b', time: START + 1.5 }, { key: 'a', time: START + 3 }];

    /** Runs the trace through a real runtime and returns what each invocation put in its headers. */
    async function clockHeaders(file: string, runtime: FunctionSpec['runtime']) {
      const seen: { now: string; date: string; random: string }[] = [];
      const load: FunctionLoader = async (fnSpec, version) => {
        const fn = await loadFromFile(fnSpec, version);
        return {
          spec: fn.spec,
          version: fn.version,
          async invoke(invocation) {
            const result = await fn.invoke(invocation);
            if (result.kind !== 'request') throw new Error(`expected a request, got ${JSON.stringify(result)}`);
            const { headers } = result.request;
            seen.push({ now: headers['x-now']![0]!, date: headers['x-new-date']![0]!, random: headers['x-random']![0]! });
            return result;
          },
          close: () => fn.close(),
        };
      };
      async function* trace() {
        for (const request of clockTrace) yield { size: 100, ...request };
      }
      await simulateCdn(trace(), oneEdge(), { defaultTtlSeconds: 3600, cacheScale: 1, outages: [], slotSeconds: 60, functions: [spec(`clock-${runtime}`, ['viewer-request'], { file, runtime })], loadFunction: load });
      return seen;
    }

    it('gives cloudfront-js and lambda-node functions the trace time and a seeded Math.random, the same on every run', async () => {
      const cfFile = path.join(dir, 'clock.js');
      const lambdaFile = path.join(dir, 'clock.mjs');
      writeFileSync(cfFile, CLOUDFRONT_CLOCK);
      writeFileSync(lambdaFile, LAMBDA_CLOCK);
      const times = clockTrace.map((request) => String(request.time * 1000));
      for (const [file, runtime] of [[cfFile, 'cloudfront-js'], [lambdaFile, 'lambda-node']] as const) {
        const first = await clockHeaders(file, runtime);
        expect(first.map((headers) => headers.now)).toEqual(times);
        expect(first.map((headers) => headers.date)).toEqual(times);
        // Each request draws its own sequence; the two draws of one request differ.
        expect(new Set(first.map((headers) => headers.random)).size).toBe(3);
        for (const { random } of first) {
          const [a, b] = random.split(',').map(Number);
          expect(a).not.toBe(b);
          for (const value of [a!, b!]) expect(value >= 0 && value < 1).toBe(true);
        }
        expect(await clockHeaders(file, runtime)).toEqual(first);
      }
      // One request id, one sequence, whichever profile draws it.
      expect((await clockHeaders(lambdaFile, 'lambda-node')).map((headers) => headers.random)).toEqual((await clockHeaders(cfFile, 'cloudfront-js')).map((headers) => headers.random));
    }, 60_000);

    it('without a time in the context (the live edge), a function sees real time and real randomness', async () => {
      const lambdaFile = path.join(dir, 'clock-live.mjs');
      writeFileSync(lambdaFile, LAMBDA_CLOCK);
      const cfFile = path.join(dir, 'clock-live.js');
      writeFileSync(cfFile, CLOUDFRONT_CLOCK);
      for (const [file, runtime] of [[cfFile, 'cloudfront-js'], [lambdaFile, 'lambda-node']] as const) {
        const fn = await loadFunction(spec(`live-${runtime}`, ['viewer-request'], { file, runtime }), 1);
        try {
          const invocation: Invocation = { trigger: 'viewer-request', request: { method: 'GET', uri: '/x', querystring: '', headers: {}, clientIp: '127.0.0.1' }, context: { edgeId: 'iad', requestId: 'same' } };
          const before = Date.now();
          const [one, two] = [await fn.invoke(invocation), await fn.invoke(invocation)];
          const after = Date.now();
          if (one.kind !== 'request' || two.kind !== 'request') throw new Error('expected requests');
          const now = Number(one.request.headers['x-now']![0]);
          expect(now >= before && now <= after).toBe(true);
          // The same request id twice: real randomness still differs.
          expect(one.request.headers['x-random']).not.toEqual(two.request.headers['x-random']);
        } finally {
          await fn.close();
        }
      }
    }, 30_000);
  });

  it('loads a real cloudfront-js file through its runtime', async () => {
    const file = path.join(dir, 'drop-query.js');
    writeFileSync(file, "function handler(event) { var r = event.request; delete r.querystring.v; return r; }\n");
    const trace = [{ key: 'a' }, { key: 'a' }];
    const fn = spec('drop-query', ['viewer-request'], { file });
    const { byEdgeStatus, result } = await run(trace, [fn], loadFromFile);
    expect(byEdgeStatus).toEqual({ iad: { MISS: 1, HIT: 1 } });
    expect(result.edges.iad!.functions).toEqual({ 'drop-query': { 'viewer-request': { ok: 2 } } });
  });
});
