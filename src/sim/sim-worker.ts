// A worker thread of `simulateFile`: reads the trace itself and replays its share of the configurations.
import { parentPort, workerData } from 'node:worker_threads';
import { readTraceBatches } from '../trace/batch-reader.ts';
import { KeyInterner } from '../trace/key-interner.ts';
import type { WorkerInput, WorkerOutput } from './simulate-file.ts';
import { simulateBatches } from './simulate.ts';
import { sendableError } from './worker-errors.ts';

const { file, trace, configs, indexed } = workerData as WorkerInput;
let skipped = 0;
let output: WorkerOutput;
try {
  const batches = readTraceBatches(file, { ...trace, ...(indexed ? { interner: new KeyInterner() } : {}), onSkip: () => skipped++ });
  const results = await simulateBatches(batches, configs, { indexed });
  output = { results, skipped };
} catch (caught) {
  output = { error: sendableError(caught) };
}
parentPort!.postMessage(output);
