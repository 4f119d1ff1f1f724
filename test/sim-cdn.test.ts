import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTopology, TEST_EDGES } from './helpers/test-cluster.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-sim-cdn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cdnsim(args: string[]) {
  return spawnSync(process.execPath, ['bin/cdnsim.js', ...args], { encoding: 'utf8', timeout: 120_000 });
}

const topologyFile = path.join(dir, 'topology.json');
const traceFile = path.join(dir, 'trace.csv');

beforeAll(() => {
  const topology = testTopology({ edges: TEST_EDGES.slice(0, 3) });
  for (const edge of topology.edges) edge.maxSize = 64 * 1024;
  // A network model, so that latency depends on where a request is served.
  topology.network = { baseMs: 2, kmPerMs: 100, timeScale: 1 };
  writeFileSync(topologyFile, JSON.stringify(topology));
  // 3000 requests at 100 per second: 30 s of trace time, clients in Germany and Japan.
  const generated = cdnsim(['trace', 'gen', '--out', traceFile, '--requests', '3000', '--objects', '500', '--rate', '100', '--countries', 'DE:1,JP:1', '--seed', '5']);
  expect(generated.status, generated.stderr).toBe(0);
});

function simulate(args: string[] = []) {
  const result = cdnsim(['sim', '--topology', topologyFile, '--trace', traceFile, '--json', ...args]);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe('cdnsim sim --topology', () => {
  it('routes each client to its nearest edge and reports in the bench report shape', () => {
    const out = path.join(dir, 'report');
    const report = simulate(['--out', out]);
    expect(report.kind).toBe('simulation');
    expect(report.requests).toBe(3000);
    expect(Object.keys(report.by_edge).sort()).toEqual(['fra', 'nrt']);
    expect(report.by_edge.fra.requests + report.by_edge.nrt.requests).toBe(3000);
    expect(report.hit_ratio).toBeGreaterThan(0.2);
    expect(report.hit_ratio).toBeLessThan(1);
    expect(report.origin_offload_requests_ratio).toBeCloseTo(report.hit_ratio, 10);
    expect(report.simulation.trace_seconds).toBe(29);
    // Hits cost the client-edge round trip only; misses add the edge-origin round trip (origin at iad).
    expect(report.by_cache_status.MISS.latency_ms.p50).toBeGreaterThan(report.by_cache_status.HIT.latency_ms.p50 + 50);
    expect(report.simulation.edges.iad.origin_fetches).toBe(0);
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')).by_edge_status).toEqual(report.by_edge_status);
  });

  it('what-if: an edge down for part of the trace sends its clients to the next nearest edge meanwhile', () => {
    const base = simulate();
    const report = simulate(['--edge-down', 'fra@10-20']);
    expect(report.scenario.events.map((event: { what: string }) => event.what)).toEqual(['edge fra down (what-if)', 'edge fra back (what-if)']);
    // German clients went to iad for 10 of the 30 seconds: about a sixth of all requests.
    expect(report.by_edge.iad.requests).toBeGreaterThan(350);
    expect(report.by_edge.iad.requests).toBeLessThan(650);
    expect(report.by_edge.fra.requests + report.by_edge.iad.requests).toBe(base.by_edge.fra.requests);
    const allDay = simulate(['--edge-down', 'fra@0']);
    expect(allDay.by_edge.fra).toBeUndefined();
  });

  it('what-if: bigger caches never lower the hit ratio, and another policy changes it', () => {
    const base = simulate();
    const scaled = simulate(['--cache-scale', '4']);
    expect(scaled.simulation.edges.fra.capacity).toBe(4 * base.simulation.edges.fra.capacity);
    expect(scaled.hit_ratio).toBeGreaterThan(base.hit_ratio);
    const s3fifo = simulate(['--policy', 's3fifo']);
    expect(Object.values(s3fifo.simulation.edges).map((edge) => (edge as { policy: string }).policy)).toEqual(['s3fifo', 's3fifo', 's3fifo']);
    expect(s3fifo.hit_ratio).not.toBe(base.hit_ratio);
  });

  it.each([
    [['--policy', 'belady'], /--policy: "belady" needs the future/],
    [['--edge-down', 'xyz@0'], /no edge "xyz" in .*\(edges: iad, fra, nrt\)/],
    [['--edge-down', 'fra@20-10'], /UNTIL must be after FROM/],
    [['--cache-scale', '0'], /--cache-scale must be a number > 0/],
    [['--ttl=-1'], /--ttl takes whole seconds/],
    [['--columns', 'kee=object_id'], /--columns takes FIELD=COLUMN pairs/],
    [['--columns', 'key=nope'], /the header has no "nope" column/],
  ])('%j exits 2 with one line', (args, message) => {
    const result = cdnsim(['sim', '--topology', topologyFile, '--trace', traceFile, ...(args as string[])]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message as RegExp);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names the field of an invalid topology and exits 2', () => {
    const bad = path.join(dir, 'bad.json');
    const topology = testTopology({ edges: TEST_EDGES.slice(0, 1) });
    Object.assign(topology.edges[0]!, { policy: 'belady' });
    writeFileSync(bad, JSON.stringify(topology));
    const result = cdnsim(['sim', '--topology', bad, '--trace', traceFile]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/edges\[0\]\.policy: .*belady.*simulation-only/);
  });
});
