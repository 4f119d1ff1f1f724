import type { RunReport } from '../../report/run-report.ts';
import type { RunStats } from '../../report/run-stats.ts';
import { summaryLines } from '../../report/summary.ts';
import { writeReportFiles } from '../../report/write-report.ts';

/** Prints a report's summary (and a note) and, with an output folder, writes report.json, .md and .html there. */
export function emitReport(report: RunReport, stats: RunStats, out: string | undefined, note?: string): void {
  console.log(summaryLines(report).join('\n'));
  if (note) console.log(note);
  if (out) {
    writeReportFiles(report, stats, out);
    console.log(`\nreport: ${out}/report.json, report.md, report.html`);
  }
}
