/** One scrape of the edges' Prometheus counters that a run cross-checks its own counts against. */
export interface EdgeCounters {
  /** Sum over the reachable edges of cdn_edge_requests_total by cache_status. */
  byStatus: Map<string, number>;
  responseBytes: number;
  originBytes: number;
  unreachable: string[];
  /** cdn_edge_requests_total per edge, to notice a counter that went back to zero (a restart). */
  requestsByEdge: Map<string, number>;
  /** cdn_edge_requests_total per edge and cache_status (lower case, as the edges label it). */
  byEdgeStatus: Map<string, Map<string, number>>;
}

export interface CounterDeltas {
  /** Hits over all responses the edges counted in the phase. */
  hitRatio: number | null;
  /** 1 - origin bytes / bytes served, from the edges' byte counters. */
  offloadBytes: number | null;
  /** Per edge and X-Cache spelling (HIT, MISS, ...), zeros left out. */
  byEdgeStatus: Record<string, Record<string, number>> | null;
  /** Why there is no cross-check, when there is none. */
  note?: string;
}

/** What the edges' own counters say about a measured phase: the deltas between two scrapes. */
export function counterDeltas(before: EdgeCounters, after: EdgeCounters): CounterDeltas {
  const none = { hitRatio: null, offloadBytes: null, byEdgeStatus: null };
  if (after.unreachable.length > 0 || before.unreachable.length > 0) {
    return { ...none, note: `edges not scraped (down or restarted): ${[...new Set([...before.unreachable, ...after.unreachable])].join(', ')}` };
  }
  const restarted = [...after.requestsByEdge].filter(([edge, value]) => value < (before.requestsByEdge.get(edge) ?? 0)).map(([edge]) => edge);
  if (restarted.length > 0) {
    return { ...none, note: `counters went back to zero (edge restarted): ${restarted.join(', ')}; no cross-check` };
  }
  let total = 0;
  for (const [status, value] of after.byStatus) total += value - (before.byStatus.get(status) ?? 0);
  const hits = (after.byStatus.get('hit') ?? 0) - (before.byStatus.get('hit') ?? 0);
  const served = after.responseBytes - before.responseBytes;
  const fetched = after.originBytes - before.originBytes;
  const byEdgeStatus: Record<string, Record<string, number>> = {};
  for (const [edge, statuses] of after.byEdgeStatus) {
    for (const [status, value] of statuses) {
      const delta = value - (before.byEdgeStatus.get(edge)?.get(status) ?? 0);
      if (delta !== 0) (byEdgeStatus[edge] ??= {})[xCacheOf(status)] = delta;
    }
  }
  return { hitRatio: total > 0 ? hits / total : null, offloadBytes: served > 0 ? 1 - fetched / served : null, byEdgeStatus };
}

/** The edge labels its own statuses in lower case (X-Cache says HIT); an edge function's CloudFront names (LambdaGeneratedResponse) are spelt the same in both. */
function xCacheOf(label: string): string {
  return label === label.toLowerCase() ? label.toUpperCase() : label;
}
