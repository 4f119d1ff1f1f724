import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadFunction } from '../functions/load.ts';
import type { FunctionSpec, Invocation, InvocationResult, LoadedFunction, Trigger } from '../functions/types.ts';
import type { FunctionMetrics } from './function-metrics.ts';

/** One configured function and the version of it that runs now. */
interface Slot {
  readonly spec: FunctionSpec;
  current: LoadedFunction;
  /** The source the current version was compiled from: an unchanged file is not a new version. */
  source: string;
  /** Reloads of one function run one after another. */
  reloading: Promise<unknown>;
}

export type ReloadResult = { id: string; result: 'reloaded' | 'unchanged'; version: number } | { id: string; result: 'failed'; version: number; error: string };

export interface FunctionSetOptions {
  edgeId: string;
  metrics: FunctionMetrics;
  log?: (line: string) => void;
  /** Quiet time after a file change before it is reloaded (editors write a file in several steps). */
  debounceMs?: number;
}

/**
 * The functions of one edge: at most one per trigger, each swapped whole for a new version when
 * its file changes (by the watcher or the reload endpoint). A version that is replaced is closed
 * once the invocations it is running have finished; a file that no longer compiles leaves the
 * running version in place.
 */
export class EdgeFunctionSet {
  readonly #slots: Slot[];
  readonly #byTrigger = new Map<Trigger, Slot>();
  readonly #inFlight = new Map<LoadedFunction, number>();
  readonly #retired = new Map<LoadedFunction, () => void>();
  readonly #options: FunctionSetOptions;
  readonly #watchers: FSWatcher[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  private constructor(slots: Slot[], options: FunctionSetOptions) {
    this.#slots = slots;
    this.#options = options;
    for (const slot of slots) {
      for (const trigger of slot.spec.triggers) {
        const taken = this.#byTrigger.get(trigger);
        if (taken) throw new Error(`functions ${taken.spec.id} and ${slot.spec.id} are both on ${trigger}: an edge runs one function per trigger`);
        this.#byTrigger.set(trigger, slot);
      }
    }
    const viewer = ['viewer-request', 'viewer-response'].map((trigger) => this.#byTrigger.get(trigger as Trigger)?.spec).filter((spec) => spec !== undefined);
    if (viewer.length === 2 && viewer[0]!.runtime !== viewer[1]!.runtime) {
      throw new Error(`functions ${viewer[0]!.id} (${viewer[0]!.runtime}) and ${viewer[1]!.id} (${viewer[1]!.runtime}): CloudFront does not combine the two runtimes on viewer triggers`);
    }
  }

  /** Loads every function (version 1); rejects, closing what loaded, when one cannot be. */
  static async load(specs: readonly FunctionSpec[], options: FunctionSetOptions): Promise<EdgeFunctionSet> {
    const slots: Slot[] = [];
    try {
      for (const spec of specs) {
        const source = await readFile(spec.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw new Error(`function ${spec.id}: cannot read ${spec.file} (${error.code ?? String(error)})`);
        });
        slots.push({ spec, current: await loadFunction(spec, 1, source), source, reloading: Promise.resolve() });
      }
      return new EdgeFunctionSet(slots, options);
    } catch (error) {
      await Promise.all(slots.map((slot) => slot.current.close().catch(() => undefined)));
      throw error;
    }
  }

  get triggers(): ReadonlySet<Trigger> {
    return new Set(this.#byTrigger.keys());
  }

  /** The function on a trigger, for the hooks: its spec now (the spec never changes across versions). */
  specFor(trigger: Trigger): FunctionSpec | undefined {
    return this.#byTrigger.get(trigger)?.spec;
  }

  /** Runs the current version of the trigger's function; the version is kept open until this settles. */
  async invoke(trigger: Trigger, invocation: Invocation): Promise<InvocationResult> {
    const slot = this.#byTrigger.get(trigger);
    if (!slot) throw new Error(`no function on ${trigger}`);
    const fn = slot.current;
    this.#inFlight.set(fn, (this.#inFlight.get(fn) ?? 0) + 1);
    try {
      return await fn.invoke(invocation);
    } finally {
      const left = this.#inFlight.get(fn)! - 1;
      if (left > 0) this.#inFlight.set(fn, left);
      else {
        this.#inFlight.delete(fn);
        this.#retired.get(fn)?.();
      }
    }
  }

  list(): { id: string; runtime: string; triggers: readonly Trigger[]; version: number; file: string }[] {
    return this.#slots.map((slot) => ({ id: slot.spec.id, runtime: slot.spec.runtime, triggers: slot.spec.triggers, version: slot.current.version, file: slot.spec.file }));
  }

  /** Reloads every function whose file changed (or only `id`); unknown ids give []. */
  async reload(id?: string): Promise<ReloadResult[]> {
    const slots = this.#slots.filter((slot) => id === undefined || slot.spec.id === id);
    return Promise.all(slots.map((slot) => this.#reloadSlot(slot)));
  }

  #reloadSlot(slot: Slot): Promise<ReloadResult> {
    const next = slot.reloading.then(() => this.#reloadNow(slot));
    slot.reloading = next.catch(() => undefined);
    return next;
  }

  async #reloadNow(slot: Slot): Promise<ReloadResult> {
    const { id } = slot.spec;
    const log = this.#options.log ?? ((line: string) => console.error(line));
    let source: string;
    try {
      source = await readFile(slot.spec.file, 'utf8');
    } catch (error) {
      return this.#failed(slot, `cannot read ${slot.spec.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, log);
    }
    if (source === slot.source) return { id, result: 'unchanged', version: slot.current.version };
    let loaded: LoadedFunction;
    try {
      loaded = await loadFunction(slot.spec, slot.current.version + 1, source);
    } catch (error) {
      return this.#failed(slot, (error as Error).message, log);
    }
    if (this.#closed) {
      await loaded.close();
      return { id, result: 'unchanged', version: slot.current.version };
    }
    const old = slot.current;
    slot.current = loaded;
    slot.source = source;
    this.#retire(old);
    this.#options.metrics.countReload(id, 'ok');
    log(`edge ${this.#options.edgeId}: function ${id} reloaded, version ${loaded.version}`);
    return { id, result: 'reloaded', version: loaded.version };
  }

  #failed(slot: Slot, error: string, log: (line: string) => void): ReloadResult {
    this.#options.metrics.countReload(slot.spec.id, 'failed');
    log(`edge ${this.#options.edgeId}: function ${slot.spec.id} not reloaded, version ${slot.current.version} keeps running: ${error}`);
    return { id: slot.spec.id, result: 'failed', version: slot.current.version, error };
  }

  /** Closes a replaced version now if idle, else when its last invocation settles. */
  #retire(fn: LoadedFunction): void {
    const close = () => {
      this.#retired.delete(fn);
      fn.close().catch((error: unknown) => console.error(`closing function ${fn.spec.id} version ${fn.version}:`, error));
    };
    if (!this.#inFlight.has(fn)) close();
    else this.#retired.set(fn, close);
  }

  /**
   * Reloads a function when its file changes. The folder is watched, not the file: editors and
   * `mv` replace a file, after which a watch on the old one hears nothing more.
   */
  watch(): void {
    const debounceMs = this.#options.debounceMs ?? 100;
    const byFolder = new Map<string, Slot[]>();
    for (const slot of this.#slots) {
      const folder = path.dirname(slot.spec.file);
      byFolder.set(folder, [...(byFolder.get(folder) ?? []), slot]);
    }
    for (const [folder, slots] of byFolder) {
      const pending = new Map<Slot, NodeJS.Timeout>();
      let watcher: FSWatcher;
      try {
        watcher = watch(folder, { persistent: false }, (_event, name) => {
          for (const slot of slots) {
            if (name !== null && name !== path.basename(slot.spec.file)) continue;
            const timer = pending.get(slot);
            if (timer) {
              clearTimeout(timer);
              this.#timers.delete(timer);
            }
            const next = setTimeout(() => {
              this.#timers.delete(next);
              pending.delete(slot);
              if (!this.#closed) void this.#reloadSlot(slot);
            }, debounceMs);
            this.#timers.add(next);
            pending.set(slot, next);
          }
        });
      } catch (error) {
        console.error(`edge ${this.#options.edgeId}: cannot watch ${folder} (reload with POST /_cdn/functions/reload):`, error);
        continue;
      }
      watcher.on('error', (error) => console.error(`edge ${this.#options.edgeId}: watching ${folder} failed:`, error));
      this.#watchers.push(watcher);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const watcher of this.#watchers) watcher.close();
    for (const timer of this.#timers) clearTimeout(timer);
    await Promise.all(this.#slots.map((slot) => slot.reloading));
    await Promise.all(this.#slots.map((slot) => slot.current.close().catch(() => undefined)));
  }
}
