import { buildReport } from '../../report/run-report.ts';
import { simulateCdn, type EdgeOutage } from '../../sim/cdn/simulate-cdn.ts';
import { isLivePolicy, livePolicyProblem } from '../../eviction/live-policies.ts';
import { functionSpecOf, loadTopologyFile, TopologyError } from '../../topology/load.ts';
import { readTrace } from '../../trace/read-trace.ts';
import { takeRequests } from '../../trace/take-requests.ts';
import { TraceFormatError } from '../../trace/trace-request.ts';
import { parseCommand } from '../command-spec.ts';
import { numberOption, ttlOption } from '../option-values.ts';
import { simCdnSpec } from '../options/sim-cdn.ts';
import { UsageError } from '../usage-error.ts';
import { readableTrace, traceReading } from './trace-input.ts';
import { writeReportFiles } from '../../report/write-report.ts';
import { emitReport } from './report-output.ts';

export async function simCdnCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(simCdnSpec, args);
  const traceFile = readableTrace(values.trace);
  if (!values.topology) throw new UsageError('--topology FILE is required');
  let loaded;
  try {
    loaded = loadTopologyFile(values.topology);
  } catch (error) {
    if (error instanceof TopologyError) throw new UsageError(error.message);
    throw error;
  }
  const { topology, baseDir } = loaded;
  const ttl = ttlOption(values.ttl);
  const scale = numberOption('cache-scale', values['cache-scale'], { above: 0, noun: 'a number' }, 1);
  const requests = numberOption('requests', values.requests, { integer: true, above: 0 });
  const policy = values.policy?.toLowerCase();
  if (policy !== undefined && !isLivePolicy(policy)) {
    throw new UsageError(`--policy: ${livePolicyProblem(policy)}`);
  }
  const outages = values['edge-down'].map(parseOutage);

  let skipped = 0;
  const trace = readTrace(traceFile, { ...traceReading(values), onSkip: () => skipped++ });
  const startedAt = new Date();
  let result;
  try {
    result = await simulateCdn(requests === undefined ? trace : takeRequests(trace, requests), topology, {
      defaultTtlSeconds: ttl,
      cacheScale: scale,
      policy,
      outages,
      slotSeconds: 60,
      functions: topology.functions.map((config) => functionSpecOf(config, baseDir)),
    });
  } catch (error) {
    if (error instanceof TraceFormatError || error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  const wallSeconds = result.wallMs / 1000;
  const report = buildReport({
    kind: 'simulation',
    title: `cdnsim sim: ${traceFile} through ${values.topology}`,
    options: { topology: values.topology, trace: traceFile, ttl, requests: requests ?? null, cache_scale: scale, policy: policy ?? null, edge_down: outages },
    target: values.topology,
    startedAt,
    // Throughput and the timeline are in trace time: what the CDN would have served.
    elapsedMs: Math.max(1, result.traceSeconds * 1000),
    stats: result.stats,
    prometheusHitRatio: null,
    originOffloadBytes: result.originOffloadBytes,
    lruHitRatio: null,
    ceilingRps: null,
    scenario: { name: outages.length ? 'edge-down' : 'trace', events: result.events, failover_ms: null, errors_after_event: null },
    simulation: {
      trace: traceFile,
      trace_seconds: result.traceSeconds,
      wall_seconds: wallSeconds,
      requests_per_second: wallSeconds > 0 ? result.requests / wallSeconds : 0,
      edges: result.edges,
    },
  });
  if (!values.json) return emitReport(report, result.stats, values.out, skipped ? `${skipped} malformed lines skipped` : undefined);
  console.log(JSON.stringify(report));
  if (values.out) writeReportFiles(report, result.stats, values.out);
}

/** "fra@600" (down from 600 s to the end) or "fra@600-1200". */
function parseOutage(text: string): EdgeOutage {
  const match = /^([a-z0-9-]+)@(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!match) throw new UsageError(`--edge-down takes ID@FROM or ID@FROM-UNTIL in seconds from the trace's start, got "${text}"`);
  const from = Number(match[2]);
  const until = match[3] === undefined ? Infinity : Number(match[3]);
  if (until <= from) throw new UsageError(`--edge-down ${text}: UNTIL must be after FROM`);
  return { edge: match[1]!, fromSeconds: from, untilSeconds: until };
}
