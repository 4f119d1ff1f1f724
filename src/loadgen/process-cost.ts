import type { ProcessHealth, CpuPerRequest } from '../report/run-report.ts';
import type { BenchTarget } from './target.ts';
import { splitHitMissCost } from './hit-miss-split.ts';
import { scrapeProcessSample, type ProcessSample } from './process-sample.ts';
import { startSelfMeter } from './self-meter.ts';

interface Member {
  role: 'router' | 'edge' | 'origin' | 'loadgen';
  id: string;
  read(): Promise<ProcessSample | undefined>;
}

type Readings = Map<string, ProcessSample | undefined>;

/**
 * Reads every process's CPU, GC and loop delay at the start and end of the measured phase; the
 * bench process itself is the load generator and, with --spawn, also the supervisor of the others.
 */
export function startCostMeter(target: BenchTarget) {
  const self = startSelfMeter();
  const members: Member[] = [
    { role: 'router', id: 'router', read: () => scrapeProcessSample(`${target.routerUrl}/metrics`) },
    ...target.edges.map((edge): Member => ({ role: 'edge', id: edge.id, read: () => scrapeProcessSample(`${edge.url}/metrics`) })),
    { role: 'loadgen', id: 'loadgen', read: async () => self.sample() },
  ];
  const originUrl = target.cluster?.originUrl;
  if (originUrl !== undefined) members.push({ role: 'origin', id: 'origin', read: () => scrapeProcessSample(`${originUrl}/metrics`) });
  const readAll = async (): Promise<Readings> => new Map(await Promise.all(members.map(async (member) => [member.id, await member.read()] as const)));
  return {
    /** Read first, before any other scrape of /metrics, which would reset the loop-delay histograms. */
    read: readAll,
    result(before: Readings, after: Readings, requests: number, byEdgeStatus: Record<string, Record<string, number>> | null) {
      self.stop();
      return phaseCost(members, before, after, requests, byEdgeStatus);
    },
  };
}

function phaseCost(members: Member[], before: Readings, after: Readings, requests: number, byEdgeStatus: Record<string, Record<string, number>> | null) {
  const health: Record<string, ProcessHealth> = {};
  const cpuByRole = new Map<Member['role'], number>();
  const edgeSamples = [];
  let edgeRequests = 0;
  let misses = 0;
  let complete = true;
  for (const member of members) {
    const start = before.get(member.id);
    const end = after.get(member.id);
    if (!start || !end) {
      complete = false;
      continue;
    }
    const cpuSeconds = Math.max(0, end.cpuSeconds - start.cpuSeconds);
    health[member.id] = { role: member.role, cpu_seconds: cpuSeconds, gc_seconds: Math.max(0, end.gcSeconds - start.gcSeconds), event_loop_p99_ms: end.eventLoopP99Seconds * 1000 };
    cpuByRole.set(member.role, (cpuByRole.get(member.role) ?? 0) + cpuSeconds);
    if (member.role === 'edge') {
      const statuses = byEdgeStatus?.[member.id] ?? {};
      const hits = statuses['HIT'] ?? 0;
      const all = Object.values(statuses).reduce((sum, count) => sum + count, 0);
      edgeSamples.push({ hits, misses: all - hits, cpuSeconds });
      edgeRequests += all;
      misses += all - hits;
    }
  }
  const perRequest = (seconds: number | undefined, count: number) => (seconds === undefined || count <= 0 ? null : (seconds * 1e6) / count);
  const split = byEdgeStatus ? splitHitMissCost(edgeSamples) : null;
  const total = [...cpuByRole.values()].reduce((sum, seconds) => sum + seconds, 0);
  const cpu: CpuPerRequest = {
    router: perRequest(cpuByRole.get('router'), requests),
    edge: perRequest(cpuByRole.get('edge'), byEdgeStatus ? edgeRequests : requests),
    edge_hit: split ? split.perHit * 1e6 : null,
    edge_miss: split ? split.perMiss * 1e6 : null,
    origin_per_miss: perRequest(cpuByRole.get('origin'), misses),
    loadgen: perRequest(cpuByRole.get('loadgen'), requests),
    // Over what could be read; a process that could not be scraped leaves it null rather than low.
    total: complete ? perRequest(total, requests) : null,
  };
  return { cpuPerRequest: cpu, processHealth: health };
}
