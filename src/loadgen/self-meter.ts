import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { EVENT_LOOP_SAMPLE_MS } from '../metrics/registry.ts';
import type { ProcessSample } from './process-sample.ts';

/** The bench process measuring itself the way prom-client measures the others. */
export interface SelfMeter {
  sample(): ProcessSample;
  stop(): void;
}

export function startSelfMeter(): SelfMeter {
  const delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
  delay.enable();
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  return {
    sample() {
      const cpu = process.cpuUsage();
      // The histogram is in nanoseconds; reset so the next sample covers only what follows.
      const p99 = delay.count > 0 ? delay.percentile(99) / 1e9 : 0;
      delay.reset();
      return { cpuSeconds: (cpu.user + cpu.system) / 1e6, gcSeconds: gcMs / 1000, eventLoopP99Seconds: p99 };
    },
    stop() {
      delay.disable();
      gc.disconnect();
    },
  };
}
