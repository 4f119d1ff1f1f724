import type { BenchReport } from './report.ts';
import type { BenchStats } from './stats.ts';

/** What a bench run hands back for printing: the report, the raw statistics behind its charts, and a note on the edges' counters if any. */
export interface BenchRun {
  report: BenchReport;
  stats: BenchStats;
  note?: string;
}
