import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseList } from '../src/router/dashboard/edge-functions.ts';
import { TrafficStats } from '../src/router/dashboard/traffic-stats.ts';
import { startRouter, type RunningRouter } from '../src/router/server.ts';
import { parseTopology } from '../src/topology/load.ts';
import { TEST_EDGES, testTopology } from './helpers/test-cluster.ts';

function listen(handler: RequestListener): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** An edge stand-in with two functions: every response says in Server-Timing that they ran. */
const withFunctions: RequestListener = (req, res) => {
  if (req.url === '/_cdn/health') return void res.end('ok');
  if (req.url === '/_cdn/functions') {
    res.setHeader('content-type', 'application/json');
    return void res.end(
      JSON.stringify({
        edge: 'iad',
        functions: [
          { id: 'ab-test', runtime: 'cloudfront-js', triggers: ['viewer-request'], version: 2 },
          { id: 'cache-control', runtime: 'lambda-node', triggers: ['origin-request', 'origin-response'], version: 1 },
        ],
      }),
    );
  }
  const generated = req.url === '/generated';
  res.writeHead(200, {
    'x-cache': generated ? 'FunctionGeneratedResponse' : 'MISS',
    'server-timing': generated ? 'fn-viewer-request;dur=0.120' : 'fn-viewer-request;dur=0.100, origin;dur=3.000, fn-origin-request;dur=1.500, fn-origin-response;dur=2.000',
  });
  res.end('x');
};

/** An edge that cannot list its functions. */
const withoutList: RequestListener = (req, res) => {
  res.statusCode = req.url === '/_cdn/health' ? 200 : 404;
  res.end();
};

describe('dashboard: functions per edge', () => {
  let edges: Server[];
  let router: RunningRouter;
  beforeAll(async () => {
    edges = [await listen(withFunctions), await listen(withoutList)];
    const topology = parseTopology(testTopology({ edges: TEST_EDGES.slice(0, 2) }));
    edges.forEach((server, index) => (topology.edges[index]!.port = (server.address() as AddressInfo).port));
    router = await startRouter({ topology, port: 0, log: () => undefined });
  }, 20_000);
  afterAll(async () => {
    await router?.close();
    for (const server of edges ?? []) server.close();
  });

  it('lists each edge\'s functions with the runs the router saw, and says when an edge cannot tell', async () => {
    for (const path of ['/a', '/b', '/generated']) await (await request(`${router.url}${path}`, { headersTimeout: 5_000 })).body.dump();
    const response = await request(`${router.url}/_cdn/dashboard/state`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    const state = (await response.body.json()) as { edges: { id: string; functions: Record<string, unknown> }[] };
    const [iad, fra] = state.edges;
    expect(iad!.functions).toEqual({
      attached: [
        { id: 'ab-test', runtime: 'cloudfront-js', triggers: ['viewer-request'], version: 2, runs: 3 },
        // Origin triggers ran on the two misses only; one function on both counts both.
        { id: 'cache-control', runtime: 'lambda-node', triggers: ['origin-request', 'origin-response'], version: 1, runs: 4 },
      ],
      answered: 1,
    });
    expect(fra!.functions).toMatchObject({ attached: [], problem: 'GET /_cdn/functions answered 404' });
  }, 20_000);

  it('the page has the functions table and its script draws it', async () => {
    const html = await (await request(`${router.url}/_cdn/dashboard`, { headersTimeout: 5_000 })).body.text();
    expect(html).toContain('<tbody id="functions">');
    const script = await (await request(`${router.url}/_cdn/dashboard/dashboard.js`, { headersTimeout: 5_000 })).body.text();
    expect(script).toContain("$('functions').replaceChildren");
  }, 20_000);
});

describe('dashboard function counts', () => {
  it('counts fn-<trigger> Server-Timing members and function answers, and nothing from other members', () => {
    const stats = new TrafficStats();
    stats.record('e', 'HIT', 'fn-viewer-request;dur=0.1');
    stats.record('e', 'LambdaExecutionError', 'fn-viewer-request;dur=4, edge;dur=5');
    stats.record('e', 'MISS', 'origin;dur=3, not-fn-origin-request;dur=1');
    stats.record('e', 'MISS', undefined);
    expect(stats.of('e')).toEqual({ requests: 4, hits: 1, functionRuns: { 'viewer-request': 2 }, functionAnswers: 1 });
  });

  it('takes the edge\'s list, or a bare list, and reports a malformed one', () => {
    const fn = { id: 'a', runtime: 'cloudfront-js', triggers: ['viewer-request'], version: 1 };
    expect(parseList({ edge: 'x', functions: [fn] })).toEqual({ ok: true, functions: [fn] });
    expect(parseList([fn])).toEqual({ ok: true, functions: [fn] });
    expect(parseList({ functions: [{ id: 'a' }] })).toMatchObject({ ok: false });
    expect(parseList('nope')).toMatchObject({ ok: false });
  });
});
