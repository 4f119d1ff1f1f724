import type { ResourceLimits, Worker } from 'node:worker_threads';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { FixedClock } from '../fixed-clock.ts';
import type { FailureReason } from '../types.ts';
import { isWorkerMessage, type InvokeMessage, type WorkerMessage, type WorkerSetup } from './protocol.ts';
import { spawnLambdaWorker } from './spawn.ts';

/** What one invocation came to, before the result is checked against its trigger. */
export type WorkerOutcome =
  | { kind: 'value'; json: string | undefined }
  | { kind: 'failure'; reason: FailureReason; message: string };

export interface PoolOptions {
  /** Workers at most; one starts at load, more as invocations overlap. */
  size: number;
  resourceLimits: ResourceLimits;
  /** How long a worker may take to import the function. */
  loadTimeoutMs: number;
  /** Each line a function writes to stdout or stderr. */
  onLog: (line: string) => void;
}

interface Pending {
  id: number;
  event: unknown;
  requestId: string;
  timeoutMs: number;
  clock: FixedClock | undefined;
  timer: NodeJS.Timeout;
  resolve: (outcome: WorkerOutcome) => void;
}

/** One worker and what it is doing: one invocation at a time, so a breach is charged to the right one. */
interface Slot {
  worker: Worker;
  current?: Pending;
  /** The last 'error' the worker emitted, to tell an out-of-memory exit from another death. */
  lastError?: Error;
  gone: boolean;
}

/**
 * A small pool of worker threads running one function, each with Lambda's memory cap. A worker
 * that runs over its time is terminated, one that runs out of memory dies by itself; either way
 * its invocation fails with the reason and a fresh worker takes its place on the next invocation.
 */
export class LambdaWorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly queue: Pending[] = [];
  private starting = 0;
  private nextId = 1;
  private closed = false;

  private constructor(private readonly setup: WorkerSetup, private readonly options: PoolOptions) {}

  /** A pool with its first worker loaded; rejects with the load error when the function does not load. */
  static async start(setup: WorkerSetup, options: PoolOptions): Promise<LambdaWorkerPool> {
    const pool = new LambdaWorkerPool(setup, options);
    const slot = await pool.spawn();
    pool.idle.push(slot);
    return pool;
  }

  invoke(event: unknown, requestId: string, timeoutMs: number, clock?: FixedClock): Promise<WorkerOutcome> {
    if (this.closed) return Promise.resolve({ kind: 'failure', reason: 'error', message: 'the function has been closed' });
    return new Promise((resolve) => {
      // Waiting for a worker (a cold start, a busy pool) is bounded too, but not charged to the
      // function's own limit: as in Lambda, that clock starts when a worker takes the invocation.
      const pending: Pending = { id: this.nextId++, event, requestId, timeoutMs, clock, resolve, timer: setTimeout(() => this.timedOut(pending), this.options.loadTimeoutMs + timeoutMs) };
      this.queue.push(pending);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) this.finish(pending, { kind: 'failure', reason: 'error', message: 'the function has been closed' });
    const exits: Promise<unknown>[] = [];
    for (const slot of this.slots) {
      if (slot.current) this.finish(slot.current, { kind: 'failure', reason: 'error', message: 'the function has been closed' });
      slot.current = undefined;
      slot.gone = true;
      exits.push(slot.worker.terminate());
    }
    this.slots.clear();
    this.idle.length = 0;
    await Promise.allSettled(exits);
  }

  /** Workers alive now (for tests and the edge's observability). */
  get workers(): number {
    return this.slots.size;
  }

  private finish(pending: Pending, outcome: WorkerOutcome): void {
    clearTimeout(pending.timer);
    pending.resolve(outcome);
  }

  private pump(): void {
    while (this.queue.length > 0 && this.idle.length > 0) {
      const slot = this.idle.pop()!;
      const pending = this.queue.shift()!;
      slot.current = pending;
      clearTimeout(pending.timer);
      pending.timer = setTimeout(() => this.timedOut(pending), pending.timeoutMs);
      const message: InvokeMessage = { type: 'invoke', id: pending.id, event: pending.event, requestId: pending.requestId, timeoutMs: pending.timeoutMs };
      if (pending.clock) message.clock = pending.clock;
      slot.worker.postMessage(message);
    }
    const wanted = this.slots.size + this.starting === 0 || this.queue.length > this.starting;
    // A dead or terminated worker is replaced at once, so the next invocation finds one warm.
    if (wanted && this.slots.size + this.starting < this.options.size && !this.closed) this.grow();
  }

  private grow(): void {
    this.starting++;
    this.spawn().then(
      (slot) => {
        this.starting--;
        if (this.closed) {
          void slot.worker.terminate();
          return;
        }
        this.idle.push(slot);
        this.pump();
      },
      (error: unknown) => {
        this.starting--;
        // With no worker left to wait for, the queue would only time out: tell it why now.
        if (this.slots.size === 0 && this.starting === 0) {
          const message = error instanceof Error ? error.message : String(error);
          for (const pending of this.queue.splice(0)) this.finish(pending, { kind: 'failure', reason: 'error', message });
        }
      },
    );
  }

  private timedOut(pending: Pending): void {
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      pending.resolve({ kind: 'failure', reason: 'timeout', message: `no worker was free within ${this.options.loadTimeoutMs + pending.timeoutMs} ms` });
      return;
    }
    for (const slot of this.slots) {
      if (slot.current !== pending) continue;
      slot.current = undefined;
      this.retire(slot);
      void slot.worker.terminate();
      pending.resolve({ kind: 'failure', reason: 'timeout', message: `the function ran over its ${pending.timeoutMs} ms limit` });
      this.pump();
      return;
    }
  }

  private retire(slot: Slot): void {
    slot.gone = true;
    this.slots.delete(slot);
    const at = this.idle.indexOf(slot);
    if (at >= 0) this.idle.splice(at, 1);
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    if (message.type === 'ready' || message.type === 'load-error') return;
    const pending = slot.current;
    if (!pending || pending.id !== message.id) return;
    slot.current = undefined;
    if (message.type === 'result') this.finish(pending, { kind: 'value', json: message.json });
    else if (message.type === 'error') this.finish(pending, { kind: 'failure', reason: 'error', message: message.message });
    else this.finish(pending, { kind: 'failure', reason: 'invalid-result', message: message.message });
    if (!slot.gone) this.idle.push(slot);
    this.pump();
  }

  private onExit(slot: Slot, code: number): void {
    const wasGone = slot.gone;
    this.retire(slot);
    const pending = slot.current;
    slot.current = undefined;
    if (pending && !wasGone) {
      const outOfMemory = (slot.lastError as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.finish(pending, outOfMemory
        ? { kind: 'failure', reason: 'memory', message: `the function ran out of its ${this.setup.memoryMb} MB of memory` }
        : { kind: 'failure', reason: 'error', message: slot.lastError ? `the function crashed: ${slot.lastError.message}` : `the function's worker exited (code ${code})` });
    }
    if (!this.closed) this.pump();
  }

  private pipeLogs(stream: Readable): void {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => this.options.onLog(line));
    lines.on('error', () => lines.close());
  }

  /** A worker that has imported the function, or the reason it could not. */
  private spawn(): Promise<Slot> {
    const worker = spawnLambdaWorker(this.setup, this.options.resourceLimits);
    const slot: Slot = { worker, gone: false };
    this.pipeLogs(worker.stdout);
    this.pipeLogs(worker.stderr);
    return new Promise((resolve, reject) => {
      let settled = false;
      let ready = false;
      const fail = (message: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        slot.gone = true;
        void worker.terminate();
        reject(new Error(message));
      };
      const timer = setTimeout(() => fail(`${this.setup.file} did not load within ${this.options.loadTimeoutMs} ms`), this.options.loadTimeoutMs);
      worker.on('message', (message: unknown) => {
        if (!isWorkerMessage(message)) return;
        if (ready) this.onMessage(slot, message);
        else if (message.type === 'load-error') fail(message.message);
        else if (message.type === 'ready' && !settled) {
          settled = ready = true;
          clearTimeout(timer);
          this.slots.add(slot);
          resolve(slot);
        }
      });
      worker.on('error', (error) => {
        slot.lastError = error;
        const outOfMemory = (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
        fail(outOfMemory ? `${this.setup.file} ran out of memory while loading` : `${this.setup.file} does not load: ${error.message}`);
      });
      worker.on('exit', (code) => {
        if (ready) this.onExit(slot, code);
        else fail(`${this.setup.file} did not load: its worker exited (code ${code})`);
      });
    });
  }
}
