import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readTraceBatches } from '../trace/batch-reader.ts';
import { formatFromName, type CsvColumns, type ReadTraceOptions, type TraceFormat } from '../trace/formats.ts';
import { KeyInterner } from '../trace/key-interner.ts';
import type { TraceFormatError } from '../trace/trace-request.ts';
import { readInWorker } from './read-in-worker.ts';
import type { RequestSpool } from './request-spool.ts';
import { checkConfig, indexable, simulateBatches, type SimConfig, type SimResult } from './simulate.ts';
import { spawnWorker } from './spawn-worker.ts';
import { revivedError, type SentError } from './worker-errors.ts';

export interface SimulateFileOptions extends ReadTraceOptions {
  /**
   * Threads to split the configurations over, each reading the trace itself: the default is
   * min(2, configurations, cores) when the trace is big enough to pay for starting a worker, else 1.
   */
  threads?: number;
  /**
   * With one thread of configurations, all with indexed twins (LRU), parse the trace on a second
   * thread while this one replays it. Default: when the trace is as big as for `threads` and there
   * are two cores.
   */
  readerThread?: boolean;
  /**
   * The requests already read and interned by a first pass (`firstPass`): replayed from it on this
   * thread, the trace not read again (its `skipped` is the count reported), unless `threads` > 1.
   * Only for configurations that all have indexed twins; closed once replayed.
   */
  spool?: RequestSpool;
}

export interface SimulateFileResult {
  /** In the order of the configurations. */
  results: SimResult[];
  /** Malformed lines skipped (with `skipBad`), counted once. */
  skipped: number;
  threads: number;
  /** Whether a thread of its own parsed the trace. */
  readerThread: boolean;
}

/** What a worker is given (all structured-cloneable) and what it answers. */
export interface WorkerInput {
  file: string;
  trace: { format?: TraceFormat; columns?: Partial<CsvColumns>; skipBad?: boolean };
  configs: SimConfig[];
  /** Keys interned and replayed through the policies' indexed twins. */
  indexed: boolean;
}
export type WorkerOutput = { results: SimResult[]; skipped: number } | { error: SentError };

/** Below this much trace text (an estimate for gzip), a second thread costs more than it saves. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

/** The thread count `simulateFile` picks when not told. */
export function defaultThreads(file: string, configs: number): number {
  if (configs < 2 || !worthAThread(file)) return 1;
  return Math.min(2, configs, availableParallelism());
}

function worthAThread(file: string): boolean {
  return statSync(file).size * (file.endsWith('.gz') ? 4 : 1) >= PARALLEL_MIN_BYTES;
}

/**
 * Replays a trace file through every configuration. With more than one thread the configurations
 * are dealt (see `deal`) to this thread and to worker threads; each reads the trace from disk
 * itself, so the results are those of one thread (only `seconds`, each thread's pass, differs).
 */
export async function simulateFile(file: string, configs: readonly SimConfig[], options: SimulateFileOptions = {}): Promise<SimulateFileResult> {
  configs.forEach(checkConfig);
  if (options.spool) {
    // Asked for threads of configurations, each reads the text itself.
    if ((options.threads ?? 1) === 1) return replaySpool(options.spool, configs);
    await options.spool.discard();
  }
  const threads = Math.max(1, Math.min(options.threads ?? defaultThreads(file, configs.length), configs.length));
  const slots = deal(configs.length, threads);
  const groups = Array.from({ length: threads }, (_, thread) => configs.filter((_, i) => slots[i]!.thread === thread));
  const trace = { format: options.format, columns: options.columns, skipBad: options.skipBad };
  let skipped = 0;
  const abort = new AbortController();
  // Every policy with an indexed twin (oracleGeneral's keys are numbers already, read as strings):
  // keys interned from the bytes, no string per request.
  const indexed = indexable(configs) && (options.format ?? formatFromName(file)) !== 'oracle-general';
  const readerThread = indexed && threads === 1 && (options.readerThread ?? (availableParallelism() >= 2 && worthAThread(file)));
  const workers = groups.slice(1).map((group) => startWorker({ file, trace, configs: group, indexed }));
  try {
    const reading = {
      ...trace,
      onSkip: (error: TraceFormatError) => {
        skipped++;
        options.onSkip?.(error);
      },
    };
    const batches = readerThread ? readInWorker(file, reading) : readTraceBatches(file, { ...reading, ...(indexed ? { interner: new KeyInterner() } : {}) });
    const local = simulateBatches(batches, groups[0]!, { signal: abort.signal, indexed });
    const answers = await Promise.all([local, ...workers.map((worker) => worker.results)]);
    const results = slots.map(({ thread, position }) => answers[thread]![position]!);
    return { results, skipped, threads, readerThread };
  } finally {
    abort.abort();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Every configuration from a spool, on this thread: 8 bytes read a request, faster than a second thread parsing the text. */
async function replaySpool(spool: RequestSpool, configs: readonly SimConfig[]): Promise<SimulateFileResult> {
  if (!indexable(configs)) {
    await spool.discard();
    throw new RangeError('a request spool holds interned keys: only policies with an indexed twin can replay it');
  }
  const results = await simulateBatches(spool.replay(), configs, { indexed: true });
  return { results, skipped: spool.skipped, threads: 1, readerThread: false };
}

/**
 * Which thread replays configuration i, and its position among that thread's configurations.
 * Dealt back and forth (0, 1, 1, 0, 0, 1, ...): configurations come policy by policy with sizes
 * ascending, and a larger cache costs more, so each thread gets small and large ones.
 */
export function deal(configs: number, threads: number): { thread: number; position: number }[] {
  const counts = new Array<number>(threads).fill(0);
  return Array.from({ length: configs }, (_, i) => {
    const round = Math.floor(i / threads);
    const thread = round % 2 === 0 ? i % threads : threads - 1 - (i % threads);
    return { thread, position: counts[thread]!++ };
  });
}

interface RunningWorker {
  results: Promise<SimResult[]>;
  terminate: () => Promise<unknown>;
}

function startWorker(input: WorkerInput): RunningWorker {
  const worker = spawnWorker('sim-worker', input);
  const results = new Promise<SimResult[]>((resolve, reject) => {
    worker.once('message', (output: WorkerOutput) => {
      if ('results' in output) return resolve(output.results);
      reject(revivedError(output.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a simulator worker thread exited (code ${code}) before answering`)));
  });
  // Rejections are awaited through Promise.all; a worker that fails after another one must not crash the process.
  results.catch(() => {});
  return { results, terminate: () => worker.terminate() };
}
