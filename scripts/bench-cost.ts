/**
 * What each request costs in CPU, by role: `cdnsim bench --spawn` in the open loop at 1000 req/s
 * for 10 s after 5 s of warm-up, Zipf 0.8 over 10,000 objects of 1 KiB, on the default topology
 * with the simulated network delay off (timeScale 0) so that waiting does not hide the work.
 *
 *   npm run bench:cost [-- any other cdnsim bench option, e.g. --out DIR]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measureWakeupAnchor } from './wakeup-anchor.ts';

const root = path.resolve(import.meta.dirname, '..');
const topology = JSON.parse(readFileSync(path.join(root, 'topology.json'), 'utf8'));
topology.network.timeScale = 0;
// The copy lives elsewhere, and relative paths resolve against the topology file's folder.
if (topology.origin.dataDir !== undefined) topology.origin.dataDir = path.resolve(root, topology.origin.dataDir);
const dir = mkdtempSync(path.join(tmpdir(), 'cdnsim-bench-cost-'));
try {
  const topologyFile = path.join(dir, 'topology.json');
  writeFileSync(topologyFile, JSON.stringify(topology, null, 2));
  const args = ['--spawn', '--topology', topologyFile, '--mode', 'open', '--rate', '1000', '--duration', '10', '--warmup', '5', '--alpha', '0.8', '--objects', '10000', '--size', '1024'];
  const run = spawnSync(process.execPath, [path.join(root, 'bin/cdnsim.js'), 'bench', ...args, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
  // The anchor, measured in the same run: a bare Node server at one edge's share of the rate and at the whole rate.
  const { values } = parseArgs({ args: process.argv.slice(2), options: { rate: { type: 'string' } }, strict: false });
  const rate = Number(values.rate ?? 1000);
  const edgeCount: number = topology.edges.length;
  const anchor = await measureWakeupAnchor([Math.max(1, Math.round(rate / edgeCount)), rate]);
  if (!anchor) console.log('\nanchor: skipped, /proc/<pid>/stat is not readable here (Linux only)');
  else {
    console.log(`\nanchor, same machine and run: a bare node:http server answering 1 KiB from a Map costs`);
    for (const { rate: at, cpuUsPerRequest } of anchor) console.log(`  ${cpuUsPerRequest.toFixed(0)} µs CPU per request at ${at} req/s${at === rate ? '' : ` (one edge's share of ${rate} req/s over ${edgeCount} edges)`}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
