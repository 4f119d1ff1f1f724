/**
 * One QuickJS runtime and context holding one function's code, with CloudFront Functions' limits:
 * a memory cap on the whole runtime, a stack cap, and a compute budget (this thread's CPU time)
 * enforced by QuickJS's interrupt handler and checked again when a run ends. The only global added is `console.log`; dynamic code
 * evaluation (eval, the Function constructors) is taken away, as AWS's runtime does. Data crosses
 * the boundary as JSON text, so no host object is ever reachable from inside.
 */
import { getQuickJS, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime, type QuickJSWASMModule } from 'quickjs-emscripten';
import type { FailureReason } from '../types.ts';
import { WALL_BACKSTOP_FACTOR } from './limits.ts';
import type { FixedClock } from '../fixed-clock.ts';
import { threadCpuMs } from './thread-cpu.ts';

export interface SandboxLimits {
  /** CPU time an invocation may use (see limits.ts for why CPU and not the wall clock). */
  computeBudgetMs: number;
  /** CPU time the top-level code may use when the function is loaded. */
  loadBudgetMs: number;
  memoryLimitBytes: number;
  stackLimitBytes: number;
  logMaxBytes: number;
}

export type SandboxRun =
  | { ok: true; returned: unknown }
  | { ok: false; reason: Extract<FailureReason, 'error' | 'timeout' | 'memory' | 'invalid-result'>; message: string };

/** The code cannot become a runnable function: it does not parse, throws at top level, or defines no handler. */
export class CompileError extends Error {}

let quickJs: Promise<QuickJSWASMModule> | undefined;

/**
 * The WASM module is compiled once per process; each function gets its own runtime from it.
 * V8 compiles a WASM function on its first call, so the first parse, regex or call across the
 * boundary in a process costs tens to hundreds of milliseconds: a warm-up sandbox, with roomy
 * limits, runs what request functions typically do, so that this cost falls on the first load
 * and not on some invocation's compute budget.
 */
export function quickJsModule(): Promise<QuickJSWASMModule> {
  quickJs ??= getQuickJS().then((module) => {
    warmUp(module);
    return module;
  });
  return quickJs;
}

const WARM_UP_SOURCE = `var seen = 0;
function handler(event) {
  var request = event.request, out = [];
  for (var name in request.headers) out.push(name.toLowerCase(), request.headers[name].value.toUpperCase());
  var uri = request.uri, last = uri.slice(uri.lastIndexOf('/') + 1);
  out.push(last.indexOf('.') < 0, uri.split('/').join('-'), uri.replace(/[/]+/g, '/'), /^Bearer\\s+(\\S+)$/i.exec('Bearer x'), 'x'.repeat(3));
  out.push(Object.keys(request).length, [3, 1, 2].sort().map(function (n) { return n * 2; }).filter(Boolean).join(','), Math.floor(Math.random() * 2));
  out.push(new Date(0).toISOString(), Date.now(), encodeURIComponent('a b'), decodeURIComponent('%20'), String(12.5), parseInt('42', 10));
  try { throw new TypeError('warm'); } catch (e) { out.push(e.message); }
  console.log('warm', out.length);
  request.headers['x-warm'] = { value: String(++seen) };
  request.cookies.warm = { value: 'yes' };
  if (seen % 2 === 0) return { statusCode: 302, headers: { location: { value: '/' + out.length } } };
  return request;
}`;

const WARM_UP_EVENT = JSON.stringify({
  version: '1.0',
  context: { distributionDomainName: 'warm.cdnsim.test', distributionId: 'WARM', eventType: 'viewer-request', requestId: 'warm' },
  viewer: { ip: '127.0.0.1' },
  request: { method: 'GET', uri: '/a/b', querystring: { q: { value: '1' } }, headers: { host: { value: 'h' } }, cookies: { c: { value: '1' } } },
});

function warmUp(module: QuickJSWASMModule): void {
  const roomy: SandboxLimits = { computeBudgetMs: 10_000, loadBudgetMs: 10_000, memoryLimitBytes: 2 * 1024 * 1024, stackLimitBytes: 256 * 1024, logMaxBytes: 1024 };
  const sandbox = Sandbox.create(module, WARM_UP_SOURCE, roomy, () => {});
  try {
    for (let i = 0; i < 4; i++) sandbox.run(WARM_UP_EVENT);
  } finally {
    sandbox.dispose();
  }
}

const FILE_NAME = 'function.js';


/**
 * Runs before the function's code: keeps private references to JSON (so the code cannot swap
 * the marshalling), then removes eval and makes every Function constructor refuse, since
 * CloudFront Functions do not support dynamic code evaluation. Date and Math.random follow a
 * clock the host may fix for a run (offline: fixed-clock.ts, whose xorshift32 this repeats so
 * that both profiles draw the same numbers); the setter is the host's alone.
 */
const PRELUDE = `(function () {
  var parse = JSON.parse, stringify = JSON.stringify;
  var refuse = function Function() { throw new EvalError('dynamic code evaluation is not supported in CloudFront Functions'); };
  refuse.prototype = Function.prototype;
  var kinds = [function () {}, async function () {}, function* () {}, async function* () {}];
  for (var i = 0; i < kinds.length; i++) {
    Object.defineProperty(Object.getPrototypeOf(kinds[i]), 'constructor', { value: refuse, writable: false, enumerable: false, configurable: false });
  }
  Object.defineProperty(globalThis, 'Function', { value: refuse, writable: true, enumerable: false, configurable: true });
  delete globalThis.eval;
  var RealDate = Date, realNow = Date.now, realRandom = Math.random, fixedNow, state;
  var FixedDate = function Date() {
    if (!new.target) return fixedNow === undefined ? RealDate() : new RealDate(fixedNow).toString();
    return Reflect.construct(RealDate, arguments.length === 0 && fixedNow !== undefined ? [fixedNow] : Array.prototype.slice.call(arguments), new.target);
  };
  Object.defineProperty(FixedDate, 'prototype', { value: RealDate.prototype, writable: false });
  FixedDate.now = function now() { return fixedNow === undefined ? realNow() : fixedNow; };
  FixedDate.parse = RealDate.parse;
  FixedDate.UTC = RealDate.UTC;
  Object.defineProperty(globalThis, 'Date', { value: FixedDate, writable: true, enumerable: false, configurable: true });
  Math.random = function random() {
    if (state === undefined) return realRandom();
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5; state >>>= 0;
    return state / 4294967296;
  };
  return {
    decode: function (text) { return parse(text); },
    encode: function (value) { return stringify(value); },
    clock: function (now, seed) { fixedNow = now; state = seed; }
  };
})()`;

interface ThrownDescription {
  name: string;
  message: string;
  line?: number;
}

export class Sandbox {
  /** The budget in force, and when it started, in CPU ms and wall ms. */
  private budgetMs = 0;
  private cpuStartMs = 0;
  private wallDeadline = 0;
  private interrupted = false;
  private outOfMemory = false;
  private logBytes = 0;
  private handler: QuickJSHandle | undefined;
  private decode: QuickJSHandle | undefined;
  private encode: QuickJSHandle | undefined;
  private clock: QuickJSHandle | undefined;
  /** A fixed clock is set in the sandbox (so the next run without one must clear it). */
  private clockFixed = false;
  private disposed = false;

  private constructor(
    private readonly runtime: QuickJSRuntime,
    private readonly context: QuickJSContext,
    private readonly limits: SandboxLimits,
    private readonly log: (line: string) => void,
  ) {
    runtime.setMemoryLimit(limits.memoryLimitBytes);
    runtime.setMaxStackSize(limits.stackLimitBytes);
    runtime.setInterruptHandler(() => {
      if (!this.overBudget()) return false;
      this.interrupted = true;
      return true;
    });
  }

  /** Compiles `source` into a fresh runtime; throws CompileError naming what is wrong. */
  static create(module: QuickJSWASMModule, source: string, limits: SandboxLimits, log: (line: string) => void): Sandbox {
    const runtime = module.newRuntime();
    const sandbox = new Sandbox(runtime, runtime.newContext(), limits, log);
    try {
      sandbox.load(source);
      return sandbox;
    } catch (error) {
      sandbox.dispose();
      throw error;
    }
  }

  private load(source: string): void {
    const { context } = this;
    this.startClock(this.limits.loadBudgetMs);
    const helpers = this.context.unwrapResult(context.evalCode(PRELUDE, 'prelude.js'));
    this.decode = context.getProp(helpers, 'decode');
    this.encode = context.getProp(helpers, 'encode');
    this.clock = context.getProp(helpers, 'clock');
    helpers.dispose();
    this.installConsole();

    const evaluated = context.evalCode(source, FILE_NAME);
    if (evaluated.error) {
      const thrown = this.describeThrown(evaluated.error);
      evaluated.error.dispose();
      if (this.interrupted) throw new CompileError(`top-level code ran over its ${this.limits.loadBudgetMs} ms budget`);
      const where = thrown.line === undefined ? '' : ` (line ${thrown.line})`;
      if (thrown.name === 'SyntaxError') throw new CompileError(`does not parse: ${thrown.message}${where}`);
      throw new CompileError(`top-level code threw ${thrown.name}: ${thrown.message}${where}`);
    }
    evaluated.value.dispose();

    const handler = context.getProp(context.global, 'handler');
    if (context.typeof(handler) !== 'function') {
      const kind = context.typeof(handler);
      handler.dispose();
      throw new CompileError(kind === 'undefined' ? 'defines no function named handler' : `handler is ${kind}, not a function`);
    }
    this.handler = handler;
  }

  private installConsole(): void {
    const { context } = this;
    const consoleObject = context.newObject();
    const log = context.newFunction('log', (...args) => {
      this.writeLog(args.map((arg) => this.formatLogArgument(arg)).join(' '));
    });
    context.setProp(consoleObject, 'log', log);
    context.setProp(context.global, 'console', consoleObject);
    log.dispose();
    consoleObject.dispose();
  }

  private formatLogArgument(handle: QuickJSHandle): string {
    const value: unknown = this.context.dump(handle);
    if (typeof value === 'string') return value;
    return JSON.stringify(value) ?? String(value);
  }

  /** AWS truncates an invocation's logs at 10 KB; so does this, with one line saying so. */
  private writeLog(line: string): void {
    if (this.logBytes > this.limits.logMaxBytes) return;
    this.logBytes += Buffer.byteLength(line) + 1;
    if (this.logBytes > this.limits.logMaxBytes) this.log(`(logs truncated at ${this.limits.logMaxBytes} bytes)`);
    else this.log(line);
  }

  private startClock(budgetMs: number): void {
    this.interrupted = false;
    this.outOfMemory = false;
    this.logBytes = 0;
    this.budgetMs = budgetMs;
    this.cpuStartMs = threadCpuMs();
    this.wallDeadline = performance.now() + budgetMs * WALL_BACKSTOP_FACTOR;
  }

  /** Over the CPU budget, or (on a starved machine, where CPU time hardly advances) over the wall-clock backstop. */
  private overBudget(): boolean {
    if (performance.now() > this.wallDeadline) return true;
    return threadCpuMs() - this.cpuStartMs > this.budgetMs;
  }

  /** Calls the handler on the event (JSON text) and returns what it returned, parsed on the host. */
  run(eventJson: string, clock?: FixedClock): SandboxRun {
    if (this.disposed || !this.handler || !this.decode || !this.encode || !this.clock) {
      return { ok: false, reason: 'error', message: 'the function was closed' };
    }
    const { context, runtime } = this;
    const owned: QuickJSHandle[] = [];
    const keep = (handle: QuickJSHandle): QuickJSHandle => {
      owned.push(handle);
      return handle;
    };
    this.startClock(this.limits.computeBudgetMs);
    try {
      if (clock || this.clockFixed) {
        const args = clock ? [keep(context.newNumber(clock.now)), keep(context.newNumber(clock.seed))] : [context.undefined, context.undefined];
        const set = context.callFunction(this.clock, context.undefined, ...args);
        if (set.error) return this.failure(keep(set.error), 'the clock could not be set');
        keep(set.value);
        this.clockFixed = clock !== undefined;
      }
      const decoded = context.callFunction(this.decode, context.undefined, keep(context.newString(eventJson)));
      if (decoded.error) return this.failure(keep(decoded.error), 'the event could not be passed in');
      const called = context.callFunction(this.handler, context.undefined, keep(decoded.value));
      if (called.error) return this.failure(keep(called.error));
      let value = keep(called.value);

      // A runtime-2.0 `async function handler` returns a promise: with no timers or I/O inside,
      // running the job queue once settles it or never will.
      const jobs = runtime.executePendingJobs();
      if (jobs.error) return this.failure(keep(jobs.error));
      const state = context.getPromiseState(value);
      if (state.type === 'rejected') return this.failure(keep(state.error));
      if (state.type === 'pending') return { ok: false, reason: 'invalid-result', message: "the handler's promise never settled" };
      if (!state.notAPromise) value = keep(state.value);

      const encoded = context.callFunction(this.encode, context.undefined, value);
      if (encoded.error) return this.failure(keep(encoded.error), 'the result cannot be serialized');
      keep(encoded.value);
      // QuickJS polls the interrupt handler only every several thousand bytecodes, so a run of
      // few but costly native steps (a huge String.repeat, say) can finish past its budget
      // unstopped: it is over all the same, as AWS would count it.
      if (this.overBudget()) {
        this.interrupted = true;
        return this.timeout();
      }
      const text = encoded.value;
      if (context.typeof(text) !== 'string') return { ok: true, returned: undefined };
      return { ok: true, returned: JSON.parse(context.getString(text)) as unknown };
    } finally {
      for (const handle of owned) if (handle.alive) handle.dispose();
    }
  }

  /** Whether the last run broke a limit (its state may be half-changed, its heap full): the caller should start afresh. */
  get breached(): boolean {
    return this.interrupted || this.outOfMemory;
  }

  private timeout(): SandboxRun {
    const { computeBudgetMs } = this.limits;
    return { ok: false, reason: 'timeout', message: `ran over its compute budget of ${computeBudgetMs} ms of CPU (or ${computeBudgetMs * WALL_BACKSTOP_FACTOR} ms of wall-clock time)` };
  }

  private failure(error: QuickJSHandle, during?: string): SandboxRun {
    if (this.interrupted) return this.timeout();
    const thrown = this.describeThrown(error);
    if (thrown.name === 'InternalError' && thrown.message === 'out of memory') {
      this.outOfMemory = true;
      return { ok: false, reason: 'memory', message: `ran out of its ${this.limits.memoryLimitBytes / (1024 * 1024)} MB of memory` };
    }
    const text = `${thrown.name}: ${thrown.message}${thrown.line === undefined ? '' : ` (line ${thrown.line})`}`;
    if (during) return { ok: false, reason: during.startsWith('the result') ? 'invalid-result' : 'error', message: `${during}: ${text}` };
    return { ok: false, reason: 'error', message: text };
  }

  private describeThrown(error: QuickJSHandle): ThrownDescription {
    let dumped: unknown;
    try {
      dumped = this.context.dump(error);
    } catch {
      // Reading the error needs memory too: when even that fails, the heap is what ran out.
      return { name: 'InternalError', message: 'out of memory' };
    }
    if (typeof dumped !== 'object' || dumped === null) return { name: 'Error', message: `threw ${JSON.stringify(dumped) ?? String(dumped)}` };
    const { name, message, stack } = dumped as { name?: unknown; message?: unknown; stack?: unknown };
    const line = typeof stack === 'string' ? new RegExp(`${FILE_NAME.replace('.', '\\.')}:(\\d+)`).exec(stack)?.[1] : undefined;
    return {
      name: typeof name === 'string' ? name : 'Error',
      message: typeof message === 'string' ? message : String(message),
      ...(line === undefined ? {} : { line: Number(line) }),
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const handle of [this.handler, this.decode, this.encode, this.clock]) if (handle?.alive) handle.dispose();
    this.context.dispose();
    this.runtime.dispose();
  }
}
