import { counterDeltas } from '../report/counter-deltas.ts';
import { buildReport, type RunReport } from '../report/run-report.ts';
import { RunStats } from '../report/run-stats.ts';
import { simulateCdn } from '../sim/cdn/simulate-cdn.ts';
import { functionSpecOf, loadTopologyFile } from '../topology/load.ts';
import { readTrace } from '../trace/read-trace.ts';
import { takeRequests } from '../trace/take-requests.ts';
import { TraceFormatError } from '../trace/trace-request.ts';
import { BenchInputError } from './bench-input-error.ts';
import type { BenchRun } from './bench-run.ts';
import { benchTitle } from './bench-title.ts';
import type { BenchOptions } from './options.ts';
import { createClientPool } from './runner.ts';
import { scrapeEdgeCounters, type BenchTarget } from './target.ts';
import { replayTrace } from './trace-replay.ts';

/**
 * A bench run of a trace (`cdnsim bench --trace FILE`): replays a trace through the router and, when the bench started the
 * topology itself, simulates the same trace offline and compares every edge's hits and misses.
 */
export async function runTraceBench(options: BenchOptions & { trace: string }, target: BenchTarget, log: (line: string) => void): Promise<BenchRun> {
  const defaultTtlSeconds = options.ttlSeconds[0]!;
  const traceOptions = { format: options.traceFormat, columns: options.traceColumns, skipBad: options.skipBad };
  const stats = new RunStats();
  const before = await scrapeEdgeCounters(target.edges);
  const startedAt = new Date();
  const pool = createClientPool(target.routerUrl, options.concurrency);
  log(`replaying ${options.trace} through ${target.routerUrl} with ${options.concurrency} client${options.concurrency === 1 ? ' (in order)' : 's'}`);
  let result;
  try {
    result = await replayTrace(pool, readTrace(options.trace, traceOptions), {
      concurrency: options.concurrency,
      requests: options.requests,
      durationMs: options.durationSeconds === undefined ? undefined : options.durationSeconds * 1000,
      timeoutMs: options.timeoutMs,
      defaultTtlSeconds,
      onSample: (sample) => stats.record(sample),
    });
  } catch (error) {
    if (error instanceof TraceFormatError) throw new BenchInputError(error.message);
    throw error;
  } finally {
    await pool.close();
  }
  const after = await scrapeEdgeCounters(target.edges);
  const counters = counterDeltas(before, after);
  const live = counters.byEdgeStatus;

  let offline: RunReport['offline_simulation'] = null;
  if (target.cluster && live) {
    const { topology, baseDir } = loadTopologyFile(options.topology);
    const simulated = await simulateCdn(takeRequests(readTrace(options.trace, traceOptions), result.sent), topology, {
      defaultTtlSeconds,
      cacheScale: 1,
      outages: [],
      slotSeconds: 60,
      functions: topology.functions.map((config) => functionSpecOf(config, baseDir)),
    });
    const byEdgeStatus = Object.fromEntries([...simulated.stats.byEdgeStatus].map(([edge, statuses]) => [edge, Object.fromEntries(statuses)]));
    const differences = compareCounts(live, byEdgeStatus);
    offline = { by_edge_status: byEdgeStatus, agrees: differences.length === 0, differences };
  }
  const report = buildReport({
    title: benchTitle(options),
    options,
    target: target.routerUrl,
    startedAt,
    elapsedMs: result.elapsedMs,
    stats,
    prometheusHitRatio: counters.hitRatio,
    originOffloadBytes: counters.offloadBytes,
    lruHitRatio: null,
    ceilingRps: null,
    scenario: { name: 'trace', events: [], failover_ms: null, errors_after_event: null },
    prometheusByEdgeStatus: live,
    offlineSimulation: offline,
  });
  return { report, stats, note: counters.note };
}

/** "fra: HIT live 12, offline 11" for every edge and status where the two disagree. */
function compareCounts(live: Record<string, Record<string, number>>, offline: Record<string, Record<string, number>>): string[] {
  const differences: string[] = [];
  for (const edge of [...new Set([...Object.keys(live), ...Object.keys(offline)])].sort()) {
    for (const status of new Set([...Object.keys(live[edge] ?? {}), ...Object.keys(offline[edge] ?? {})])) {
      const a = live[edge]?.[status] ?? 0;
      const b = offline[edge]?.[status] ?? 0;
      if (a !== b) differences.push(`${edge}: ${status} live ${a}, offline ${b}`);
    }
  }
  return differences;
}
