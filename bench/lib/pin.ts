import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Pins a running process (all its threads) to one CPU, as the reference figures in perf.md were
 * measured: servers on CPU 0, the load generator on CPU 1. A no-op where taskset is missing.
 */
export async function pinToCpu(pid: number, cpu: number): Promise<boolean> {
  try {
    await run('taskset', ['-a', '-p', '-c', String(cpu), String(pid)]);
    return true;
  } catch {
    return false;
  }
}
