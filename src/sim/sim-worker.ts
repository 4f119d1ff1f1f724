// A worker thread of `simulateFile`: reads the trace itself and replays its share of the configurations.
import { parentPort, workerData } from 'node:worker_threads';
import { readTraceBatches } from '../trace/batch-reader.ts';
import { KeyInterner } from '../trace/key-interner.ts';
import { TraceFormatError } from '../trace/trace-request.ts';
import type { WorkerInput, WorkerOutput } from './simulate-file.ts';
import { simulateBatches } from './simulate.ts';

const { file, trace, configs, indexed } = workerData as WorkerInput;
let skipped = 0;
let output: WorkerOutput;
try {
  const batches = readTraceBatches(file, { ...trace, ...(indexed ? { interner: new KeyInterner() } : {}), onSkip: () => skipped++ });
  const results = await simulateBatches(batches, configs, { indexed });
  output = { results, skipped };
} catch (caught) {
  const error = caught instanceof Error ? caught : new Error(String(caught));
  output = {
    error: {
      name: error.name,
      message: error.message,
      ...(error instanceof TraceFormatError ? { file: error.file, line: error.line, column: error.column } : {}),
    },
  };
}
parentPort!.postMessage(output);
