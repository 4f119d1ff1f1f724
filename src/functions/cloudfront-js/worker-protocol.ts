/** Messages between the edge's thread and the sandbox thread that holds its cloudfront-js functions. */
import type { FixedClock } from '../fixed-clock.ts';
import type { SandboxLimits, SandboxRun } from './sandbox.ts';

export interface SandboxThreadSetup {
  /** The thread's WASM memory may grow to this; past it, the thread reports a breach and is replaced. */
  wasmMemoryCeilingBytes: number;
}

export type HostMessage =
  | { type: 'load'; id: number; key: string; source: string; limits: SandboxLimits }
  | { type: 'unload'; id: number; key: string }
  /** `clock`: offline, the time and random seed the function sees in this run. */
  | { type: 'run'; id: number; key: string; eventJson: string; clock?: FixedClock };

export type ThreadReply =
  | { type: 'loaded'; id: number }
  | { type: 'load-failed'; id: number; message: string }
  | { type: 'unloaded'; id: number }
  /** `replaceThread`: the thread's memory grew past its ceiling; end it and start afresh. */
  | { type: 'result'; id: number; run: SandboxRun; logs: string[]; replaceThread: boolean };

/** Sent once, when QuickJS is compiled and warmed up in the thread. */
export interface ThreadStarted {
  type: 'started';
}

export function isThreadMessage(value: unknown): value is ThreadReply | ThreadStarted {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
