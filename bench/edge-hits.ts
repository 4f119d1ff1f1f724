/**
 * Cache-hit throughput and latency of one edge, against the node:http + Map ceiling and Varnish
 * (`varnishd -b` in front of the same origin, when installed), measured in one run with one load
 * generator (wrk, one thread). Servers share CPU 0, wrk has CPU 1, as in perf.md.
 * Run: npm run bench:edge [-- --seconds 5 --warmup 5 --rounds 3 --connections 32]
 */
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { ManagedChild } from '../src/supervisor/child.ts';
import { waitHealthy } from '../src/supervisor/health-wait.ts';
import { compare, printTable } from './lib/compare.ts';
import { pinToCpu } from './lib/pin.ts';
import { ratio, startPortPrinter } from './lib/processes.ts';
import { startVarnish, type RunningVarnish } from './lib/varnish.ts';
import { requireWrk } from './lib/wrk.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
  },
});
const options = {
  seconds: Number(values.seconds),
  warmup: Number(values.warmup),
  rounds: Number(values.rounds),
  connections: Number(values.connections),
  cpu: 1,
};

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
let varnish: RunningVarnish | undefined;
try {
  await edge.start();
  await waitHealthy(edge.url);
  varnish = await startVarnish(mapUrl);
  if (!varnish) console.log('Varnish: skipped, varnishd not found (Debian: apt-get install varnish)');
  const pinned = (await pinToCpu(map.child.pid!, 0)) && (await pinToCpu(edge.pid!, 0)) && (!varnish || (await pinToCpu(varnish.pid, 0)));
  console.log(
    `servers ${pinned ? 'pinned to CPU 0, wrk to CPU 1' : 'not pinned (no taskset)'}; ${options.connections} connections; ` +
      `${options.warmup} s warm-up each, then the median of ${options.rounds} alternating ${options.seconds} s runs\n`,
  );
  const rows = [['object', 'server', 'req/s', 'ratio', 'vs Varnish', 'p50 ms', 'p99 ms', 'errors']];
  for (const object of ['/1k', '/100k']) {
    for (const cache of [edge.url, varnish?.url]) {
      if (cache === undefined) continue;
      const primed = await request(`${cache}${object}`);
      await primed.body.dump();
    }
    const targets: [string, string][] = [
      ['node:http + Map', `${mapUrl}${object}`],
      ['cdnsim edge HIT', `${edge.url}${object}`],
    ];
    if (varnish) targets.push(['Varnish HIT', `${varnish.url}${object}`]);
    const results = await compare(targets, options);
    const ceiling = results.get('node:http + Map')!.requestsPerSecond;
    const varnishRate = results.get('Varnish HIT')?.requestsPerSecond;
    for (const [name, result] of results) {
      const vsVarnish = varnishRate === undefined ? 'n/a' : ratio(result.requestsPerSecond, varnishRate);
      rows.push([object, name, result.requestsPerSecond.toFixed(0), ratio(result.requestsPerSecond, ceiling), vsVarnish, result.p50Ms.toFixed(3), result.p99Ms.toFixed(3), String(result.errors)]);
    }
  }
  printTable(rows);
  const check = await request(`${edge.url}/1k`);
  await check.body.dump();
  console.log(`\n(the edge answered X-Cache: ${String(check.headers['x-cache'])})`);
} finally {
  await varnish?.stop();
  await edge.stop();
  map.child.kill('SIGTERM');
}
