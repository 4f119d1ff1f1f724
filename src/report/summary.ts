import { costLines } from './cost-lines.ts';
import { routingLines } from './routing-lines.ts';
import type { GroupReport, RunReport } from './run-report.ts';

const pct = (ratio: number | null) => (ratio === null ? 'n/a' : `${(ratio * 100).toFixed(2)} %`);

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

export function latencyRows(title: string, groupsByKey: Record<string, GroupReport>): string[][] {
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
export function summaryLines(report: RunReport): string[] {
  const lines = report.kind === 'simulation' ? simulationHeadline(report) : benchHeadline(report);
  lines.push(
    `origin offload: ${pct(report.origin_offload_requests_ratio)} of requests, ${pct(report.origin_offload_bytes_ratio)} of bytes`,
    `latency ms${report.kind === 'simulation' ? ' (network model)' : ''}: p50 ${report.latency_ms.p50}  p90 ${report.latency_ms.p90}  p99 ${report.latency_ms.p99}  p99.9 ${report.latency_ms.p999}  max ${report.latency_ms.max}`,
    ...routingLines(report),
    ...costLines(report),
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

function benchHeadline(report: RunReport): string[] {
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

function simulationHeadline(report: RunReport): string[] {
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

