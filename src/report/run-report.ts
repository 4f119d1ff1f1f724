import type * as hdr from 'hdr-histogram-js';
import type { ScenarioEvent } from '../workload/scenario-event.ts';
import { summarise, type RunStats, type LatencySummary } from './run-stats.ts';

export interface GroupReport {
  requests: number;
  hit_ratio: number;
  bytes: number;
  latency_ms: LatencySummary;
}

/** CPU microseconds per request by role over the measured phase; null where it could not be measured. */
export interface CpuPerRequest {
  router: number | null;
  /** All edge CPU over all the edges' responses. */
  edge: number | null;
  /** Edge CPU split by a least-squares fit over the edges' (hits, misses, cpu); null when not identifiable. */
  edge_hit: number | null;
  edge_miss: number | null;
  /** Origin CPU over the edges' non-hit responses. */
  origin_per_miss: number | null;
  /** The bench process: load generator and, with --spawn, the supervisor of the others. */
  loadgen: number | null;
  total: number | null;
}

/** One process's health over the measured phase. */
export interface ProcessHealth {
  role: 'router' | 'edge' | 'origin' | 'loadgen';
  cpu_seconds: number;
  gc_seconds: number;
  event_loop_p99_ms: number;
}

/** The machine-readable result of a run; README "report.json" documents every key. */
export interface RunReport {
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
  /** Live synthetic runs only; null otherwise. */
  cpu_us_per_request: CpuPerRequest | null;
  /** Per process id (edge ids, router, origin, loadgen); live synthetic runs only. */
  process_health: Record<string, ProcessHealth> | null;
  /** How clients reached their edges: through the router, or by its DNS (with what the resolvers saw). */
  routing: RoutingReport;
}

export interface RoutingReport {
  mode: 'proxy' | 'dns';
  /** DNS mode: queries the simulated clients sent (one per client per TTL), and how many failed. */
  dns_queries: number | null;
  dns_failures: number | null;
  /** DNS mode: each edge's share of the answers received. */
  dns_answer_share: Record<string, number> | null;
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
  kind?: RunReport['kind'];
  title: string;
  /** The options of the command that ran, as given (an adminToken among them is left out). */
  options: object;
  target: string;
  startedAt: Date;
  elapsedMs: number;
  stats: RunStats;
  prometheusHitRatio: number | null;
  originOffloadBytes: number | null;
  lruHitRatio: number | null;
  ceilingRps: number | null;
  scenario: RunReport['scenario'];
  prometheusByEdgeStatus?: RunReport['prometheus_by_edge_status'];
  offlineSimulation?: RunReport['offline_simulation'];
  simulation?: RunReport['simulation'];
  cpuPerRequest?: CpuPerRequest;
  processHealth?: Record<string, ProcessHealth>;
  routing?: RoutingReport;
}): RunReport {
  const { stats } = fields;
  const requests = stats.overall.requests;
  const throughput = requests / (fields.elapsedMs / 1000);
  const fromOrigin = ['MISS', 'PASS', 'REVALIDATED'].reduce((sum, status) => sum + (stats.byCacheStatus.get(status)?.requests ?? 0), 0);
  const { adminToken: _secret, ...options } = fields.options as { adminToken?: unknown };
  return {
    version: 1,
    kind: fields.kind ?? 'bench',
    title: fields.title,
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
    cpu_us_per_request: fields.cpuPerRequest ?? null,
    process_health: fields.processHealth ?? null,
    routing: fields.routing ?? { mode: 'proxy', dns_queries: null, dns_failures: null, dns_answer_share: null },
  };
}

function countsByEdgeStatus(map: ReadonlyMap<string, ReadonlyMap<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)).map(([edge, statuses]) => [edge, Object.fromEntries(statuses)]));
}

