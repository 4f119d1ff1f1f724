import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { WorkloadRequest } from '../workload/workload.ts';
import { createClientPool, runPhase } from './runner.ts';

/** The smallest server there is: every request gets the same 1 KiB, in its own process. */
const TRIVIAL_SERVER = `
const body = Buffer.alloc(1024, 120);
const server = require('node:http').createServer((req, res) => {
  res.writeHead(200, { 'content-length': body.length, 'x-cache': 'HIT', 'x-served-by': 'ceiling' });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.on('disconnect', () => process.exit(0));
`;

/**
 * How many requests per second this load generator can drive at all, measured against a trivial
 * server with the same loop and concurrency: if the run reached close to it, the generator, not
 * the CDN, was the bottleneck.
 */
export async function measureGeneratorCeiling(options: { mode: 'open' | 'closed'; concurrency: number; seconds: number }): Promise<number> {
  const child = spawn(process.execPath, ['-e', TRIVIAL_SERVER], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  try {
    const port = Number(
      await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', () => reject(new Error('the ceiling server exited')));
      }),
    );
    const pool = createClientPool(`http://127.0.0.1:${port}`, options.concurrency);
    const request = { path: '/', clientIp: '127.0.0.1', region: 'local' } as WorkloadRequest & { region: string };
    // Closed loop at full concurrency: the most the generator can push, whatever the run's mode.
    const phase = { mode: 'closed' as const, rate: 0, concurrency: options.concurrency, timeoutMs: 5_000, next: () => request, onSample: () => undefined };
    await runPhase(pool, { ...phase, durationMs: 500 });
    const result = await runPhase(pool, { ...phase, durationMs: options.seconds * 1000 });
    await pool.close();
    return result.sent / (result.elapsedMs / 1000);
  } finally {
    child.kill();
  }
}
