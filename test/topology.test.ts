import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTopologyFile, parseTopology, TopologyError } from '../src/topology/load.ts';

const base = {
  network: { baseMs: 2, kmPerMs: 100, timeScale: 1 },
  router: { port: 8080, defaultClientLocation: { lat: 40.7, lon: -74 } },
  origin: { lat: 39, lon: -77.5, port: 8090 },
  edges: [
    { id: 'iad', city: 'Ashburn', region: 'na', lat: 39, lon: -77.5, port: 8101, maxSize: 1_000_000 },
    { id: 'fra', city: 'Frankfurt', region: 'eu', lat: 50.1, lon: 8.7, port: 8102, maxSize: 1_000_000 },
    { id: 'nrt', city: 'Tokyo', region: 'ap', lat: 35.7, lon: 139.7, port: 8103, maxSize: 1_000_000 },
    { id: 'syd', city: 'Sydney', region: 'oc', lat: -33.9, lon: 151.2, port: 8104, maxSize: 1_000_000 },
  ],
};

type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests build deliberately wrong shapes

function errorFor(mutate: (topology: Mutable) => void): TopologyError {
  const topology = structuredClone(base) as Mutable;
  mutate(topology);
  try {
    parseTopology(topology, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(TopologyError);
    const topologyError = error as TopologyError;
    expect(topologyError.message).toContain(`test.json: ${topologyError.jsonPath}:`);
    return topologyError;
  }
  throw new Error('expected the topology to be rejected');
}

describe('the shipped topology.json', () => {
  const { topology } = loadTopologyFile('topology.json');

  it('is valid, with at least 8 edges with distinct ids and positive cache sizes', () => {
    expect(topology.edges.length).toBeGreaterThanOrEqual(8);
    expect(new Set(topology.edges.map((edge) => edge.id)).size).toBe(topology.edges.length);
    for (const edge of topology.edges) expect(edge.maxSize).toBeGreaterThan(0);
    expect(topology.router.port).toBe(8080);
  });

  it('spans at least five continents', () => {
    const continent = ({ lat, lon }: { lat: number; lon: number }) => {
      if (lon < -30) return lat > 12 ? 'north-america' : 'south-america';
      if (lon < 60 && lat > 35) return 'europe';
      if (lon < 60) return 'africa';
      if (lat < -10 && lon > 110) return 'oceania';
      return 'asia';
    };
    expect(new Set(topology.edges.map(continent)).size).toBeGreaterThanOrEqual(5);
  });
});

describe('topology validation names the JSON path of the error', () => {
  it('accepts the base topology and fills defaults', () => {
    const topology = parseTopology(structuredClone(base));
    expect(topology.router.trustedProxies).toEqual(['127.0.0.0/8', '::1/128']);
    expect(topology.origin.id).toBe('origin');
  });

  it.each([
    ['a wrong type', (t: Mutable) => (t.edges[2].lat = '35.7'), 'edges[2].lat'],
    ['an unknown key at the root', (t: Mutable) => (t.colour = 'blue'), 'colour'],
    ['an unknown key in an edge', (t: Mutable) => (t.edges[1].colour = 'blue'), 'edges[1].colour'],
    ['a duplicate edge id', (t: Mutable) => (t.edges[3].id = 'iad'), 'edges[3].id'],
    ['an edge id equal to the origin id', (t: Mutable) => (t.edges[0].id = 'origin'), 'edges[0].id'],
    ['a duplicate port between edges', (t: Mutable) => (t.edges[2].port = 8101), 'edges[2].port'],
    ['an edge on the router port', (t: Mutable) => (t.edges[0].port = 8080), 'edges[0].port'],
    ['a latitude above 90', (t: Mutable) => (t.edges[1].lat = 91), 'edges[1].lat'],
    ['a longitude below -180', (t: Mutable) => (t.edges[0].lon = -181), 'edges[0].lon'],
    ['a zero cache size', (t: Mutable) => (t.edges[0].maxSize = 0), 'edges[0].maxSize'],
    ['a negative cache size', (t: Mutable) => (t.edges[3].maxSize = -5), 'edges[3].maxSize'],
    ['a fractional cache size', (t: Mutable) => (t.edges[1].maxSize = 1.5), 'edges[1].maxSize'],
    ['a port out of range', (t: Mutable) => (t.router.port = 70000), 'router.port'],
    ['a missing section', (t: Mutable) => delete t.network, 'network'],
    ['a missing edge field', (t: Mutable) => delete t.edges[0].maxSize, 'edges[0].maxSize'],
    ['no edges', (t: Mutable) => (t.edges = []), 'edges'],
    ['an origin with neither url nor port', (t: Mutable) => delete t.origin.port, 'origin.port'],
    ['an external origin with a port too', (t: Mutable) => (t.origin.url = 'http://127.0.0.1:3000'), 'origin.port'],
    ['an origin url that is not http', (t: Mutable) => ((t.origin.url = 'ftp://x'), delete t.origin.port), 'origin.url'],
    ['a bad trusted proxy range', (t: Mutable) => (t.router.trustedProxies = ['10.0.0.0/8', '10.0.0.0/99']), 'router.trustedProxies[1]'],
    ['a non-positive kmPerMs', (t: Mutable) => (t.network.kmPerMs = 0), 'network.kmPerMs'],
    ['a simulation-only policy', (t: Mutable) => (t.edges[2].policy = 'belady'), 'edges[2].policy'],
    ['an unknown policy', (t: Mutable) => (t.edges[1].policy = 'mru'), 'edges[1].policy'],
    ['both maxSize and maxObjects', (t: Mutable) => (t.edges[1].maxObjects = 100), 'edges[1].maxObjects'],
    ['neither maxSize nor maxObjects', (t: Mutable) => (delete t.edges[3].maxSize, (t.edges[3].policy = 'fifo')), 'edges[3].maxSize'],
    ['a zero maxObjects', (t: Mutable) => (delete t.edges[0].maxSize, (t.edges[0].maxObjects = 0)), 'edges[0].maxObjects'],
    ['a fractional maxObjects', (t: Mutable) => (delete t.edges[0].maxSize, (t.edges[0].maxObjects = 2.5)), 'edges[0].maxObjects'],
  ])('rejects %s at %s', (_label, mutate, jsonPath) => {
    expect(errorFor(mutate).jsonPath).toBe(jsonPath);
  });

  it('says why a policy is refused: belady needs the future; an unknown name lists the live ones', () => {
    expect(errorFor((t) => (t.edges[2].policy = 'belady')).message).toBe(
      'test.json: edges[2].policy: "belady" needs the future (when each object will next be requested), so it is simulation-only',
    );
    expect(errorFor((t) => (t.edges[0].policy = 'mru')).message).toBe(
      'test.json: edges[0].policy: unknown policy "mru" (known: lru, fifo, clock, sieve, s3fifo, lfu, arc)',
    );
    expect(errorFor((t) => (t.edges[1].maxObjects = 5)).message).toMatch(/edges\[1\]\.maxObjects: give the capacity once: maxSize \(bytes\) or maxObjects, not both$/);
    expect(errorFor((t) => delete t.edges[1].maxSize).message).toMatch(/edges\[1\]\.maxSize: required: the cache capacity in bytes \(or give maxObjects\)$/);
  });

  it('takes a capacity in objects and any live policy, defaulting to lru', () => {
    const topology = structuredClone(base) as Mutable;
    delete topology.edges[1].maxSize;
    topology.edges[1].maxObjects = 5000;
    topology.edges[1].policy = 's3fifo';
    const edges = parseTopology(topology).edges;
    expect(edges[1]).toMatchObject({ maxObjects: 5000, policy: 's3fifo' });
    expect(edges[1]!.maxSize).toBeUndefined();
    expect(edges[0]).toMatchObject({ maxSize: 1_000_000, policy: 'lru' });
  });

  it('allows port 0 (any free port) on several processes, and an external origin', () => {
    const topology = structuredClone(base) as Mutable;
    for (const edge of topology.edges) edge.port = 0;
    topology.router.port = 0;
    topology.origin = { url: 'http://127.0.0.1:3000', lat: 39, lon: -77 };
    expect(parseTopology(topology).origin.url).toBe('http://127.0.0.1:3000');
  });
});

describe('topology files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-topology-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reports invalid JSON at the root and a missing file', () => {
    const file = write('broken.json', '{ "edges": [ }');
    expect(() => loadTopologyFile(file)).toThrow(/\(root\): not valid JSON/);
    expect(() => loadTopologyFile(path.join(dir, 'missing.json'))).toThrow(/cannot read: ENOENT/);
  });

  it('cdnsim validate exits 0 for a good file and 2 with the path for a bad one', () => {
    const run = (file: string) =>
      spawnSync(process.execPath, ['bin/cdnsim.js', 'validate', file], { encoding: 'utf8', timeout: 20_000 });
    const good = run('topology.json');
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/topology\.json: ok \(10 edges/);
    const bad = structuredClone(base) as Mutable;
    bad.edges[0].lat = 123;
    const result = run(write('bad.json', JSON.stringify(bad)));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('edges[0].lat');
    const belady = structuredClone(base) as Mutable;
    belady.edges[3].policy = 'belady';
    const refused = run(write('belady.json', JSON.stringify(belady)));
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/belady\.json: edges\[3\]\.policy: "belady" needs the future .*simulation-only/);
    const unknownFlag = spawnSync(process.execPath, ['bin/cdnsim.js', 'up', '--nope'], { encoding: 'utf8', timeout: 20_000 });
    expect(unknownFlag.status).toBe(2);
    expect(unknownFlag.stderr).toMatch(/cdnsim: Unknown option '--nope'/);
  });
});
