import { accessSync, constants } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildReport } from '../../report/run-report.ts';
import { simulateCdn, type EdgeOutage } from '../../sim/cdn/simulate-cdn.ts';
import { isLivePolicy, livePolicyProblem } from '../../eviction/live-policies.ts';
import { loadTopologyFile, TopologyError } from '../../topology/load.ts';
import { readTrace, type TraceFormat } from '../../trace/read-trace.ts';
import { parseColumnOption } from '../../trace/column-option.ts';
import { takeRequests } from '../../trace/take-requests.ts';
import { TraceFormatError } from '../../trace/trace-request.ts';
import { UsageError } from '../usage-error.ts';
import { writeReportFiles } from '../../report/write-report.ts';
import { emitReport } from './report-output.ts';

export const simCdnUsage = `cdnsim sim --topology FILE --trace FILE [--ttl S] [--requests N] [--cache-scale F] [--policy NAME]
           [--edge-down ID@FROM[-UNTIL]]... [--format F] [--columns F=C,...] [--skip-bad] [--json] [--out DIR]
  The whole CDN offline: every trace request is routed by the router's own code to the nearest
  healthy edge, served by that edge's cache (the live edge's code, the topology's capacity and
  policy) and timed by the network model. The report has the shape of cdnsim bench's.
  --ttl S              TTL of requests whose trace line has none (default 3600)
  --cache-scale F      what-if: every edge's capacity times F
  --policy NAME        what-if: every edge evicts with NAME
  --edge-down ID@FROM[-UNTIL]   what-if: edge ID is down from FROM until UNTIL seconds after the
                       trace's first request (to the end without UNTIL); repeatable`;

export async function simCdnCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      topology: { type: 'string' },
      trace: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      requests: { type: 'string' },
      'cache-scale': { type: 'string', default: '1' },
      policy: { type: 'string' },
      'edge-down': { type: 'string', multiple: true, default: [] },
      format: { type: 'string' },
      columns: { type: 'string' },
      'skip-bad': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  if (!values.trace) throw new UsageError('--trace FILE is required');
  if (!values.topology) throw new UsageError('--topology FILE is required');
  try {
    accessSync(values.trace, constants.R_OK);
  } catch {
    throw new UsageError(`cannot read trace file "${values.trace}"`);
  }
  let topology;
  try {
    topology = loadTopologyFile(values.topology).topology;
  } catch (error) {
    if (error instanceof TopologyError) throw new UsageError(error.message);
    throw error;
  }
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 0) throw new UsageError(`--ttl takes whole seconds >= 0, got "${values.ttl}"`);
  const scale = Number(values['cache-scale']);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UsageError(`--cache-scale must be a number > 0, got "${values['cache-scale']}"`);
  const requests = values.requests === undefined ? undefined : Number(values.requests);
  if (requests !== undefined && !(Number.isInteger(requests) && requests > 0)) throw new UsageError(`--requests must be a whole number > 0, got "${values.requests}"`);
  const policy = values.policy?.toLowerCase();
  if (policy !== undefined && !isLivePolicy(policy)) {
    throw new UsageError(`--policy: ${livePolicyProblem(policy)}`);
  }
  if (values.format !== undefined && !['csv', 'oracle-general', 'webcachesim'].includes(values.format)) {
    throw new UsageError(`--format must be csv, oracle-general or webcachesim, got "${values.format}"`);
  }
  const outages = values['edge-down'].map(parseOutage);

  let skipped = 0;
  const columns = values.columns === undefined ? undefined : usage(() => parseColumnOption(values.columns!));
  const trace = readTrace(values.trace, { format: values.format as TraceFormat | undefined, columns, skipBad: values['skip-bad'], onSkip: () => skipped++ });
  const startedAt = new Date();
  let result;
  try {
    result = await simulateCdn(requests === undefined ? trace : takeRequests(trace, requests), topology, {
      defaultTtlSeconds: ttl,
      cacheScale: scale,
      policy,
      outages,
      slotSeconds: 60,
    });
  } catch (error) {
    if (error instanceof TraceFormatError || error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  const wallSeconds = result.wallMs / 1000;
  const report = buildReport({
    kind: 'simulation',
    title: `cdnsim sim: ${values.trace} through ${values.topology}`,
    options: { topology: values.topology, trace: values.trace, ttl, requests: requests ?? null, cache_scale: scale, policy: policy ?? null, edge_down: outages },
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
      trace: values.trace,
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

function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
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
