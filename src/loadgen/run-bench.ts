import { regionOf } from '../geo/client-regions.ts';
import { counterDeltas } from '../report/counter-deltas.ts';
import { buildReport } from '../report/run-report.ts';
import { RunStats, type Sample } from '../report/run-stats.ts';
import { Workload, type WorkloadRequest } from '../workload/workload.ts';
import type { BenchRun } from './bench-run.ts';
import { benchTitle } from './bench-title.ts';
import { measureGeneratorCeiling } from './ceiling.ts';
import type { BenchOptions } from './options.ts';
import { startCostMeter } from './process-cost.ts';
import { replayHitRatio, type ServedRequest } from './replay-check.ts';
import { runTraceBench } from './run-trace-bench.ts';
import { createClientPool, runPhase } from './runner.ts';
import { createDnsRouting } from './dns-routing.ts';
import { createScenario } from './scenarios.ts';
import { openTarget, scrapeEdgeCounters } from './target.ts';

/**
 * One whole bench run: opens the target (a running router, or a topology started here), warms up,
 * measures with the chosen scenario, cross-checks against the edges' counters, and stops whatever
 * it started. Progress lines go to `log`.
 */
export async function runBench(options: BenchOptions, log: (line: string) => void): Promise<BenchRun> {
  const target = await openTarget(options);
  let dnsRouting: ReturnType<typeof createDnsRouting> | undefined;
  try {
    if (options.trace !== undefined) return await runTraceBench({ ...options, trace: options.trace }, target, log);
    const workload = new Workload({
      objects: options.objects,
      alpha: options.alpha,
      sizes: options.sizes,
      ttlSeconds: options.ttlSeconds,
      uncacheableShare: options.uncacheableShare,
      countries: options.countries,
      seed: options.seed,
      idPrefix: `s${options.seed}-`,
    });
    const ceilingRps = options.ceiling ? await measureGeneratorCeiling({ mode: options.mode, concurrency: options.concurrency, seconds: 2 }) : null;
    if (ceilingRps !== null) log(`load generator ceiling: ${ceilingRps.toFixed(0)} req/s against a trivial server`);

    const stats = new RunStats();
    const served: ServedRequest[] = [];
    const clock0 = performance.now();
    let measuring = false;
    const scenario = createScenario(options.scenario, workload, target, () => busiestEdge(stats));
    const next = () => {
      const request = scenario.next();
      return { ...request, region: regionOf(request.country) };
    };
    const remember = (request: WorkloadRequest, sample: Sample) => {
      if (!sample.error && sample.edge !== 'none') {
        served.push({ at: performance.now() - clock0, edge: sample.edge, id: request.key, path: request.path, bytes: request.bytes, ttl: request.ttl, cacheable: request.cacheable, counted: measuring });
      }
    };
    const pool = createClientPool(target.routerUrl, options.concurrency);
    dnsRouting = options.routing === 'dns' ? createDnsRouting(target, options) : undefined;
    const routing = dnsRouting;
    const phase = {
      mode: options.mode,
      rate: options.rate,
      concurrency: options.concurrency,
      timeoutMs: options.timeoutMs,
      route: routing && ((request: WorkloadRequest) => routing.route(request)),
    };
    if (options.warmupSeconds > 0) {
      log(`warming up for ${options.warmupSeconds} s`);
      await runPhase(pool, {
        ...phase,
        durationMs: options.warmupSeconds * 1000,
        next,
        onSample: (sample, request) => remember(request, sample),
      });
    }
    const before = await scrapeEdgeCounters(target.edges);
    const costMeter = startCostMeter(target);
    const costBefore = await costMeter.read();
    measuring = true;
    const startedAt = new Date();
    const phaseStart = performance.now();
    const durationMs = options.durationSeconds === undefined ? Infinity : options.durationSeconds * 1000;
    const stopScenario = scenario.start(phaseStart, Number.isFinite(durationMs) ? durationMs : 10_000);
    const errorTimes: number[] = [];
    const progress = setInterval(() => {
      const elapsed = (performance.now() - phaseStart) / 1000;
      const line = `elapsed ${elapsed.toFixed(1)} s  rate ${(stats.overall.requests / elapsed).toFixed(0)} req/s  hit ${(stats.hitRatio * 100).toFixed(1)} %  errors ${stats.errors}`;
      if (process.stderr.isTTY) process.stderr.write(`\r${line}   `);
      else if (Math.round(elapsed) % 5 === 0) log(line);
    }, 1000);
    const result = await runPhase(pool, {
      ...phase,
      durationMs: options.durationSeconds === undefined ? undefined : durationMs,
      requests: options.requests,
      next,
      onSample: (sample, request) => {
        stats.record(sample);
        if (sample.error) errorTimes.push(sample.at);
        remember(request, sample);
      },
    });
    clearInterval(progress);
    if (process.stderr.isTTY) process.stderr.write('\n');
    await stopScenario();
    await pool.close();
    const costAfter = await costMeter.read();
    const after = await scrapeEdgeCounters(target.edges);

    const prometheus = counterDeltas(before, after);
    const cost = costMeter.result(costBefore, costAfter, stats.overall.requests, prometheus.byEdgeStatus);
    const caches = new Map(target.edges.map((edge) => [edge.id, edge]));
    const kill = scenario.events.find((event) => event.what.startsWith('edge failure: SIGKILL'));
    const errorsAfterKill = kill ? errorTimes.filter((at) => at >= kill.at) : [];
    const report = buildReport({
      title: benchTitle(options),
      options,
      target: target.routerUrl,
      startedAt,
      elapsedMs: result.elapsedMs,
      stats,
      prometheusHitRatio: prometheus.hitRatio,
      originOffloadBytes: prometheus.offloadBytes,
      prometheusByEdgeStatus: prometheus.byEdgeStatus,
      lruHitRatio: replayHitRatio(served, (edge) => caches.get(edge)) ?? null,
      ceilingRps,
      scenario: {
        name: options.scenario,
        events: scenario.events,
        failover_ms: kill ? Math.round((errorsAfterKill.at(-1) ?? kill.at) - kill.at) : null,
        errors_after_event: kill ? errorsAfterKill.length : null,
      },
      cpuPerRequest: cost.cpuPerRequest,
      processHealth: cost.processHealth,
      routing: routing
        ? { mode: 'dns', dns_queries: routing.queries, dns_failures: routing.failures, dns_answer_share: routing.answerShares() }
        : undefined,
    });
    return { report, stats, note: prometheus.note };
  } finally {
    await dnsRouting?.close();
    await target.close();
  }
}

function busiestEdge(stats: RunStats): string | undefined {
  let best: string | undefined;
  let most = -1;
  for (const [edge, group] of stats.byEdge) {
    if (edge !== 'none' && group.requests > most) {
      best = edge;
      most = group.requests;
    }
  }
  return best;
}
