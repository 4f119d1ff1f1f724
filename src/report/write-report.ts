import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { escapeText } from '../charts/escape-text.ts';
import { barChart, lineChart } from '../charts/svg.ts';
import type { RunReport } from './run-report.ts';
import type { RunStats } from './run-stats.ts';
import { routingLines } from './routing-lines.ts';
import { latencyRows, summaryLines } from './summary.ts';

/** Writes report.json, report.md and report.html into `dir`, the HTML with charts drawn from the run's histograms. */
export function writeReportFiles(report: RunReport, stats: RunStats, dir: string): void {
  writeReport(dir, report, latencyCurves(stats));
}

/** Latency CDF points (ms, fraction) per cache status, for the report's chart. */
function latencyCurves(stats: RunStats): Record<string, [number, number][]> {
  const percentiles = [...Array.from({ length: 100 }, (_, i) => i), 99.5, 99.9, 99.99, 100];
  const curves: Record<string, [number, number][]> = {};
  for (const [status, group] of stats.byCacheStatus) {
    curves[status] = percentiles.map((p) => [group.latency.getValueAtPercentile(p) / 1000, p / 100]);
  }
  return curves;
}

function writeReport(dir: string, report: RunReport, latencyCurves: Record<string, [number, number][]>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(dir, 'report.md'), markdown(report));
  writeFileSync(path.join(dir, 'report.html'), html(report, latencyCurves));
}

function markdown(report: RunReport): string {
  const md = (rows: string[][]) => [`| ${rows[0]!.join(' | ')} |`, `|${rows[0]!.map(() => '---').join('|')}|`, ...rows.slice(1).map((row) => `| ${row.join(' | ')} |`)].join('\n');
  return `# ${report.title}

${report.started_at}; target ${report.target}.

${[...new Set([...summaryLines(report).slice(0, 5), ...routingLines(report)])].map((line) => `- ${line}`).join('\n')}

## By cache status
${md(latencyRows('cache status', report.by_cache_status))}

## By edge
${md(latencyRows('edge', report.by_edge))}

## By client region
${md(latencyRows('client region', report.by_client_region))}

Charts: report.html. Raw numbers: report.json.
`;
}

function html(report: RunReport, latencyCurves: Record<string, [number, number][]>): string {
  const hitRatio: [number, number][] = report.timeline.map((slot) => [slot.second, slot.hit_ratio]);
  const perEdge = Object.fromEntries(Object.entries(report.by_edge).map(([edge, group]) => [edge, group.requests]));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cdnsim bench report</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#0f172a}pre{background:#f1f5f9;padding:12px}</style></head><body>
<h1>${escapeText(report.title)}</h1>
<pre>${escapeText(summaryLines(report).join('\n'))}</pre>
${lineChart('Latency CDF by cache status', latencyCurves, { logX: true, xLabel: 'latency, ms (log)', yLabel: 'fraction of requests', yMax: 1 })}
${lineChart('Hit ratio over time', { 'hit ratio': hitRatio }, { xLabel: 'second', yLabel: 'hit ratio', yMax: 1 })}
${barChart('Requests per edge', perEdge)}
</body></html>
`;
}
