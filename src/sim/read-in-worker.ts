import type { ReadTraceOptions, TraceFormat, CsvColumns } from '../trace/formats.ts';
import type { TraceBatch } from '../trace/trace-batch.ts';
import type { TraceFormatError } from '../trace/trace-request.ts';
import { spawnWorker } from './spawn-worker.ts';
import { revivedError, type SentError } from './worker-errors.ts';

/** Batches the reader may have handed over and not yet seen taken: enough to ride out a slow chunk, few enough to bound memory. */
export const AHEAD = 8;

export interface ReaderInput {
  file: string;
  trace: { format?: TraceFormat; columns?: Partial<CsvColumns>; skipBad?: boolean };
  /** One Int32: the batches taken so far, counted by the replaying thread. */
  consumed: SharedArrayBuffer;
}

export type ReaderMessage =
  | { batch: { length: number; ids: Int32Array; sizes: Float64Array } }
  | { skip: SentError }
  | { error: SentError }
  | { end: { keys: number } };

/**
 * A text trace's batches with interned keys (`ids`), parsed on a worker thread so that this one
 * only replays them: the two cores of one configuration's run, parsing and simulating at once.
 * The same batches, skips and errors as `readTraceBatches` with an `interner`, in the same order.
 */
export async function* readInWorker(file: string, options: ReadTraceOptions = {}): AsyncGenerator<TraceBatch> {
  const consumed = new SharedArrayBuffer(4);
  const taken = new Int32Array(consumed);
  const input: ReaderInput = { file, trace: { format: options.format, columns: options.columns, skipBad: options.skipBad }, consumed };
  const worker = spawnWorker('reader-worker', input);
  const queue: ReaderMessage[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  const arrived = () => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (message: ReaderMessage) => {
    queue.push(message);
    arrived();
  });
  worker.on('error', (error) => {
    failure = error;
    arrived();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the trace reader thread exited (code ${code}) before the end of the trace`);
    arrived();
  });
  try {
    for (;;) {
      const message = queue.shift();
      if (!message) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if ('batch' in message) {
        const { length, ids, sizes } = message.batch;
        yield { length, keys: [], ids, sizes, times: new Float64Array(0) };
        Atomics.add(taken, 0, 1);
        Atomics.notify(taken, 0);
      } else if ('skip' in message) {
        options.onSkip?.(revivedError(message.skip) as TraceFormatError);
      } else if ('error' in message) {
        throw revivedError(message.error);
      } else {
        return;
      }
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}
