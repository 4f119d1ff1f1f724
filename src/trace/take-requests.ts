import type { TraceRequest } from './trace-request.ts';

/** The first `count` requests of a trace that a replay counts (size-0 requests are skipped, as replays skip them). */
export async function* takeRequests(trace: AsyncIterable<TraceRequest>, count: number): AsyncGenerator<TraceRequest> {
  if (count <= 0) return;
  let taken = 0;
  for await (const request of trace) {
    if (request.size === 0) continue;
    yield request;
    if (++taken >= count) return;
  }
}
