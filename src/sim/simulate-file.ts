import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readTraceBatches } from '../trace/batch-reader.ts';
import { formatFromName, type CsvColumns, type ReadTraceOptions, type TraceFormat } from '../trace/formats.ts';
import { KeyInterner } from '../trace/key-interner.ts';
import { TraceFormatError } from '../trace/trace-request.ts';
import { checkConfig, indexable, simulateBatches, type SimConfig, type SimResult } from './simulate.ts';

export interface SimulateFileOptions extends ReadTraceOptions {
  /**
   * Threads to split the configurations over, each reading the trace itself: the default is
   * min(2, configurations, cores) when the trace is big enough to pay for starting a worker, else 1.
   */
  threads?: number;
}

export interface SimulateFileResult {
  /** In the order of the configurations. */
  results: SimResult[];
  /** Malformed lines skipped (with `skipBad`), counted once. */
  skipped: number;
  threads: number;
}

/** What a worker is given (all structured-cloneable) and what it answers. */
export interface WorkerInput {
  file: string;
  trace: { format?: TraceFormat; columns?: Partial<CsvColumns>; skipBad?: boolean };
  configs: SimConfig[];
  /** Keys interned and replayed through the policies' indexed twins. */
  indexed: boolean;
}
export type WorkerOutput =
  | { results: SimResult[]; skipped: number }
  | { error: { name: string; message: string; file?: string; line?: number; column?: number } };

/** Below this much trace text (an estimate for gzip), a second thread costs more than it saves. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

/** The thread count `simulateFile` picks when not told. */
export function defaultThreads(file: string, configs: number): number {
  const bytes = statSync(file).size * (file.endsWith('.gz') ? 4 : 1);
  if (configs < 2 || bytes < PARALLEL_MIN_BYTES) return 1;
  return Math.min(2, configs, availableParallelism());
}

/**
 * Replays a trace file through every configuration. With more than one thread the configurations
 * are dealt (see `deal`) to this thread and to worker threads; each reads the trace from disk
 * itself, so the results are those of one thread (only `seconds`, each thread's pass, differs).
 */
export async function simulateFile(file: string, configs: readonly SimConfig[], options: SimulateFileOptions = {}): Promise<SimulateFileResult> {
  configs.forEach(checkConfig);
  const threads = Math.max(1, Math.min(options.threads ?? defaultThreads(file, configs.length), configs.length));
  const slots = deal(configs.length, threads);
  const groups = Array.from({ length: threads }, (_, thread) => configs.filter((_, i) => slots[i]!.thread === thread));
  const trace = { format: options.format, columns: options.columns, skipBad: options.skipBad };
  let skipped = 0;
  const abort = new AbortController();
  // Every policy with an indexed twin (oracleGeneral's keys are numbers already, read as strings):
  // keys interned from the bytes, no string per request.
  const indexed = indexable(configs) && (options.format ?? formatFromName(file)) !== 'oracle-general';
  const workers = groups.slice(1).map((group) => startWorker({ file, trace, configs: group, indexed }));
  try {
    const local = simulateBatches(
      readTraceBatches(file, {
        ...trace,
        ...(indexed ? { interner: new KeyInterner() } : {}),
        onSkip: (error) => {
          skipped++;
          options.onSkip?.(error);
        },
      }),
      groups[0]!,
      { signal: abort.signal, indexed },
    );
    const answers = await Promise.all([local, ...workers.map((worker) => worker.results)]);
    const results = slots.map(({ thread, position }) => answers[thread]![position]!);
    return { results, skipped, threads };
  } finally {
    abort.abort();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
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

/**
 * A worker running sim-worker next to this module: the compiled JavaScript, or the TypeScript
 * source through tsx's loader (bin/cdnsim.js's fallback, vitest), registered inside the worker as
 * bin/cdnsim.js does it (`--import tsx` in a worker's execArgv does not reach its entry module on Node 20).
 */
function spawnWorker(workerData: WorkerInput): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sim-worker.js', import.meta.url), { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./sim-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

function startWorker(input: WorkerInput): RunningWorker {
  const worker = spawnWorker(input);
  const results = new Promise<SimResult[]>((resolve, reject) => {
    worker.once('message', (output: WorkerOutput) => {
      if ('results' in output) return resolve(output.results);
      const { name, message, file, line, column } = output.error;
      if (name === 'TraceFormatError' && file !== undefined && line !== undefined && column !== undefined) {
        return reject(new TraceFormatError(file, line, column, message.slice(`${file}:${line}:${column}: `.length)));
      }
      const error = name === 'RangeError' ? new RangeError(message) : new Error(message);
      reject(error);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a simulator worker thread exited (code ${code}) before answering`)));
  });
  // Rejections are awaited through Promise.all; a worker that fails after another one must not crash the process.
  results.catch(() => {});
  return { results, terminate: () => worker.terminate() };
}
