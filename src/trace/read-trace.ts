import { readTraceBatches } from './batch-reader.ts';
import type { ReadTraceOptions } from './formats.ts';
import type { TraceRequest } from './trace-request.ts';

export { DEFAULT_COLUMNS, formatFromName, type CsvColumns, type ReadTraceOptions, type TraceFormat } from './formats.ts';
export { readTraceBatches } from './batch-reader.ts';
export type { ReadBatchesOptions, TraceBatch } from './trace-batch.ts';

/**
 * Streams a trace from disk one request at a time, with every field the format carries, never
 * holding more than a chunk of it. (The simulator reads `readTraceBatches`, which is faster.)
 */
export async function* readTrace(file: string, options: ReadTraceOptions = {}): AsyncGenerator<TraceRequest> {
  for await (const batch of readTraceBatches(file, { ...options, details: true })) yield* batch.requests!;
}
