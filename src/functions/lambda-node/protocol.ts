/** Messages between a lambda-node worker thread and its pool (structured-cloned by postMessage). */
import type { FixedClock } from '../fixed-clock.ts';

/** What the worker needs to load the function (its workerData). */
export interface WorkerSetup {
  /** Absolute path of the handler's module. */
  file: string;
  functionName: string;
  version: number;
  memoryMb: number;
}

export interface InvokeMessage {
  type: 'invoke';
  id: number;
  event: unknown;
  requestId: string;
  timeoutMs: number;
  /** Offline: the time and random seed the handler sees for this call. */
  clock?: FixedClock;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'load-error'; message: string }
  /** The handler's result through JSON.stringify, as Lambda returns it; undefined when it returned nothing. */
  | { type: 'result'; id: number; json: string | undefined }
  /** The handler threw, rejected or passed an error to its callback. */
  | { type: 'error'; id: number; message: string }
  /** The result cannot be serialized (a cycle, a BigInt): Lambda would fail it the same way. */
  | { type: 'unserializable'; id: number; message: string };

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
