import type { BenchStats } from '../../bench/stats.ts';

/** Latency CDF points (ms, fraction) per cache status, for the report's chart. */
export function latencyCurves(stats: BenchStats): Record<string, [number, number][]> {
  const percentiles = [...Array.from({ length: 100 }, (_, i) => i), 99.5, 99.9, 99.99, 100];
  const curves: Record<string, [number, number][]> = {};
  for (const [status, group] of stats.byCacheStatus) {
    curves[status] = percentiles.map((p) => [group.latency.getValueAtPercentile(p) / 1000, p / 100]);
  }
  return curves;
}
