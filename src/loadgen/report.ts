import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as hdr from 'hdr-histogram-js';
import type { BenchOptions } from './options.ts';
import type { ScenarioEvent } from './scenarios.ts';
import { barChart, lineChart } from '../charts/svg.ts';
import { summarise, type BenchStats, type LatencySummary } from './stats.ts';

export interface GroupReport {
  requests: number;
  hit_ratio: number;
  bytes: number;
  latency_ms: LatencySummary;
}

/** The machine-readable result of a run; README "report.json" documents every key. */
export interface BenchReport {
  version: 1;
  /** What produced it: a live run (`cdnsim bench`) or an offline one (`cdnsim sim --topology`). */
  kind: 'bench' | 'simulation';
  /** One line saying what was run, for the Markdown and HTML reports. */
  title: string;
  started_at: string;
  target: string;
  /** The command's options (bench or sim). */
  options: object;
  duration_s: number;
  requests: number;
  errors: number;
  errors_by_kind: Record<string, number>;
  throughput_rps: number;
  hit_ratio: number;
  prometheus_hit_ratio: number | null;
  hit_ratio_difference_pp: number | null;
  lru_simulation_hit_ratio: number | null;
  origin_offload_requests_ratio: number;
  origin_offload_bytes_ratio: number | null;
  latency_ms: LatencySummary;
  by_cache_status: Record<string, GroupReport>;
  by_edge: Record<string, GroupReport>;
  by_client_region: Record<string, GroupReport>;
  /** Responses per edge and X-Cache, as the client saw them. */
  by_edge_status: Record<string, Record<string, number>>;
  /** Deltas of each edge's cdn_edge_requests_total by cache_status over the measured phase (live runs). */
  prometheus_by_edge_status: Record<string, Record<string, number>> | null;
  /** A trace replay's offline simulation of the same trace and topology, and whether every edge agreed. */
  offline_simulation: { by_edge_status: Record<string, Record<string, number>>; agrees: boolean; differences: string[] } | null;
  /** Offline runs: per-edge cache detail, trace span and the simulator's own speed. */
  simulation: { trace: string; trace_seconds: number; wall_seconds: number; requests_per_second: number; edges: Record<string, object> } | null;
  timeline: { second: number; requests: number; hit_ratio: number; errors: number; by_edge: Record<string, number> }[];
  generator_ceiling_rps: number | null;
  generator_bound: boolean | null;
  scenario: { name: string; events: ScenarioEvent[]; failover_ms: number | null; errors_after_event: number | null };
}

function groups(map: Map<string, { requests: number; hits: number; bytes: number; latency: hdr.Histogram }>): Record<string, GroupReport> {
  const out: Record<string, GroupReport> = {};
  for (const [key, group] of [...map].sort(([a], [b]) => a.localeCompare(b))) {
    out[key] = {
      requests: group.requests,
      hit_ratio: group.requests ? group.hits / group.requests : 0,
      bytes: group.bytes,
      latency_ms: summarise(group.latency),
    };
  }
  return out;
}

export function buildReport(fields: {
  kind?: BenchReport['kind'];
  title?: string;
  options: BenchOptions | object;
  target: string;
  startedAt: Date;
  elapsedMs: number;
  stats: BenchStats;
  prometheusHitRatio: number | null;
  originOffloadBytes: number | null;
  lruHitRatio: number | null;
  ceilingRps: number | null;
  scenario: BenchReport['scenario'];
  prometheusByEdgeStatus?: BenchReport['prometheus_by_edge_status'];
  offlineSimulation?: BenchReport['offline_simulation'];
  simulation?: BenchReport['simulation'];
}): BenchReport {
  const { stats } = fields;
  const requests = stats.overall.requests;
  const throughput = requests / (fields.elapsedMs / 1000);
  const fromOrigin = ['MISS', 'PASS', 'REVALIDATED'].reduce((sum, status) => sum + (stats.byCacheStatus.get(status)?.requests ?? 0), 0);
  const { adminToken: _secret, ...options } = fields.options as Partial<BenchOptions>;
  return {
    version: 1,
    kind: fields.kind ?? 'bench',
    title: fields.title ?? benchTitle(fields.options as BenchOptions),
    started_at: fields.startedAt.toISOString(),
    target: fields.target,
    options,
    duration_s: fields.elapsedMs / 1000,
    requests,
    errors: stats.errors,
    errors_by_kind: Object.fromEntries(stats.errorsByKind),
    throughput_rps: throughput,
    hit_ratio: stats.hitRatio,
    prometheus_hit_ratio: fields.prometheusHitRatio,
    hit_ratio_difference_pp: fields.prometheusHitRatio === null ? null : (stats.hitRatio - fields.prometheusHitRatio) * 100,
    lru_simulation_hit_ratio: fields.lruHitRatio,
    origin_offload_requests_ratio: requests ? 1 - fromOrigin / requests : 0,
    origin_offload_bytes_ratio: fields.originOffloadBytes,
    latency_ms: summarise(stats.overall.latency),
    by_cache_status: groups(stats.byCacheStatus),
    by_edge: groups(stats.byEdge),
    by_client_region: groups(stats.byRegion),
    by_edge_status: countsByEdgeStatus(stats.byEdgeStatus),
    prometheus_by_edge_status: fields.prometheusByEdgeStatus ?? null,
    offline_simulation: fields.offlineSimulation ?? null,
    simulation: fields.simulation ?? null,
    timeline: stats.timeline.map((slot) => ({
      second: slot.second,
      requests: slot.requests,
      hit_ratio: slot.requests ? slot.hits / slot.requests : 0,
      errors: slot.errors,
      by_edge: slot.byEdge,
    })),
    generator_ceiling_rps: fields.ceilingRps,
    generator_bound: fields.ceilingRps === null ? null : throughput >= 0.8 * fields.ceilingRps,
    scenario: fields.scenario,
  };
}

function benchTitle(options: BenchOptions): string {
  const loop = options.mode === 'open' ? `open loop at ${options.rate} req/s` : `closed loop with ${options.concurrency} clients`;
  const load = options.trace ? `trace ${options.trace}` : `${options.objects} objects, Zipf ${options.alpha}, seed ${options.seed}`;
  return `cdnsim bench (${options.scenario}): ${loop}; ${load}`;
}

function countsByEdgeStatus(map: ReadonlyMap<string, ReadonlyMap<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)).map(([edge, statuses]) => [edge, Object.fromEntries(statuses)]));
}

const pct = (ratio: number | null) => (ratio === null ? 'n/a' : `${(ratio * 100).toFixed(2)} %`);

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

function latencyRows(title: string, groupsByKey: Record<string, GroupReport>): string[][] {
  return [
    [title, 'requests', 'hit ratio', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms'],
    ...Object.entries(groupsByKey).map(([key, group]) => [
      key,
      String(group.requests),
      pct(group.hit_ratio),
      group.latency_ms.p50.toFixed(3),
      group.latency_ms.p90.toFixed(3),
      group.latency_ms.p99.toFixed(3),
      group.latency_ms.p999.toFixed(3),
    ]),
  ];
}

/** The summary a person reads at the end of a run. */
export function summaryLines(report: BenchReport): string[] {
  const lines = report.kind === 'simulation' ? simulationHeadline(report) : benchHeadline(report);
  lines.push(
    `origin offload: ${pct(report.origin_offload_requests_ratio)} of requests, ${pct(report.origin_offload_bytes_ratio)} of bytes`,
    `latency ms${report.kind === 'simulation' ? ' (network model)' : ''}: p50 ${report.latency_ms.p50}  p90 ${report.latency_ms.p90}  p99 ${report.latency_ms.p99}  p99.9 ${report.latency_ms.p999}  max ${report.latency_ms.max}`,
    '',
    ...table(latencyRows('cache status', report.by_cache_status)),
    '',
    ...table(latencyRows('edge', report.by_edge)),
    '',
    ...table(latencyRows('client region', report.by_client_region)),
  );
  if (report.simulation) lines.push('', ...table(simulatedEdgeRows(report.simulation.edges)));
  if (report.generator_ceiling_rps !== null) {
    lines.push(
      '',
      `load generator ceiling (trivial server, same loop): ${report.generator_ceiling_rps.toFixed(0)} req/s; ` +
        (report.generator_bound
          ? 'this run reached over 80 % of it: the load generator, not the CDN, was the bottleneck'
          : 'this run stayed well below it: the CDN was the bottleneck'),
    );
  }
  for (const event of report.scenario.events) lines.push(`at ${(event.at / 1000).toFixed(1)} s: ${event.what}`);
  if (report.scenario.failover_ms !== null) {
    lines.push(`failover: errors stopped ${report.scenario.failover_ms} ms after the edge was killed; ${report.scenario.errors_after_event} errors`);
  }
  return lines;
}

function benchHeadline(report: BenchReport): string[] {
  const lines = [
    `requests ${report.requests} in ${report.duration_s.toFixed(1)} s = ${report.throughput_rps.toFixed(0)} req/s; errors ${report.errors}` +
      (report.errors ? ` (${Object.entries(report.errors_by_kind).map(([kind, count]) => `${kind}: ${count}`).join(', ')})` : ''),
    `hit ratio ${pct(report.hit_ratio)} (bench) vs ${pct(report.prometheus_hit_ratio)} (edges' cdn_edge_requests_total)` +
      (report.hit_ratio_difference_pp === null ? '' : `: difference ${report.hit_ratio_difference_pp.toFixed(3)} pp`),
  ];
  if (report.lru_simulation_hit_ratio !== null) lines.push(`the same sequence replayed through each edge's own cache code: ${pct(report.lru_simulation_hit_ratio)}`);
  const offline = report.offline_simulation;
  if (offline) {
    lines.push(
      offline.agrees
        ? "offline simulation of the same trace: every edge's hits and misses equal the edges' own counters"
        : `offline simulation of the same trace differs: ${offline.differences.join('; ')}`,
    );
  }
  return lines;
}

function simulationHeadline(report: BenchReport): string[] {
  const sim = report.simulation!;
  return [
    `requests ${report.requests} over ${sim.trace_seconds.toFixed(0)} s of trace, simulated in ${sim.wall_seconds.toFixed(2)} s (${sim.requests_per_second.toFixed(0)} req/s); unserved ${report.errors}`,
    `hit ratio ${pct(report.hit_ratio)}`,
  ];
}

function simulatedEdgeRows(edges: Record<string, object>): string[][] {
  const rows = [['edge', 'policy', 'capacity', 'evictions', 'cached objects', 'cached bytes', 'origin fetches', 'origin bytes']];
  for (const [id, edge] of Object.entries(edges) as [string, Record<string, number | string>][]) {
    rows.push([id, String(edge['policy']), `${edge['capacity']} ${edge['capacity_unit']}`, String(edge['evictions']), String(edge['cache_objects']), String(edge['cache_bytes']), String(edge['origin_fetches']), String(edge['origin_bytes'])]);
  }
  return rows;
}

export function writeReport(dir: string, report: BenchReport, latencyCurves: Record<string, [number, number][]>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(dir, 'report.md'), markdown(report));
  writeFileSync(path.join(dir, 'report.html'), html(report, latencyCurves));
}

function markdown(report: BenchReport): string {
  const md = (rows: string[][]) => [`| ${rows[0]!.join(' | ')} |`, `|${rows[0]!.map(() => '---').join('|')}|`, ...rows.slice(1).map((row) => `| ${row.join(' | ')} |`)].join('\n');
  return `# ${report.title}

${report.started_at}; target ${report.target}.

${summaryLines(report).slice(0, 5).map((line) => `- ${line}`).join('\n')}

## By cache status
${md(latencyRows('cache status', report.by_cache_status))}

## By edge
${md(latencyRows('edge', report.by_edge))}

## By client region
${md(latencyRows('client region', report.by_client_region))}

Charts: report.html. Raw numbers: report.json.
`;
}

function html(report: BenchReport, latencyCurves: Record<string, [number, number][]>): string {
  const hitRatio: [number, number][] = report.timeline.map((slot) => [slot.second, slot.hit_ratio]);
  const perEdge = Object.fromEntries(Object.entries(report.by_edge).map(([edge, group]) => [edge, group.requests]));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cdnsim bench report</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#0f172a}pre{background:#f1f5f9;padding:12px}</style></head><body>
<h1>${escapeHtml(report.title)}</h1>
<pre>${escapeHtml(summaryLines(report).join('\n'))}</pre>
${lineChart('Latency CDF by cache status', latencyCurves, { logX: true, xLabel: 'latency, ms (log)', yLabel: 'fraction of requests', yMax: 1 })}
${lineChart('Hit ratio over time', { 'hit ratio': hitRatio }, { xLabel: 'second', yLabel: 'hit ratio', yMax: 1 })}
${barChart('Requests per edge', perEdge)}
</body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
