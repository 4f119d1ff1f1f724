import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testTopology, TEST_EDGES } from './helpers/test-cluster.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const topologyFile = path.join(dir, 'topology.json');
writeFileSync(topologyFile, JSON.stringify(testTopology({ edges: TEST_EDGES.slice(0, 3) })));

function bench(args: string[], timeout = 120_000) {
  return spawnSync(process.execPath, ['bin/cdnsim.js', 'bench', ...args], { encoding: 'utf8', timeout });
}

describe('cdnsim bench: bad input', () => {
  it.each([
    [['--spawn', '--nope'], /Unknown option '--nope'/],
    [['--spawn', '--alpha', '0'], /--alpha must be > 0/],
    [['--spawn', '--alpha=-1'], /--alpha must be > 0/],
    [['--spawn', '--mode', 'fast'], /--mode must be open or closed/],
    [[], /give --target URL/],
    [['--target', 'http://127.0.0.1:1'], /cannot reach the router at http:\/\/127\.0\.0\.1:1/],
    [['--target', 'http://127.0.0.1:1', '--scenario', 'edge-failure'], /edge-failure needs --spawn/],
    [['--spawn', '--trace', 'no-such-trace.csv'], /cannot read trace file "no-such-trace.csv"/],
    [['--spawn', '--trace', 'traces/cloudPhysicsIO.csv.gz', '--mode', 'open'], /--mode open is not supported with it/],
    [['--spawn', '--trace', 'traces/cloudPhysicsIO.csv.gz', '--ttl', '60,120'], /--ttl takes one value/],
  ])('%j exits 2 with a clear message and no stack trace', (args, message) => {
    const result = bench(args as string[], 30_000);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message as RegExp);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('cdnsim bench: a run', () => {
  it('measures a spawned topology and agrees with the edges\' counters and an exact LRU replay', () => {
    const out = path.join(dir, 'closed');
    const result = bench([
      '--spawn', '--topology', topologyFile, '--requests', '3000', '--warmup', '1', '--concurrency', '16',
      '--objects', '2000', '--alpha', '0.9', '--countries', 'US:2,DE:1,JP:1', '--uncacheable', '0.1', '--no-ceiling', '--out', out,
    ]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.requests).toBe(3000);
    expect(report.errors).toBe(0);
    expect(report.throughput_rps).toBeGreaterThan(0);
    expect(report.hit_ratio).toBeGreaterThan(0.2);
    expect(Math.abs(report.hit_ratio_difference_pp)).toBeLessThan(0.5);
    expect(Math.abs(report.hit_ratio - report.lru_simulation_hit_ratio)).toBeLessThan(0.01);
    for (const key of ['p50', 'p90', 'p99', 'p999']) expect(report.latency_ms[key]).toBeGreaterThan(0);
    expect(Object.keys(report.by_cache_status).sort()).toEqual(['HIT', 'MISS']);
    expect(Object.keys(report.by_edge).sort()).toEqual(['fra', 'iad', 'nrt']);
    expect(Object.keys(report.by_client_region).sort()).toEqual(['Americas', 'Asia', 'Europe']);
    expect(report.origin_offload_bytes_ratio).toBeGreaterThan(0);
    expect(report.timeline.length).toBeGreaterThan(0);
    expect(existsSync(path.join(out, 'report.md'))).toBe(true);
    expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('Latency CDF by cache status');
    expect(result.stdout).toMatch(/hit ratio [\d.]+ % \(bench\) vs [\d.]+ % \(edges' cdn_edge_requests_total\): difference/);
  });

  // A timed open-loop run on a shared 2-core machine: ~22 s alone, more under load.
  it('holds a fixed arrival rate in the open loop and reports the generator ceiling', { timeout: 120_000 }, () => {
    const out = path.join(dir, 'open');
    const result = bench(['--spawn', '--topology', topologyFile, '--mode', 'open', '--rate', '300', '--duration', '2', '--warmup', '0', '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.requests).toBeGreaterThanOrEqual(570);
    expect(report.requests).toBeLessThanOrEqual(630);
    expect(report.generator_ceiling_rps).toBeGreaterThan(300);
    expect(report.generator_bound).toBe(false);
  });

  it('reports CPU per request by role and each process\'s GC and event-loop delay', () => {
    const out = path.join(dir, 'cost');
    const result = bench(['--spawn', '--topology', topologyFile, '--requests', '1500', '--warmup', '0', '--concurrency', '8', '--objects', '500', '--no-ceiling', '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    for (const role of ['router', 'edge', 'origin_per_miss', 'loadgen', 'total']) {
      expect(Number.isFinite(report.cpu_us_per_request[role]), role).toBe(true);
      expect(report.cpu_us_per_request[role], role).toBeGreaterThan(0);
    }
    // Every process used CPU; the total is at least the sum of the per-request parts it adds up.
    const { router, edge, loadgen, total } = report.cpu_us_per_request;
    expect(total).toBeGreaterThanOrEqual(router + loadgen);
    expect(total).toBeGreaterThan(edge * 0.5);
    expect(Object.keys(report.process_health).sort()).toEqual(['fra', 'iad', 'loadgen', 'nrt', 'origin', 'router']);
    for (const health of Object.values(report.process_health) as Record<string, number>[]) {
      for (const key of ['cpu_seconds', 'gc_seconds', 'event_loop_p99_ms']) {
        expect(Number.isFinite(health[key]), key).toBe(true);
        expect(health[key], key).toBeGreaterThanOrEqual(0);
      }
      expect(health['cpu_seconds']).toBeGreaterThan(0);
      // Zero would mean another scrape reset the histogram just before ours, leaving an empty window.
      expect(health['event_loop_p99_ms']).toBeGreaterThan(0);
    }
    expect(result.stdout).toMatch(/cpu µs\/request: router [\d.]+  edge [\d.]+ .* total [\d.]+/);
  });

  it('kills an edge mid-run in the edge-failure scenario and reports what it cost', () => {
    const out = path.join(dir, 'failure');
    const result = bench([
      '--spawn', '--topology', topologyFile, '--scenario', 'edge-failure', '--duration', '4', '--warmup', '0',
      '--countries', 'DE:1', '--concurrency', '8', '--no-ceiling', '--out', out,
    ]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.scenario.events.map((event: { what: string }) => event.what)).toContain('edge failure: SIGKILL sent to edge fra');
    expect(report.scenario.failover_ms).not.toBeNull();
    expect(report.by_edge.iad.requests).toBeGreaterThan(0);
    expect(report.errors).toBe(report.scenario.errors_after_event);
  });
});
