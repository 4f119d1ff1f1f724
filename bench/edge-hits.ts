/**
 * Cache-hit throughput and latency of one edge, against the node:http + Map ceiling, measured in
 * one run with one load generator (wrk, one thread, 32 connections). Servers share CPU 0, wrk has
 * CPU 1, as in perf.md.  Run: npm run bench:edge [-- --seconds 10 --warmup 5 --rounds 3]
 */
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { ManagedChild } from '../src/supervisor/child.ts';
import { waitHealthy } from '../src/supervisor/health-wait.ts';
import { pinToCpu } from './lib/pin.ts';
import { ratio, startPortPrinter } from './lib/processes.ts';
import { requireWrk, wrk, type WrkResult } from './lib/wrk.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);

/** The run with the median throughput (its latencies come with it). */
function median(results: WrkResult[]): WrkResult {
  return [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(results.length / 2)]!;
}
const warmup = Number(values.warmup);
const connections = Number(values.connections);

await requireWrk();
const map = await startPortPrinter('bench/lib/map-server.ts');
const mapUrl = `http://127.0.0.1:${map.port}`;
// The Map server doubles as the edge's origin: the edge fetches each object once, then hits.
const edge = new ManagedChild(
  {
    role: 'edge',
    id: 'bench',
    region: 'bench',
    port: 0,
    args: (port) => ['edge', '--id', 'bench', '--port', String(port), '--origin', mapUrl, '--max-size', String(64 * 1024 * 1024)],
  },
  { env: process.env, log: () => undefined, prefixWidth: 6 },
);
try {
  await edge.start();
  await waitHealthy(edge.url);
  const pinned = (await pinToCpu(map.child.pid!, 0)) && (await pinToCpu(edge.pid!, 0));
  console.log(
    `servers ${pinned ? 'pinned to CPU 0, wrk to CPU 1' : 'not pinned (no taskset)'}; ${connections} connections; ` +
      `${warmup} s warm-up, then the median of ${rounds} alternating ${seconds} s runs\n`,
  );

  const rows: string[][] = [['object', 'server', 'req/s', 'ratio', 'p50 ms', 'p99 ms', 'errors']];
  for (const object of ['/1k', '/100k']) {
    const primed = await request(`${edge.url}${object}`);
    await primed.body.dump();
    const targets = [['node:http + Map', mapUrl], ['cdnsim edge HIT', edge.url]] as const;
    for (const [, url] of targets) if (warmup > 0) await wrk(`${url}${object}`, { seconds: warmup, connections, cpu: 1 });
    // Alternating rounds, median of each: the machine's noise hits both sides alike.
    const runs: Record<string, WrkResult[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const [name, url] of targets) (runs[name] ??= []).push(await wrk(`${url}${object}`, { seconds, connections, cpu: 1 }));
    }
    const results: Record<string, WrkResult> = {};
    for (const [name] of targets) results[name] = median(runs[name]!);
    const ceiling = results['node:http + Map']!.requestsPerSecond;
    for (const [name, result] of Object.entries(results)) {
      rows.push([object, name, result.requestsPerSecond.toFixed(0), ratio(result.requestsPerSecond, ceiling), result.p50Ms.toFixed(3), result.p99Ms.toFixed(3), String(result.errors)]);
    }
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
  const check = await request(`${edge.url}/1k`);
  await check.body.dump();
  console.log(`\n(last response X-Cache: ${String(check.headers['x-cache'])})`);
} finally {
  await edge.stop();
  map.child.kill('SIGTERM');
}
