import { regionOf } from '../../geo/client-regions.ts';
import type { ScenarioEvent } from '../../workload/scenario-event.ts';
import { RunStats } from '../../report/run-stats.ts';
import { roundTripDelayMs } from '../../geo/network-model.ts';
import { createClientLocator } from '../../routing/client-location.ts';
import { EdgeTable } from '../../routing/edge-table.ts';
import type { EdgeConfig, Topology } from '../../topology/schema.ts';
import { toReplayRequest } from '../../trace/replay-request.ts';
import type { TraceRequest } from '../../trace/trace-request.ts';
import { edgeCacheOptions } from './edge-cache-options.ts';
import { edgeMaxObjectBytes, SimulatedEdge } from './simulated-edge.ts';
import type { FunctionHeaders, FunctionOrigin, FunctionSpec } from '../../functions/types.ts';
import { viewerHeaders } from '../../router/viewer-headers.ts';
import type { ClientLocation } from '../../routing/client-location.ts';
import type { IncomingHttpHeaders } from 'node:http';
import { serveWithFunctions } from './serve-with-functions.ts';
import { SimulatedFunctions, type FunctionLoader, type InvocationCounts } from './simulated-functions.ts';

/** What-if: an edge out of service for part of the trace (seconds from the trace's first request). */
export interface EdgeOutage {
  edge: string;
  fromSeconds: number;
  untilSeconds: number;
}

export interface CdnSimOptions {
  /** TTL for trace requests that carry none, in seconds. */
  defaultTtlSeconds: number;
  /** What-if: every edge's capacity multiplied by this. */
  cacheScale: number;
  /** What-if: every edge evicts with this policy instead of its own. */
  policy?: string;
  outages: readonly EdgeOutage[];
  /** Timeline slot width in seconds of trace time. */
  slotSeconds: number;
  /** The topology's edge functions (files resolved), run at their triggers as the live edges run them. */
  functions?: readonly FunctionSpec[];
  /** How a function is compiled (default: read its file and load it in its profile's sandbox). */
  loadFunction?: FunctionLoader;
}

export interface SimulatedEdgeSummary {
  policy: string;
  capacity: number;
  capacity_unit: 'bytes' | 'objects';
  evictions: number;
  cache_bytes: number;
  cache_objects: number;
  origin_fetches: number;
  origin_bytes: number;
  /** Edge functions' invocations (function -> trigger -> outcome), when the topology has functions. */
  functions?: InvocationCounts;
}

export interface CdnSimResult {
  stats: RunStats;
  requests: number;
  /** Trace time from the first request to the last. */
  traceSeconds: number;
  wallMs: number;
  /** 1 - bytes fetched from the origin / bytes served to clients. */
  originOffloadBytes: number | null;
  edges: Record<string, SimulatedEdgeSummary>;
  events: ScenarioEvent[];
  /** Requests no edge could take (every edge down): the live router answers 503. */
  unserved: number;
}

/** The client of every replayed request is on loopback, as the bench is: a trusted peer. */
const BENCH_PEER = '127.0.0.1';

/**
 * The whole CDN offline: each trace request is placed by the router's own code (its client
 * location, then the nearest healthy edge by weighted distance), served by that edge's simulated
 * cache (the live edge's HttpCache with the topology's capacity and policy), and given the
 * latency the network model assigns (client-edge round trip, plus edge-origin on a fetch).
 * Time is the trace's, so TTLs expire as they would have.
 */
export async function simulateCdn(trace: AsyncIterable<TraceRequest>, topology: Topology, options: CdnSimOptions): Promise<CdnSimResult> {
  const started = performance.now();
  const locate = createClientLocator({ trustedProxies: topology.router.trustedProxies, defaultLocation: topology.router.defaultClientLocation });
  const table = new EdgeTable(topology.edges, 'simulated');
  let now = 0;
  const clock = () => now;
  const edges = new Map<string, { edge: SimulatedEdge; summary: SimulatedEdgeSummary; originRttMs: number }>();
  for (const config of topology.edges) edges.set(config.id, simulatedEdge(config, topology, options, clock));
  for (const outage of options.outages) {
    if (!edges.has(outage.edge)) throw new RangeError(`--edge-down: no edge "${outage.edge}" in the topology (edges: ${[...edges.keys()].join(', ')})`);
  }
  const stats = new RunStats(options.slotSeconds);
  const events: ScenarioEvent[] = options.outages.flatMap((outage) => [
    { at: outage.fromSeconds * 1000, what: `edge ${outage.edge} down (what-if)` },
    ...(Number.isFinite(outage.untilSeconds) ? [{ at: outage.untilSeconds * 1000, what: `edge ${outage.edge} back (what-if)` }] : []),
  ]);
  let first: number | undefined;
  let last = 0;
  let requests = 0;
  let servedBytes = 0;
  let originBytes = 0;
  let unserved = 0;
  const functions = new SimulatedFunctions(options.functions ?? [], options.loadFunction);
  const origin = functionOrigin(topology);
  try {
    for await (const request of trace) {
      if (request.size === 0) continue;
      first ??= request.time;
      last = request.time;
      const offsetSeconds = request.time - first;
      now = request.time * 1000;
      requests++;
      applyOutages(table, options.outages, offsetSeconds);
      const replay = toReplayRequest(request, options.defaultTtlSeconds);
      const client = locate(BENCH_PEER, replay.headers);
      const region = regionOf(replay.country ?? client.country);
      const routed = table.nearestHealthy(client);
      if (!routed) {
        unserved++;
        stats.record({ at: offsetSeconds * 1000, status: 503, cacheStatus: 'ERROR', edge: 'none', region, latencyUs: 1, bytes: 0, error: 'http 503' });
        continue;
      }
      const simulated = edges.get(routed.id)!;
      if (!functions.empty) {
        const served = await serveWithFunctions(simulated.edge, functions, {
          edgeId: routed.id,
          requestId: `${routed.id}-${requests}`,
          now,
          path: replay.path,
          headers: edgeRequestHeaders(replay.headers, client),
          clientIp: client.address ?? BENCH_PEER,
          origin,
        });
        const latencyMs = roundTripDelayMs(topology.network, client, routed) + (served.originFetch ? simulated.originRttMs : 0);
        if (served.originFetch) simulated.summary.origin_fetches++;
        simulated.summary.origin_bytes += served.originBytes;
        originBytes += served.originBytes;
        servedBytes += served.bytes;
        const error = served.status >= 400 ? `http ${served.status}` : undefined;
        stats.record({ at: offsetSeconds * 1000, status: served.status, cacheStatus: served.cacheStatus, edge: routed.id, region, latencyUs: Math.max(1, latencyMs * 1000), bytes: served.bytes, error });
        continue;
      }
      const status = simulated.edge.request(replay);
      let latencyMs = roundTripDelayMs(topology.network, client, routed);
      if (status === 'MISS' || status === 'REVALIDATED') {
        latencyMs += simulated.originRttMs;
        simulated.summary.origin_fetches++;
      }
      if (status === 'MISS') {
        simulated.summary.origin_bytes += replay.bytes;
        originBytes += replay.bytes;
      }
      servedBytes += replay.bytes;
      stats.record({ at: offsetSeconds * 1000, status: 200, cacheStatus: status, edge: routed.id, region, latencyUs: Math.max(1, latencyMs * 1000), bytes: replay.bytes });
    }
  } finally {
    await functions.close();
  }
  for (const [id, { edge, summary }] of edges) {
    summary.cache_bytes = edge.cache.bytes;
    summary.cache_objects = edge.cache.objects;
    if (!functions.empty) summary.functions = functions.counts(id);
  }
  return {
    stats,
    requests,
    traceSeconds: first === undefined ? 0 : last - first,
    wallMs: performance.now() - started,
    originOffloadBytes: servedBytes > 0 ? 1 - originBytes / servedBytes : null,
    edges: Object.fromEntries([...edges].map(([id, { summary }]) => [id, summary])),
    events,
    unserved,
  };
}

function simulatedEdge(config: EdgeConfig, topology: Topology, options: CdnSimOptions, clock: () => number) {
  const summary: SimulatedEdgeSummary = {
    policy: '',
    capacity: 0,
    capacity_unit: 'bytes',
    evictions: 0,
    cache_bytes: 0,
    cache_objects: 0,
    origin_fetches: 0,
    origin_bytes: 0,
  };
  const cache = edgeCacheOptions(config, { clock, scale: options.cacheScale, policy: options.policy, onEvict: () => summary.evictions++ });
  summary.policy = cache.policy ?? 'lru';
  summary.capacity = cache.maxObjects ?? cache.maxSize ?? 0;
  summary.capacity_unit = cache.maxObjects === undefined ? 'bytes' : 'objects';
  return {
    edge: new SimulatedEdge({ cache, maxObjectBytes: edgeMaxObjectBytes(config, cache.maxSize) }),
    summary,
    originRttMs: roundTripDelayMs(topology.network, config, topology.origin),
  };
}

/** What an edge receives from the router for a bench request: the bench's headers and the router's CloudFront-Viewer-* ones. */
function edgeRequestHeaders(sent: IncomingHttpHeaders, client: ClientLocation): FunctionHeaders {
  const headers: FunctionHeaders = {};
  for (const [name, value] of Object.entries(sent)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value : [value];
  }
  for (const [name, value] of Object.entries(viewerHeaders(client, { address: BENCH_PEER, port: 0 }))) headers[name] = [value];
  return headers;
}

/** The origin an origin-request function sees its request go to. */
function functionOrigin(topology: Topology): FunctionOrigin {
  if (topology.origin.url !== undefined) {
    const url = new URL(topology.origin.url);
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    return { domainName: url.hostname, port: Number(url.port || (protocol === 'https' ? 443 : 80)), protocol, path: '' };
  }
  // Without a fixed port the live origin's is chosen when it starts; 80 stands in for it offline
  // (a function must see a valid port: Lambda@Edge refuses a result whose origin has none).
  return { domainName: '127.0.0.1', port: topology.origin.port || 80, protocol: 'http', path: '' };
}

function applyOutages(table: EdgeTable, outages: readonly EdgeOutage[], offsetSeconds: number): void {
  if (outages.length === 0) return;
  for (const edge of table.edges) {
    edge.healthy = !outages.some((outage) => outage.edge === edge.id && offsetSeconds >= outage.fromSeconds && offsetSeconds < outage.untilSeconds);
  }
}
