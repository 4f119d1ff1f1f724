import type { RunReport } from './run-report.ts';

const us = (value: number | null) => (value === null ? 'n/a' : value.toFixed(1));

/** The per-role CPU cost and each process's GC and loop delay, for the text summary. */
export function costLines(report: RunReport): string[] {
  const cpu = report.cpu_us_per_request;
  if (!cpu) return [];
  const lines = [
    `cpu µs/request: router ${us(cpu.router)}  edge ${us(cpu.edge)} (hit ${us(cpu.edge_hit)}, miss ${us(cpu.edge_miss)})  origin/miss ${us(cpu.origin_per_miss)}  loadgen+supervisor ${us(cpu.loadgen)}  total ${us(cpu.total)}`,
  ];
  for (const [id, health] of Object.entries(report.process_health ?? {})) {
    lines.push(`  ${id} (${health.role}): cpu ${health.cpu_seconds.toFixed(3)} s  gc ${health.gc_seconds.toFixed(3)} s  event-loop p99 ${health.event_loop_p99_ms.toFixed(2)} ms`);
  }
  return lines;
}
