import type { RunReport } from '../report/run-report.ts';
import type { RunStats } from '../report/run-stats.ts';

/** What a bench run hands back for printing: the report, the raw statistics behind its charts, and a note on the edges' counters if any. */
export interface BenchRun {
  report: RunReport;
  stats: RunStats;
  note?: string;
}
