import { loadFunction } from '../../functions/load.ts';
import type { FailureReason, FunctionSpec, Invocation, InvocationResult, LoadedFunction, Trigger } from '../../functions/types.ts';

/** The outcome label of cdn_edge_function_invocations_total, as the live edge counts it. */
export type InvocationOutcome = 'ok' | 'generated' | FailureReason;

/** function id -> trigger -> outcome -> invocations, for one edge. */
export type InvocationCounts = Record<string, Partial<Record<Trigger, Partial<Record<InvocationOutcome, number>>>>>;

export type FunctionLoader = (spec: FunctionSpec, version: number) => Promise<LoadedFunction>;

/** Reads a function's file and compiles it in its profile's sandbox, as the live edge does at start. */
export const loadFromFile: FunctionLoader = loadFunction;

/** What running one trigger gave: the function that ran, and its result. */
export interface Ran {
  spec: FunctionSpec;
  result: InvocationResult;
}

/**
 * The topology's functions for the offline simulator: each edge gets its own instance of each
 * function attached to it (as each live edge process loads its own), compiled on the edge's first
 * use, and every invocation is counted with the outcome labels the live edge's metric uses.
 */
export class SimulatedFunctions {
  readonly #specs: readonly FunctionSpec[];
  readonly #load: FunctionLoader;
  readonly #loaded = new Map<string, Promise<LoadedFunction>>();
  readonly #counts = new Map<string, InvocationCounts>();

  constructor(specs: readonly FunctionSpec[], load: FunctionLoader = loadFromFile) {
    this.#specs = specs;
    this.#load = load;
  }

  get empty(): boolean {
    return this.#specs.length === 0;
  }

  /** The function attached to `trigger` on `edge` (validation allows at most one). */
  attached(edge: string, trigger: Trigger): FunctionSpec | undefined {
    return this.#specs.find((spec) => spec.triggers.includes(trigger) && (spec.edges === undefined || spec.edges.includes(edge)));
  }

  /** Runs the invocation's trigger on `edge`; undefined when no function is attached to it there. */
  async run(edge: string, invocation: Invocation): Promise<Ran | undefined> {
    const spec = this.attached(edge, invocation.trigger);
    if (!spec) return undefined;
    const fn = await this.#instance(edge, spec);
    const result = await fn.invoke(invocation);
    this.#count(edge, spec.id, invocation.trigger, outcomeOf(invocation.trigger, result));
    return { spec, result };
  }

  /**
   * Counts an invocation again as invalid-result: its result had the right shape but the edge
   * could not apply it (a target that does not normalise, another origin), which the live edge
   * counts so (src/edge/function-hooks.ts's record).
   */
  unusable(edge: string, trigger: Trigger, ran: Ran): void {
    const byOutcome = this.#counts.get(edge)?.[ran.spec.id]?.[trigger];
    const counted = outcomeOf(trigger, ran.result);
    if (byOutcome?.[counted]) byOutcome[counted]--;
    if (byOutcome?.[counted] === 0) delete byOutcome[counted];
    this.#count(edge, ran.spec.id, trigger, 'invalid-result');
  }

  counts(edge: string): InvocationCounts {
    return this.#counts.get(edge) ?? {};
  }

  /** Frees every sandbox (worker threads, wasm memory); the simulation is over. */
  async close(): Promise<void> {
    const loaded = await Promise.allSettled(this.#loaded.values());
    await Promise.all(loaded.flatMap((settled) => (settled.status === 'fulfilled' ? [settled.value.close()] : [])));
    this.#loaded.clear();
  }

  #instance(edge: string, spec: FunctionSpec): Promise<LoadedFunction> {
    const key = `${edge}\u0000${spec.id}`;
    let loaded = this.#loaded.get(key);
    if (!loaded) {
      loaded = this.#load(spec, 1).catch((error: unknown) => {
        throw new RangeError(`function "${spec.id}" (${spec.file}): ${(error as Error).message}`);
      });
      this.#loaded.set(key, loaded);
    }
    return loaded;
  }

  #count(edge: string, id: string, trigger: Trigger, outcome: InvocationOutcome): void {
    let counts = this.#counts.get(edge);
    if (!counts) this.#counts.set(edge, (counts = {}));
    const byTrigger = (counts[id] ??= {});
    const byOutcome = (byTrigger[trigger] ??= {});
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
  }
}

/** A request trigger that answers generated the response; a response trigger's response is its normal result. */
function outcomeOf(trigger: Trigger, result: InvocationResult): InvocationOutcome {
  if (result.kind === 'failure') return result.reason;
  if (result.kind === 'response' && (trigger === 'viewer-request' || trigger === 'origin-request')) return 'generated';
  return 'ok';
}
