import { request } from 'undici';

/** What one process says about its own cost at one moment: cumulative CPU and GC, and recent loop delay. */
export interface ProcessSample {
  cpuSeconds: number;
  gcSeconds: number;
  /** p99 event-loop delay since the previous sample (prom-client and the self meter both reset on read). */
  eventLoopP99Seconds: number;
}

/**
 * Reads prom-client's default metrics from a cdnsim process's /metrics. Reading also resets its
 * event-loop histogram, so the reading after a phase covers that phase alone.
 */
export async function scrapeProcessSample(metricsUrl: string): Promise<ProcessSample | undefined> {
  try {
    const response = await request(metricsUrl, { headersTimeout: 3_000, bodyTimeout: 3_000 });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return undefined;
    }
    return parseProcessSample(await response.body.text());
  } catch {
    return undefined;
  }
}

export function parseProcessSample(text: string): ProcessSample | undefined {
  let cpuSeconds: number | undefined;
  let gcSeconds = 0;
  let eventLoopP99Seconds: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const name = line.slice(0, space);
    const value = Number(line.slice(space + 1));
    if (name === 'process_cpu_seconds_total') cpuSeconds = value;
    else if (name === 'nodejs_eventloop_lag_p99_seconds') eventLoopP99Seconds = value;
    // One series per GC kind (minor, major, incremental, weakcb); their sum is all time spent in GC.
    else if (name.startsWith('nodejs_gc_duration_seconds_sum')) gcSeconds += value;
  }
  if (cpuSeconds === undefined || eventLoopP99Seconds === undefined) return undefined;
  return { cpuSeconds, gcSeconds, eventLoopP99Seconds };
}
