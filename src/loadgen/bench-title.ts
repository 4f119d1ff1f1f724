import type { BenchOptions } from './options.ts';

/** The one-line title of a bench run's report. */
export function benchTitle(options: BenchOptions): string {
  const loop = options.mode === 'open' ? `open loop at ${options.rate} req/s` : `closed loop with ${options.concurrency} clients`;
  const load = options.trace ? `trace ${options.trace}` : `${options.objects} objects, Zipf ${options.alpha}, seed ${options.seed}`;
  const routing = options.routing === 'dns' ? ', routed by DNS' : '';
  return `cdnsim bench (${options.scenario}${routing}): ${loop}; ${load}`;
}
