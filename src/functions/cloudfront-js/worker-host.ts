/**
 * The edge's side of the sandbox thread (sandbox-worker.ts): one thread per process holds every
 * cloudfront-js function; loads and runs go to it one at a time, each run under a wall-clock
 * watchdog. A thread that overruns it (stuck in native code between QuickJS's interrupt checks),
 * grows its WASM memory too far, or dies, is ended and replaced, with every function loaded into
 * the new one before the next message. The edge's own thread never runs function code.
 */
import { Worker } from 'node:worker_threads';
import type { FixedClock } from '../fixed-clock.ts';
import type { SandboxLimits, SandboxRun } from './sandbox.ts';
import { isThreadMessage, type HostMessage, type SandboxThreadSetup, type ThreadReply } from './worker-protocol.ts';

export interface ThreadRun {
  run: SandboxRun;
  logs: string[];
}

/** Starting the thread means loading tsx (in development) and compiling QuickJS: seconds on a busy machine. */
const START_TIMEOUT_MS = 30_000;
/** Compiling a function's code is bounded inside the thread (the load budget); this is the net under it. */
const LOAD_WATCHDOG_MS = 10_000;

function spawn(setup: SandboxThreadSetup): Worker {
  // Keeps the thread from holding much of the edge's heap; its WASM memory lives outside V8's
  // heap and is watched by the thread itself.
  const options = { workerData: setup, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sandbox-worker.js', import.meta.url), options);
  // Under tsx (vitest, or bin/cdnsim.js on sources) the thread registers tsx before importing the .ts entry.
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./sandbox-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

function startThread(setup: SandboxThreadSetup): Promise<Worker> {
  const worker = spawn(setup);
  // Idle, the thread must not keep a process (validate, fn test) alive; a pending run's timer does.
  worker.unref();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the sandbox thread did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const done = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', fail);
      worker.off('exit', onExit);
    };
    function fail(error: Error): void {
      done();
      void worker.terminate();
      reject(error);
    }
    function onExit(code: number): void {
      fail(new Error(`the sandbox thread exited (code ${code}) before it started`));
    }
    function onMessage(message: unknown): void {
      if (!isThreadMessage(message) || message.type !== 'started') return;
      done();
      resolve(worker);
    }
    worker.on('message', onMessage);
    worker.once('error', fail);
    worker.once('exit', onExit);
  });
}

type Failure = { failed: true; reason: 'timeout' | 'memory' | 'error'; message: string };

export class SandboxThread {
  private thread: Promise<Worker> | undefined;
  private readonly functions = new Map<string, { source: string; limits: SandboxLimits }>();
  private tail: Promise<unknown> = Promise.resolve();
  private nextId = 0;

  constructor(private readonly setup: SandboxThreadSetup) {}

  /** Compiles a function into the thread under `key`; rejects with what is wrong with it. */
  load(key: string, source: string, limits: SandboxLimits): Promise<void> {
    return this.queue(async () => {
      const reply = await this.exchange({ type: 'load', id: ++this.nextId, key, source, limits }, LOAD_WATCHDOG_MS);
      if ('failed' in reply) throw new Error(reply.message);
      if (reply.type === 'load-failed') throw new Error(reply.message);
      this.functions.set(key, { source, limits });
    });
  }

  unload(key: string): Promise<void> {
    return this.queue(async () => {
      this.functions.delete(key);
      // The thread stays even with no function: unref'd, it keeps no process alive, and the
      // next load need not start QuickJS again.
      if (this.thread) await this.exchange({ type: 'unload', id: ++this.nextId, key }, LOAD_WATCHDOG_MS);
    });
  }

  run(key: string, eventJson: string, watchdogMs: number, clock?: FixedClock): Promise<ThreadRun> {
    return this.queue(async () => {
      const reply = await this.exchange({ type: 'run', id: ++this.nextId, key, eventJson, ...(clock ? { clock } : {}) }, watchdogMs);
      if ('failed' in reply) return { run: { ok: false, reason: reply.reason, message: reply.message }, logs: [] };
      if (reply.type !== 'result') return { run: { ok: false, reason: 'error', message: `unexpected reply ${reply.type}` }, logs: [] };
      if (reply.replaceThread) this.replace();
      return { run: reply.run, logs: reply.logs };
    });
  }

  private queue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** The thread, started (and every known function loaded into it) if there is none. */
  private current(): Promise<Worker> {
    if (!this.thread) {
      const thread = startThread(this.setup).then(async (worker) => {
        for (const [key, { source, limits }] of this.functions) {
          await this.send(worker, { type: 'load', id: ++this.nextId, key, source, limits }, LOAD_WATCHDOG_MS);
        }
        return worker;
      });
      // A failed start is reported to the message that awaits it; until then it must not count as unhandled.
      thread.catch(() => undefined);
      this.thread = thread;
    }
    return this.thread;
  }

  /** Ends the thread; the next message starts another. */
  private replace(): void {
    const thread = this.thread;
    this.thread = undefined;
    void thread?.then((worker) => worker.terminate()).catch(() => undefined);
  }

  private async exchange(message: HostMessage, watchdogMs: number): Promise<ThreadReply | Failure> {
    let worker: Worker;
    try {
      worker = await this.current();
    } catch (error) {
      this.thread = undefined;
      return { failed: true, reason: 'error', message: `its sandbox thread could not start: ${(error as Error).message}` };
    }
    const reply = await this.send(worker, message, watchdogMs);
    if ('failed' in reply) this.replace();
    return reply;
  }

  private send(worker: Worker, message: HostMessage, watchdogMs: number): Promise<ThreadReply | Failure> {
    return new Promise((resolve) => {
      const finish = (outcome: ThreadReply | Failure): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(outcome);
      };
      const timer = setTimeout(
        () => finish({ failed: true, reason: 'timeout', message: `ran over ${watchdogMs} ms of wall-clock time; its sandbox thread was stopped` }),
        watchdogMs,
      );
      const onMessage = (reply: unknown): void => {
        if (isThreadMessage(reply) && reply.type !== 'started' && reply.id === message.id) finish(reply);
      };
      const onError = (error: Error & { code?: string }): void => {
        const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
        finish({ failed: true, reason: memory ? 'memory' : 'error', message: `its sandbox thread failed: ${error.message}` });
      };
      const onExit = (code: number): void => finish({ failed: true, reason: 'error', message: `its sandbox thread exited (code ${code})` });
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage(message);
    });
  }
}
