import * as hdr from 'hdr-histogram-js';

export interface Sample {
  /** ms since the measured phase began, at completion. */
  at: number;
  status: number;
  /** X-Cache as the client saw it, or ERROR. */
  cacheStatus: string;
  edge: string;
  region: string;
  latencyUs: number;
  bytes: number;
  /** Why it failed, if it did: a 4xx/5xx status or a network error. */
  error?: string;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  mean: number;
  max: number;
}

function histogram(): hdr.Histogram {
  // Microseconds from 1 us to 2 minutes, 3 significant digits.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
}

export function summarise(h: hdr.Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    mean: ms(h.mean),
    max: ms(h.maxValue),
  };
}

interface Group {
  requests: number;
  hits: number;
  bytes: number;
  latency: hdr.Histogram;
}

/**
 * Everything the bench learns from responses: HDR latency histograms by cache status, edge and
 * client region; counts by edge and cache status; a timeline in slots of `slotSeconds` (1 for a
 * live run; the trace simulator uses wider slots for traces that span days).
 */
export class RunStats {
  readonly overall: Group = { requests: 0, hits: 0, bytes: 0, latency: histogram() };
  readonly byCacheStatus = new Map<string, Group>();
  readonly byEdge = new Map<string, Group>();
  readonly byRegion = new Map<string, Group>();
  readonly errorsByKind = new Map<string, number>();
  readonly timeline: { second: number; requests: number; hits: number; errors: number; byEdge: Record<string, number> }[] = [];
  /** Edge -> X-Cache -> responses. */
  readonly byEdgeStatus = new Map<string, Map<string, number>>();
  errors = 0;

  constructor(readonly slotSeconds = 1) {}

  record(sample: Sample): void {
    const hit = sample.cacheStatus === 'HIT';
    for (const [map, key] of [
      [this.byCacheStatus, sample.cacheStatus],
      [this.byEdge, sample.edge],
      [this.byRegion, sample.region],
    ] as const) {
      let group = map.get(key);
      if (!group) map.set(key, (group = { requests: 0, hits: 0, bytes: 0, latency: histogram() }));
      add(group, sample, hit);
    }
    add(this.overall, sample, hit);
    let statuses = this.byEdgeStatus.get(sample.edge);
    if (!statuses) this.byEdgeStatus.set(sample.edge, (statuses = new Map()));
    statuses.set(sample.cacheStatus, (statuses.get(sample.cacheStatus) ?? 0) + 1);
    const index = Math.floor(sample.at / 1000 / this.slotSeconds);
    while (this.timeline.length <= index) {
      this.timeline.push({ second: this.timeline.length * this.slotSeconds, requests: 0, hits: 0, errors: 0, byEdge: {} });
    }
    const slot = this.timeline[index]!;
    slot.requests++;
    if (hit) slot.hits++;
    slot.byEdge[sample.edge] = (slot.byEdge[sample.edge] ?? 0) + 1;
    if (sample.error) {
      this.errors++;
      slot.errors++;
      this.errorsByKind.set(sample.error, (this.errorsByKind.get(sample.error) ?? 0) + 1);
    }
  }

  get hitRatio(): number {
    return this.overall.requests === 0 ? 0 : this.overall.hits / this.overall.requests;
  }
}

function add(group: Group, sample: Sample, hit: boolean): void {
  group.requests++;
  if (hit) group.hits++;
  group.bytes += sample.bytes;
  group.latency.recordValue(Math.max(1, Math.round(sample.latencyUs)));
}
