import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testTopology, TEST_EDGES } from './helpers/test-cluster.ts';

// Live and offline agree: a trace replayed in order through real router, edge and origin processes
// (network delay off) gives every edge exactly the hit and miss counts that `cdnsim sim
// --topology` computes for the same trace and topology without a socket.

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-agreement-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cdnsim(args: string[], timeout = 180_000) {
  return spawnSync(process.execPath, ['bin/cdnsim.js', ...args], { encoding: 'utf8', timeout });
}

function writeJson(name: string, value: object): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

function writeText(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function generateTrace(name: string, args: string[]): string {
  const file = path.join(dir, name);
  const result = cdnsim(['trace', 'gen', '--out', file, ...args]);
  expect(result.status, result.stderr).toBe(0);
  return file;
}

type Counts = Record<string, Record<string, number>>;

/** Replays the trace live, simulates it offline with the sim command, and returns both. */
function liveAndOffline(topologyFile: string, traceFile: string) {
  const out = path.join(dir, path.basename(topologyFile, '.json'));
  const live = cdnsim(['bench', '--spawn', '--topology', topologyFile, '--trace', traceFile, '--no-ceiling', '--out', out]);
  expect(live.status, live.stderr + live.stdout).toBe(0);
  const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
  const offline = cdnsim(['sim', '--topology', topologyFile, '--trace', traceFile, '--json']);
  expect(offline.status, offline.stderr).toBe(0);
  const simulated = JSON.parse(offline.stdout);
  return { report, simulated, stdout: live.stdout };
}

function total(counts: Counts, status: string): number {
  return Object.values(counts).reduce((sum, statuses) => sum + (statuses[status] ?? 0), 0);
}

// Each case runs a whole cluster, a live replay and an offline simulation: ~15 s alone, several times that on a busy
// machine (the Lambda@Edge cases also start worker threads, live and offline).
describe('live replay and offline simulation agree exactly', { timeout: 240_000 }, () => {
  it('on a one-edge topology whose cache (bytes, as the edge counts them) holds a fraction of the working set', () => {
    const topology = testTopology({ edges: TEST_EDGES.slice(0, 1) });
    // About 40 entries of 1 KiB objects (each entry also counts its key, headers and overhead).
    topology.edges[0]!.maxSize = 64 * 1024;
    const topologyFile = writeJson('one-edge.json', topology);
    const traceFile = generateTrace('one-edge.csv', ['--requests', '1500', '--objects', '400', '--alpha', '0.9', '--seed', '7']);
    const { report, simulated, stdout } = liveAndOffline(topologyFile, traceFile);

    expect(report.requests).toBe(1500);
    expect(report.errors).toBe(0);
    const live: Counts = report.prometheus_by_edge_status;
    expect(Object.keys(live)).toEqual(['iad']);
    // The cache is small enough that eviction decides hits: misses exceed the objects requested.
    expect(live.iad!.HIT).toBeGreaterThan(200);
    expect(live.iad!.MISS).toBeGreaterThan(400);
    expect(report.offline_simulation.agrees, report.offline_simulation.differences.join('\n')).toBe(true);
    expect(simulated.by_edge_status).toEqual(live);
    expect(simulated.simulation.edges.iad.evictions).toBeGreaterThan(0);
    // What the client saw (X-Cache) is what the edge counted.
    expect(report.by_edge_status).toEqual(live);
    expect(stdout).toContain("every edge's hits and misses equal the edges' own counters");
  });

  it('on a three-edge topology with a policy per edge, one of them counting objects', () => {
    const topology = testTopology({ edges: TEST_EDGES.slice(0, 3) });
    const [iad, fra, nrt] = topology.edges as Record<string, unknown>[];
    Object.assign(iad!, { maxSize: 48 * 1024, policy: 's3fifo' });
    Object.assign(fra!, { maxSize: 48 * 1024, policy: 'sieve' });
    delete nrt!['maxSize'];
    Object.assign(nrt!, { maxObjects: 30, policy: 'lru' });
    const topologyFile = writeJson('three-edges.json', topology);
    const traceFile = generateTrace('three-edges.csv', [
      '--requests', '2400', '--objects', '300', '--alpha', '0.8', '--seed', '11', '--countries', 'US:1,DE:1,JP:1', '--size', 'pareto:200:4000:1.2',
    ]);
    const { report, simulated } = liveAndOffline(topologyFile, traceFile);

    expect(report.requests).toBe(2400);
    expect(report.errors).toBe(0);
    const live: Counts = report.prometheus_by_edge_status;
    expect(Object.keys(live).sort()).toEqual(['fra', 'iad', 'nrt']);
    for (const edge of ['fra', 'iad', 'nrt']) {
      expect(live[edge]!.HIT, edge).toBeGreaterThan(50);
      expect(simulated.simulation.edges[edge].evictions, edge).toBeGreaterThan(0);
    }
    expect(simulated.simulation.edges.nrt.capacity_unit).toBe('objects');
    expect(simulated.simulation.edges.iad.policy).toBe('s3fifo');
    expect(report.offline_simulation.agrees, report.offline_simulation.differences.join('\n')).toBe(true);
    expect(simulated.by_edge_status).toEqual(live);
    expect(total(live, 'HIT') + total(live, 'MISS')).toBe(2400);
  });

  it('with a viewer-request function that maps two trace keys to one cache key', () => {
    // Objects n and n+1 (n even) are one object to the cache: the function rewrites the key.
    const pairs = writeText(
      'pairs.js',
      `function handler(event) {
  var request = event.request;
  var match = /^(\\/gen\\/.*-)(\\d+)$/.exec(request.uri);
  if (match) {
    var n = Number(match[2]);
    request.uri = match[1] + (n - (n % 2));
  }
  return request;
}
`,
    );
    const topology = { ...testTopology({ edges: TEST_EDGES.slice(0, 1) }), functions: [{ id: 'pairs', file: pairs, runtime: 'cloudfront-js', triggers: ['viewer-request'] }] };
    topology.edges[0]!.maxSize = 48 * 1024;
    const topologyFile = writeJson('pairs.json', topology);
    const traceFile = generateTrace('pairs.csv', ['--requests', '1200', '--objects', '300', '--alpha', '0.8', '--seed', '13']);
    const plain = cdnsim(['sim', '--topology', writeJson('pairs-without.json', { ...topology, functions: [] }), '--trace', traceFile, '--json']);
    expect(plain.status, plain.stderr).toBe(0);
    const { report, simulated } = liveAndOffline(topologyFile, traceFile);

    expect(report.requests).toBe(1200);
    expect(report.errors).toBe(0);
    const live: Counts = report.prometheus_by_edge_status;
    expect(report.offline_simulation.agrees, report.offline_simulation.differences.join('\n')).toBe(true);
    expect(simulated.by_edge_status).toEqual(live);
    expect(live.iad!.HIT! + live.iad!.MISS!).toBe(1200);
    // Half as many objects: fewer misses than the same trace without the function.
    expect(live.iad!.MISS).toBeLessThan(JSON.parse(plain.stdout).by_edge_status.iad.MISS);
    expect(simulated.simulation.edges.iad.functions).toEqual({ pairs: { 'viewer-request': { ok: 1200 } } });
  });

  it('with a Lambda@Edge viewer-request that answers some paths at the edge, on three edges', () => {
    // Every fifth object is refused at the edge (403, counted as LambdaGeneratedResponse), never cached or fetched.
    const refuse = writeText(
      'refuse.mjs',
      `export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const n = Number(/-(\\d+)$/.exec(request.uri)?.[1] ?? 1);
  if (n % 5 !== 0) return request;
  return { status: '403', statusDescription: 'Forbidden', headers: { 'content-type': [{ key: 'Content-Type', value: 'text/plain' }] }, body: 'refused at the edge\\n' };
};
`,
    );
    const stamp = writeText(
      'stamp.mjs',
      `export const handler = async (event) => {
  const response = event.Records[0].cf.response;
  response.headers['x-stamped'] = [{ key: 'X-Stamped', value: 'yes' }];
  return response;
};
`,
    );
    const topology = {
      ...testTopology({ edges: TEST_EDGES.slice(0, 3) }),
      functions: [
        { id: 'refuse', file: refuse, runtime: 'lambda-node', triggers: ['viewer-request'] },
        { id: 'stamp', file: stamp, runtime: 'lambda-node', triggers: ['viewer-response'], edges: ['fra'] },
      ],
    };
    for (const edge of topology.edges) edge.maxSize = 48 * 1024;
    const topologyFile = writeJson('refuse.json', topology);
    const traceFile = generateTrace('refuse.csv', ['--requests', '1500', '--objects', '250', '--alpha', '0.8', '--seed', '17', '--countries', 'US:1,DE:1,JP:1']);
    const { report, simulated } = liveAndOffline(topologyFile, traceFile);

    expect(report.requests).toBe(1500);
    const live: Counts = report.prometheus_by_edge_status;
    expect(Object.keys(live).sort()).toEqual(['fra', 'iad', 'nrt']);
    expect(report.offline_simulation.agrees, report.offline_simulation.differences.join('\n')).toBe(true);
    expect(simulated.by_edge_status).toEqual(live);
    const refused = total(live, 'LambdaGeneratedResponse');
    expect(refused).toBeGreaterThan(100);
    // The bench counts each 403 as an error, offline and live alike.
    expect(report.errors).toBe(refused);
    expect(simulated.errors).toBe(refused);
    expect(total(live, 'HIT') + total(live, 'MISS') + refused).toBe(1500);
    for (const edge of ['fra', 'iad', 'nrt']) {
      const counts = simulated.simulation.edges[edge].functions;
      expect(counts.refuse['viewer-request'].generated, edge).toBe(live[edge]!.LambdaGeneratedResponse);
    }
    expect(simulated.simulation.edges.fra.functions.stamp['viewer-response'].ok).toBe(live.fra!.HIT! + live.fra!.MISS!);
  });
  it('with results the edge cannot apply: a viewer-request target that does not normalise, an origin-request naming another origin', () => {
    // Every seventh object's target gets a bad percent-encoding (a valid uri to the runtime, not a
    // path to the edge); every fifth object's origin-request points at another host (refused).
    const badTarget = writeText(
      'bad-target.js',
      `function handler(event) {
  var request = event.request;
  var match = /-(\\d+)$/.exec(request.uri);
  if (match && Number(match[1]) % 7 === 0) request.uri += '%zz';
  return request;
}
`,
    );
    const elsewhere = writeText(
      'elsewhere.mjs',
      `export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const n = Number(/-(\\d+)$/.exec(request.uri)?.[1] ?? 1);
  if (n % 5 === 0) request.origin.custom.domainName = 'elsewhere.example';
  return request;
};
`,
    );
    const topology = {
      ...testTopology({ edges: TEST_EDGES.slice(0, 1) }),
      functions: [
        { id: 'bad-target', file: badTarget, runtime: 'cloudfront-js', triggers: ['viewer-request'] },
        { id: 'elsewhere', file: elsewhere, runtime: 'lambda-node', triggers: ['origin-request'] },
      ],
    };
    const topologyFile = writeJson('unusable.json', topology);
    const traceFile = generateTrace('unusable.csv', ['--requests', '1000', '--objects', '200', '--alpha', '0.8', '--seed', '23']);
    const { report, simulated } = liveAndOffline(topologyFile, traceFile);

    expect(report.requests).toBe(1000);
    const live: Counts = report.prometheus_by_edge_status;
    expect(report.offline_simulation.agrees, report.offline_simulation.differences.join('\n')).toBe(true);
    expect(simulated.by_edge_status).toEqual(live);
    const counts = simulated.simulation.edges.iad.functions;
    // Offline counts them invalid-result, as the live edge does; each is the failure the live edge answered.
    expect(counts['bad-target']['viewer-request']['invalid-result']).toBe(live.iad!.FunctionExecutionError);
    expect(counts.elsewhere['origin-request']['invalid-result']).toBe(live.iad!.LambdaValidationError);
    expect(live.iad!.FunctionExecutionError).toBeGreaterThan(20);
    expect(live.iad!.LambdaValidationError).toBeGreaterThan(20);
  });
});
