// A worker thread that reads a trace for `readInWorker`: parses it, interns its keys and hands
// the batches over (their buffers transferred, not copied), at most AHEAD batches ahead of the
// thread replaying them.
import { parentPort, workerData } from 'node:worker_threads';
import { readTraceBatches } from '../trace/batch-reader.ts';
import { KeyInterner } from '../trace/key-interner.ts';
import { AHEAD, type ReaderInput, type ReaderMessage } from './read-in-worker.ts';
import { sendableError } from './worker-errors.ts';

const { file, trace, consumed } = workerData as ReaderInput;
const taken = new Int32Array(consumed);
const send = (message: ReaderMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(message, transfer);
let posted = 0;
try {
  const interner = new KeyInterner();
  const batches = readTraceBatches(file, { ...trace, interner, onSkip: (error) => send({ skip: sendableError(error) }) });
  for await (const { length, ids, sizes } of batches) {
    send({ batch: { length, ids: ids!, sizes } }, [ids!.buffer as ArrayBuffer, sizes.buffer as ArrayBuffer]);
    posted++;
    // Wait (this thread has nothing else to do) until the replay has taken enough of them.
    for (let seen = Atomics.load(taken, 0); posted - seen >= AHEAD; seen = Atomics.load(taken, 0)) Atomics.wait(taken, 0, seen);
  }
  send({ end: { keys: interner.size } });
} catch (caught) {
  send({ error: sendableError(caught) });
}
