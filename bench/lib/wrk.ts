import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** One wrk run (one thread, pinned to `cpu` when taskset exists), parsed from its --latency report. */
export async function wrk(
  url: string,
  options: { seconds: number; connections: number; cpu?: number; headers?: Readonly<Record<string, string>> },
): Promise<WrkResult> {
  const headerArgs = Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency', ...headerArgs, url];
  const command = options.cpu === undefined ? 'wrk' : 'taskset';
  const argv = options.cpu === undefined ? args : ['-c', String(options.cpu), 'wrk', ...args];
  const { stdout } = await run(command, argv, { timeout: (options.seconds + 30) * 1000 });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  if (!rps) throw new Error(`could not read wrk's output:\n${stdout}`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  return {
    requestsPerSecond: Number(rps[1]),
    p50Ms: latencyMs(stdout, '50%'),
    p99Ms: latencyMs(stdout, '99%'),
    errors: (errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0),
  };
}

function latencyMs(report: string, percentile: string): number {
  const match = new RegExp(`^\\s*${percentile}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(report);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

export async function requireWrk(): Promise<void> {
  try {
    await run('wrk', ['--version']).catch((error: { stdout?: string }) => {
      // wrk prints its version and exits 1.
      if (!error.stdout?.includes('wrk')) throw error;
    });
  } catch {
    console.error('bench: wrk is not installed (Debian: apt-get install wrk)');
    process.exit(2);
  }
}
