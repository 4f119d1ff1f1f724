/**
 * The worker thread that holds the process's cloudfront-js sandboxes, one per loaded function.
 * QuickJS checks its limits only now and then (every few thousand bytecodes), so a function
 * doing heavy native work can run on between checks; on this thread it holds up only other
 * functions' runs, never the edge's event loop, and the host can end the thread whole, WASM
 * memory and all. Messages arrive one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CompileError, quickJsModule, Sandbox, type SandboxLimits } from './sandbox.ts';
import type { HostMessage, SandboxThreadSetup, ThreadReply, ThreadStarted } from './worker-protocol.ts';

const setup = workerData as SandboxThreadSetup;
const port = parentPort;
if (!port) throw new Error('sandbox-worker.ts runs as a worker thread');

function send(reply: ThreadReply | ThreadStarted): void {
  port?.postMessage(reply);
}

interface Loaded {
  sandbox: Sandbox;
  source: string;
  limits: SandboxLimits;
}

const module = await quickJsModule();
const loaded = new Map<string, Loaded>();
let logs: string[] = [];
const create = (source: string, limits: SandboxLimits): Sandbox => Sandbox.create(module, source, limits, (line) => logs.push(line));

function handle(message: HostMessage): ThreadReply {
  if (message.type === 'load') {
    loaded.get(message.key)?.sandbox.dispose();
    try {
      loaded.set(message.key, { sandbox: create(message.source, message.limits), source: message.source, limits: message.limits });
      return { type: 'loaded', id: message.id };
    } catch (error) {
      loaded.delete(message.key);
      return { type: 'load-failed', id: message.id, message: error instanceof CompileError ? error.message : String(error) };
    }
  }
  if (message.type === 'unload') {
    loaded.get(message.key)?.sandbox.dispose();
    loaded.delete(message.key);
    return { type: 'unloaded', id: message.id };
  }
  const entry = loaded.get(message.key);
  if (!entry) return { type: 'result', id: message.id, run: { ok: false, reason: 'error', message: 'the function is not loaded' }, logs: [], replaceThread: false };
  logs = [];
  const run = entry.sandbox.run(message.eventJson, message.clock);
  // Every sandbox here shares one WASM memory, which never shrinks: grown past the ceiling, the
  // thread is worth replacing even when QuickJS's own accounting did not object.
  const replaceThread = module.getWasmMemory().buffer.byteLength > setup.wasmMemoryCeilingBytes;
  if (!replaceThread && entry.sandbox.breached) {
    entry.sandbox.dispose();
    entry.sandbox = create(entry.source, entry.limits);
  }
  const reply: typeof run = replaceThread
    ? { ok: false, reason: 'memory', message: `grew the sandbox thread's memory past ${setup.wasmMemoryCeilingBytes / (1024 * 1024)} MB` }
    : run;
  return { type: 'result', id: message.id, run: reply, logs, replaceThread };
}

port.on('message', (message: HostMessage) => send(handle(message)));
send({ type: 'started' });
