/**
 * The anchor for cost per request: what a bare node:http server (bench/lib/map-server.ts, 1 KiB
 * from a Map) costs in CPU per request on this machine at a given request rate. A process that
 * sleeps between requests pays for every wake-up, so the same work costs more per request at a
 * low rate than at a high one; the default topology's ten edges each see a tenth of the load.
 *
 *   node --import tsx scripts/wakeup-anchor.ts [RATE ...]   (default 100 1000 5000)
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { startPortPrinter } from '../bench/lib/processes.ts';

/** The process's CPU seconds so far (user + system) from /proc, which only Linux has. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

/** Sends `rate` requests a second for `seconds`, open loop, and waits for every answer. */
async function openLoop(pool: Pool, rate: number, seconds: number): Promise<number> {
  const total = Math.round(rate * seconds);
  const started = performance.now();
  let sent = 0;
  const answers: Promise<void>[] = [];
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; sent < due; sent++) answers.push(pool.request({ path: '/1k', method: 'GET' }).then((response) => response.body.dump()));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(answers);
  return total;
}

export async function measureWakeupAnchor(rates: readonly number[], seconds = 5): Promise<{ rate: number; cpuUsPerRequest: number }[] | undefined> {
  const server = await startPortPrinter('bench/lib/map-server.ts');
  const pool = new Pool(`http://127.0.0.1:${server.port}`, { connections: 16, headersTimeout: 10_000, bodyTimeout: 10_000 });
  try {
    if (cpuSecondsOf(server.child.pid!) === undefined) return undefined;
    await openLoop(pool, 2_000, 2); // warm-up: JIT and connections
    const results = [];
    for (const rate of rates) {
      const before = cpuSecondsOf(server.child.pid!)!;
      const requests = await openLoop(pool, rate, seconds);
      const cpu = cpuSecondsOf(server.child.pid!)! - before;
      results.push({ rate, cpuUsPerRequest: (cpu * 1e6) / requests });
    }
    return results;
  } finally {
    await pool.close();
    server.child.kill('SIGTERM');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rates = process.argv.slice(2).map(Number);
  const results = await measureWakeupAnchor(rates.length > 0 ? rates : [100, 1_000, 5_000]);
  if (!results) console.log('anchor: skipped, /proc/<pid>/stat is not readable here (Linux only)');
  else for (const { rate, cpuUsPerRequest } of results) console.log(`anchor: node:http + Map, 1 KiB at ${rate} req/s: ${cpuUsPerRequest.toFixed(0)} µs CPU per request`);
}
