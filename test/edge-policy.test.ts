import { spawnSync } from 'node:child_process';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess } from './helpers/processes.ts';
import { startScriptedOrigin } from './helpers/scripted-origin.ts';
import { startTestCluster, testTopology, TEST_EDGES, type TestCluster } from './helpers/test-cluster.ts';

type Origin = Awaited<ReturnType<typeof startScriptedOrigin>>;
type Edge = Awaited<ReturnType<typeof startProcess>>;

async function xCache(url: string): Promise<string> {
  const response = await request(url, { headersTimeout: 10_000, bodyTimeout: 10_000 });
  await response.body.dump();
  return String(response.headers['x-cache']);
}

async function metrics(url: string): Promise<string> {
  const response = await request(`${url}/metrics`);
  return response.body.text();
}

/** GETs one path after another, each after the last has completed: the X-Cache of each. */
async function sequence(baseUrl: string, paths: string): Promise<string[]> {
  const seen: string[] = [];
  for (const path of paths.split(' ')) seen.push(await xCache(`${baseUrl}${path}`));
  return seen;
}

/*
 * Capacity 2 objects: a b fill it; a hits. FIFO: c evicts a, the first in, although it was just
 * used; a returns (miss) and evicts b; b returns (miss) and evicts c; a is still there: a hit.
 * LRU on the same requests: c evicts b (a was used more recently), so a hits; b evicts c.
 */
const REQUESTS = '/a /b /a /c /a /b /a';
const FIFO = ['MISS', 'MISS', 'HIT', 'MISS', 'MISS', 'MISS', 'HIT'];
const LRU = ['MISS', 'MISS', 'HIT', 'MISS', 'HIT', 'MISS', 'HIT'];

describe('an edge process evicting with a simulator policy', () => {
  let origin: Origin;
  const edges: Edge[] = [];

  beforeAll(async () => {
    origin = await startScriptedOrigin();
    for (const path of ['/a', '/b', '/c']) {
      origin.on(path, (_req, res) => res.writeHead(200, { 'cache-control': 'max-age=600' }).end(`body of ${path}`));
    }
    const edgeArgs = (policy: string) => ['--origin', origin.url, '--max-objects', '2', '--policy', policy];
    edges.push(await startProcess('edge', 'fifo1', edgeArgs('fifo')), await startProcess('edge', 'lru1', edgeArgs('lru')));
  });
  afterAll(async () => {
    for (const edge of edges) await edge.stop();
    await origin?.close();
  });

  it('fifo with --max-objects 2: evicts the first in, whatever was hit, and counts the evictions', async () => {
    const [fifo] = edges;
    expect(await sequence(fifo!.url, REQUESTS)).toEqual(FIFO);
    const text = await metrics(fifo!.url);
    expect(text).toMatch(/^cdn_edge_cache_evictions_total\{edge="fifo1"\} 3$/m);
    expect(text).toMatch(/^cdn_edge_cache_objects\{edge="fifo1"\} 2$/m);
    expect(Number(/^cdn_edge_cache_bytes\{edge="fifo1"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(2 * 'body of /a'.length);
  });

  it('lru with --max-objects 2 on the same requests keeps the object just used', async () => {
    const [, lru] = edges;
    expect(await sequence(lru!.url, REQUESTS)).toEqual(LRU);
    expect(await metrics(lru!.url)).toMatch(/^cdn_edge_cache_evictions_total\{edge="lru1"\} 2$/m);
  });
});

describe('cdnsim edge refuses', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/cdnsim.js', 'edge', '--origin', 'http://127.0.0.1:9', '--port', '0', ...args], { encoding: 'utf8', timeout: 20_000 });

  it.each([
    [['--policy', 'belady'], /--policy: "belady" needs the future .*simulation-only/],
    [['--policy', 'mru'], /--policy: unknown policy "mru" \(known: lru, fifo, clock, sieve, s3fifo, lfu, arc\)/],
    [['--max-size', '1000', '--max-objects', '10'], /give --max-size or --max-objects, not both/],
    [['--max-objects', '0'], /--max-objects must be positive/],
  ])('%j', (args, message) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('a topology edge with policy and maxObjects, started by the supervisor', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    const topology = testTopology({ edges: [TEST_EDGES[0]!] });
    const { maxSize: _bytes, ...edge } = topology.edges[0]!;
    cluster = await startTestCluster({ ...topology, edges: [{ ...edge, maxObjects: 2, policy: 'fifo' }] });
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('runs the edge with them', async () => {
    const edge = cluster.members.find((member) => member.id === TEST_EDGES[0]!.id)!;
    const paths = REQUESTS.split(' ').map((path) => `/gen${path}?bytes=100`).join(' ');
    expect(await sequence(edge.url, paths)).toEqual(FIFO);
    expect(await metrics(edge.url)).toMatch(/^cdn_edge_cache_evictions_total\{edge="iad"\} 3$/m);
  });
});
