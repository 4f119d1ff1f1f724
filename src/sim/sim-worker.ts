// A worker thread of `simulateFile`: reads the trace itself and replays its share of the configurations.
import { parentPort, workerData } from 'node:worker_threads';
import { readTraceBatches } from '../trace/batch-reader.ts';
import { TraceFormatError } from '../trace/trace-request.ts';
import type { WorkerInput, WorkerOutput } from './simulate-file.ts';
import { simulateBatches } from './simulate.ts';

const { file, trace, configs } = workerData as WorkerInput;
let skipped = 0;
let output: WorkerOutput;
try {
  const results = await simulateBatches(readTraceBatches(file, { ...trace, onSkip: () => skipped++ }), configs);
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
