import type { ReadTraceOptions } from './formats.ts';
import type { TraceRequest } from './trace-request.ts';

/**
 * The requests of one chunk of a trace, column-wise: the simulator's hot loop runs synchronously
 * over a batch and crosses the async boundary once per chunk (about 1 MiB of file), not per request.
 */
export interface TraceBatch {
  length: number;
  keys: string[];
  /** Bytes. */
  sizes: Float64Array;
  times: Float64Array;
  /** oracleGeneral only: the index of each key's next request, -1 if none. */
  nextAccess?: Float64Array;
  /** With `details: true`: the requests with every optional field (ttl, country, ...). */
  requests?: TraceRequest[];
}

export interface ReadBatchesOptions extends ReadTraceOptions {
  /**
   * Also build a full `TraceRequest` per request (ttl, cacheable, country, ...), as `readTrace`
   * yields them. Off, only key, size and time are kept, but every column is still checked.
   */
  details?: boolean;
}

export function emptyBatch(capacity: number, details: boolean): TraceBatch {
  return { length: 0, keys: [], sizes: new Float64Array(capacity), times: new Float64Array(capacity), ...(details ? { requests: [] } : {}) };
}

/** Doubles the typed arrays of a batch (keys is a plain array and grows by itself). */
export function grow(batch: TraceBatch): void {
  const capacity = Math.max(16, batch.sizes.length * 2);
  const sizes = new Float64Array(capacity);
  sizes.set(batch.sizes);
  const times = new Float64Array(capacity);
  times.set(batch.times);
  batch.sizes = sizes;
  batch.times = times;
}
