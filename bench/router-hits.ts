/**
 * What the router costs: cache hits through router -> edge against the same edge hit directly,
 * in one run with one load generator, the network model's delay off. Throughput at saturation
 * (32 connections), latency at light load (1 connection), where it is not queueing.
 * Router, edge and origin share CPU 0; wrk has CPU 1.
 * Run: npm run bench:router [-- --seconds 5 --warmup 5 --rounds 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { startCluster } from '../src/supervisor/cluster.ts';
import { compare, printTable } from './lib/compare.ts';
import { pinToCpu } from './lib/pin.ts';
import { ratio } from './lib/processes.ts';
import { requireWrk } from './lib/wrk.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
  },
});
const timing = { seconds: Number(values.seconds), warmup: Number(values.warmup), rounds: Number(values.rounds), cpu: 1 };

await requireWrk();
const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-bench-router-'));
const topologyFile = path.join(dir, 'topology.json');
writeFileSync(
  topologyFile,
  JSON.stringify({
    network: { baseMs: 0, kmPerMs: 100, timeScale: 0 },
    router: { port: 0, defaultClientLocation: { lat: 50.1, lon: 8.7 } },
    origin: { lat: 39.04, lon: -77.49, port: 0, dataDir: 'origin-data' },
    edges: [{ id: 'fra', city: 'Frankfurt', region: 'eu-central', lat: 50.11, lon: 8.68, port: 0, maxSize: 64 * 1024 * 1024 }],
  }),
);
const cluster = await startCluster({ topologyFile, runDir: path.join(dir, 'run'), adminToken: 'bench', log: () => undefined });
try {
  for (const member of cluster.members) await pinToCpu(member.pid!, 0);
  const edgeUrl = cluster.members.find((member) => member.id === 'fra')!.url;
  const object = '/gen/bench?bytes=1024';
  const primed = await request(`${cluster.routerUrl}${object}`);
  await primed.body.dump();
  const targets = [
    ['edge direct', `${edgeUrl}${object}`],
    ['router -> edge', `${cluster.routerUrl}${object}`],
  ] as const;
  console.log(`1 KiB hits; router, edge and origin on CPU 0, wrk on CPU 1; ${timing.warmup} s warm-up each, median of ${timing.rounds} alternating ${timing.seconds} s runs\n`);
  const saturated = await compare(targets, { ...timing, connections: 32 });
  const light = await compare(targets, { ...timing, connections: 1 });
  const direct = saturated.get('edge direct')!;
  const directLight = light.get('edge direct')!;
  const rows = [['path', 'req/s (32 conn)', 'ratio', 'p50 ms (32)', 'p99 ms (32)', 'p50 ms (1 conn)', 'p99 ms (1 conn)', 'added p50 (1 conn)', 'errors']];
  for (const [name] of targets) {
    const heavy = saturated.get(name)!;
    const easy = light.get(name)!;
    rows.push([
      name,
      heavy.requestsPerSecond.toFixed(0),
      ratio(heavy.requestsPerSecond, direct.requestsPerSecond),
      heavy.p50Ms.toFixed(3),
      heavy.p99Ms.toFixed(3),
      easy.p50Ms.toFixed(3),
      easy.p99Ms.toFixed(3),
      (easy.p50Ms - directLight.p50Ms).toFixed(3),
      String(heavy.errors + easy.errors),
    ]);
  }
  printTable(rows);
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
