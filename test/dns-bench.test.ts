import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testTopology, TEST_EDGES } from './helpers/test-cluster.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-dns-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The test topology with every edge on its own address (127.0.4.N, one port) and the router's DNS. */
function dnsTopology(ttl: number, edges = TEST_EDGES): string {
  const topology = testTopology({ edges, healthIntervalMs: 300 });
  const file = path.join(dir, `topology-ttl${ttl}-${edges.length}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      ...topology,
      dns: { hostname: 'cdn.cdnsim.test', ttl, port: 0 },
      edges: topology.edges.map((edge, index) => ({ ...edge, host: `127.0.4.${index + 1}` })),
    }),
  );
  return file;
}

function bench(args: string[], timeout = 110_000) {
  return spawnSync(process.execPath, ['bin/cdnsim.js', 'bench', ...args], { encoding: 'utf8', timeout });
}

describe('cdnsim bench --routing dns', () => {
  it('routes each client by its own DNS answer, straight to its edge, and reports the mode and each edge\'s share of the answers', () => {
    const out = path.join(dir, 'dns');
    const result = bench([
      '--spawn', '--topology', dnsTopology(30), '--routing', 'dns', '--requests', '2000', '--warmup', '1', '--concurrency', '16',
      '--objects', '500', '--countries', 'US:1,DE:1,JP:1,BR:1,AU:1,ZA:1', '--dns-clients', '20', '--no-ceiling', '--out', out,
    ]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.errors).toBe(0);
    expect(report.routing.mode).toBe('dns');
    // Each client asks once (the TTL outlasts the run): at most 20 clients in each of 6 countries.
    expect(report.routing.dns_queries).toBeGreaterThan(6);
    expect(report.routing.dns_queries).toBeLessThanOrEqual(120);
    expect(report.routing.dns_failures).toBe(0);
    const shares = report.routing.dns_answer_share as Record<string, number>;
    expect(Object.values(shares).reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 6);
    for (const edge of ['fra', 'nrt', 'gru', 'syd', 'jnb']) expect(shares[edge], edge).toBeGreaterThan(0);
    // Served where the answers pointed: no request reached an edge that no answer named.
    expect(Object.keys(report.by_edge).sort()).toEqual(Object.keys(shares).sort());
    expect(Math.abs(report.hit_ratio_difference_pp)).toBeLessThan(0.5);
    expect(result.stdout).toMatch(/routing: dns .*: \d+ queries, 0 failed/);
    expect(result.stdout).toMatch(/DNS answers per edge: .*nrt [\d.]+ %/);
    const markdown = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(markdown).toMatch(/^- routing: dns /m);
    expect(markdown).toMatch(/^- DNS answers per edge: /m);
    expect(markdown).toMatch(/^- latency ms: p50 /m);
  }, 120_000);

  it('with an edge SIGKILLed and kept down, its clients fail until their answers expire, then move (TTL + a health interval)', () => {
    const out = path.join(dir, 'outage');
    const ttlSeconds = 2;
    const result = bench([
      '--spawn', '--topology', dnsTopology(ttlSeconds, TEST_EDGES.slice(0, 3)), '--routing', 'dns', '--scenario', 'edge-outage',
      '--mode', 'open', '--rate', '200', '--duration', '8', '--warmup', '1', '--objects', '200', '--countries', 'JP:1',
      '--timeout-ms', '2000', '--no-ceiling', '--out', out,
    ]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.scenario.events.map((event: { what: string }) => event.what)).toContain('edge failure: SIGKILL sent to edge nrt (kept down)');
    expect(report.scenario.errors_after_event).toBeGreaterThan(0);
    // Not at once (the clients hold their answers), and not later than the TTL, two failed health
    // checks 300 ms apart and slack for a busy machine.
    expect(report.scenario.failover_ms).toBeGreaterThan(200);
    expect(report.scenario.failover_ms).toBeLessThan(ttlSeconds * 1000 + 2 * 300 + 1500);
    const last = report.timeline.at(-1);
    expect(last.errors).toBe(0);
    expect(last.by_edge.nrt ?? 0).toBe(0);
    expect(report.routing.dns_answer_share.nrt).toBeLessThan(1);
  }, 120_000);

  it('waits the same simulated client-edge round trip as the router does, applied on the client side', () => {
    const topology = JSON.parse(readFileSync(dnsTopology(30, TEST_EDGES.slice(0, 3)), 'utf8'));
    // 50 ms a hop, so the round trip (2 x (50 + km / 100)) stands far above the machine's own noise.
    topology.network = { baseMs: 50, kmPerMs: 100, timeScale: 1 };
    const file = path.join(dir, 'topology-delay.json');
    writeFileSync(file, JSON.stringify(topology));
    const p50 = (routing: string) => {
      const out = path.join(dir, `delay-${routing}`);
      const result = bench([
        '--spawn', '--topology', file, '--routing', routing, '--requests', '300', '--warmup', '1', '--concurrency', '8',
        '--objects', '3', '--countries', 'JP:1', '--no-ceiling', '--out', out,
      ]);
      expect(result.status, result.stderr).toBe(0);
      const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
      expect(Object.keys(report.by_edge)).toEqual(['nrt']);
      return report.by_cache_status.HIT.latency_ms.p50 as number;
    };
    const viaRouter = p50('proxy');
    const direct = p50('dns');
    expect(viaRouter).toBeGreaterThan(100);
    expect(direct).toBeGreaterThan(100);
    // Same delay model, same client, same edge: the hop through the router adds well under 40 ms.
    expect(Math.abs(viaRouter - direct)).toBeLessThan(40);
  }, 120_000);

  it('refuses a topology without DNS, or whose edges share an address, with a clear message', () => {
    const noDns = path.join(dir, 'no-dns.json');
    writeFileSync(noDns, JSON.stringify(testTopology({ edges: TEST_EDGES.slice(0, 2) })));
    const result = bench(['--spawn', '--topology', noDns, '--routing', 'dns', '--requests', '10', '--no-ceiling'], 60_000);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--routing dns needs every edge on an address of its own|--routing dns needs the router's DNS/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 70_000);
});
