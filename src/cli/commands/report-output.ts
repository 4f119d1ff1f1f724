import { summaryLines, writeReport, type BenchReport } from '../../loadgen/report.ts';
import type { BenchStats } from '../../loadgen/stats.ts';

/** Prints a report's summary (and a note) and, with an output folder, writes report.json, .md and .html there. */
export function emitReport(report: BenchReport, stats: BenchStats, out: string | undefined, note?: string): void {
  console.log(summaryLines(report).join('\n'));
  if (note) console.log(note);
  if (out) {
    writeReportFiles(report, stats, out);
    console.log(`\nreport: ${out}/report.json, report.md, report.html`);
  }
}

export function writeReportFiles(report: BenchReport, stats: BenchStats, out: string): void {
  writeReport(out, report, latencyCurves(stats));
}

/** Latency CDF points (ms, fraction) per cache status, for the report's chart. */
function latencyCurves(stats: BenchStats): Record<string, [number, number][]> {
  const percentiles = [...Array.from({ length: 100 }, (_, i) => i), 99.5, 99.9, 99.99, 100];
  const curves: Record<string, [number, number][]> = {};
  for (const [status, group] of stats.byCacheStatus) {
    curves[status] = percentiles.map((p) => [group.latency.getValueAtPercentile(p) / 1000, p / 100]);
  }
  return curves;
}
