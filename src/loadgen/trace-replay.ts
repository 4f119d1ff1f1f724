import type { Pool } from 'undici';
import { toReplayRequest, type ReplayRequest } from '../trace/replay-request.ts';
import type { TraceRequest } from '../trace/trace-request.ts';
import { regionOf } from '../geo/client-regions.ts';
import { send } from './runner.ts';
import type { Sample } from '../report/run-stats.ts';

export interface TraceReplayOptions {
  /** Requests in flight; 1 replays the trace strictly in order, each after the previous answer. */
  concurrency: number;
  /** Stop after this many requests (size-0 requests are skipped and not counted). */
  requests?: number;
  /** ... or after this long (ms). */
  durationMs?: number;
  timeoutMs: number;
  defaultTtlSeconds: number;
  onSample: (sample: Sample, request: ReplayRequest) => void;
}

/**
 * Replays a trace through the router as fast as the closed loop allows: each request asks for the
 * origin's synthetic object of the trace's key and size, from where the trace's client is (the
 * same mapping the offline simulator uses). Trace timestamps set the order, not the pace.
 */
export async function replayTrace(pool: Pool, trace: AsyncIterable<TraceRequest>, options: TraceReplayOptions): Promise<{ sent: number; elapsedMs: number }> {
  const start = performance.now();
  const iterator = trace[Symbol.asyncIterator]();
  const limit = options.requests ?? Infinity;
  const deadline = start + (options.durationMs ?? Infinity);
  let sent = 0;
  /** Workers pull in turn, so the trace is read once and in order whatever the concurrency. */
  const pull = async (): Promise<ReplayRequest | undefined> => {
    while (sent < limit && performance.now() < deadline) {
      const next = await iterator.next();
      if (next.done) return undefined;
      if (next.value.size === 0) continue;
      // Another worker may have taken the last place while this one waited.
      if (sent >= limit) return undefined;
      sent++;
      return toReplayRequest(next.value, options.defaultTtlSeconds);
    }
    return undefined;
  };
  const worker = async () => {
    for (let request = await pull(); request; request = await pull()) {
      const headers = request.headers as Record<string, string>;
      const region = regionOf(request.country ?? 'unknown');
      options.onSample(await send(pool, { path: request.path, headers, region }, performance.now(), start, options.timeoutMs), request);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    await iterator.return?.();
  }
  return { sent, elapsedMs: performance.now() - start };
}
