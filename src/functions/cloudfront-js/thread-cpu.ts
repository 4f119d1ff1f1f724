/**
 * The CPU time of the calling thread, for the compute budget. Node 20 has no per-thread CPU
 * clock (process.threadCpuUsage came in Node 23.9), and process.cpuUsage() adds up every thread
 * of the process, which counts V8 compiling WASM in the background as the function's time. On
 * Linux, /proc/thread-self/schedstat gives this thread's run time in nanoseconds; the file stays
 * open and is re-read in place, a few microseconds a read. Elsewhere, the process clock stands in.
 */
import { openSync, readSync } from 'node:fs';

let schedstat: number | undefined | null;
const buffer = Buffer.alloc(96);

function openSchedstat(): number | null {
  try {
    return openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return null;
  }
}

function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export function threadCpuMs(): number {
  if (schedstat === undefined) schedstat = openSchedstat();
  if (schedstat === null) return processCpuMs();
  try {
    const length = readSync(schedstat, buffer, 0, buffer.length, 0);
    const text = buffer.toString('latin1', 0, length);
    const space = text.indexOf(' ');
    return Number(space < 0 ? text : text.slice(0, space)) / 1e6;
  } catch {
    schedstat = null;
    return processCpuMs();
  }
}
