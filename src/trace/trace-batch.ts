import type { ReadTraceOptions } from './formats.ts';
import type { KeyInterner } from './key-interner.ts';
import type { TraceRequest } from './trace-request.ts';

/**
 * The requests of one chunk of a trace, column-wise: the simulator's hot loop runs synchronously
 * over a batch and crosses the async boundary once per chunk (about 1 MiB of file), not per request.
 */
export interface TraceBatch {
  length: number;
  /** Empty when the keys are interned (`ids`). */
  keys: string[];
  /** With `interner`: each request's key as its number (`KeyInterner`), instead of `keys`. */
  ids?: Int32Array;
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
  /**
   * Intern the keys into this table: batches carry `ids` and no key strings or `requests` (text
   * formats; the fast path never makes a string for a clean line's key).
   */
  interner?: KeyInterner;
}

export function emptyBatch(capacity: number, details: boolean, interned = false): TraceBatch {
  return {
    length: 0,
    keys: [],
    sizes: new Float64Array(capacity),
    times: new Float64Array(capacity),
    ...(interned ? { ids: new Int32Array(capacity) } : {}),
    ...(details && !interned ? { requests: [] } : {}),
  };
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
  if (batch.ids) {
    const ids = new Int32Array(capacity);
    ids.set(batch.ids);
    batch.ids = ids;
  }
}
