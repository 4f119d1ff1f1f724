import type { Trigger } from '../../functions/types.ts';

export interface EdgeCounts {
  requests: number;
  hits: number;
  /** Function runs the edge reported in Server-Timing (`fn-<trigger>;dur=`), by trigger. */
  functionRuns: Partial<Record<Trigger, number>>;
  /** Responses a function answered itself or failed on (X-Cache FunctionGeneratedResponse, LambdaExecutionError, ...). */
  functionAnswers: number;
}

/** Server-Timing members the edge writes for its function hooks, as function-hooks.ts names them. */
const FUNCTION_TIMING = /(?:^|,)\s*fn-(viewer-request|origin-request|origin-response|viewer-response);/g;

/** CloudFront's X-Cache values for a function's own answer or failure all start so. */
const FUNCTION_X_CACHE = /^(?:Function|Lambda)/;

/** Per-edge counts the router sees in passing, for the live dashboard (Prometheus has the full story). */
export class TrafficStats {
  readonly #byEdge = new Map<string, EdgeCounts>();

  record(edge: string, xCache: unknown, serverTiming?: unknown): void {
    let counts = this.#byEdge.get(edge);
    if (!counts) this.#byEdge.set(edge, (counts = { requests: 0, hits: 0, functionRuns: {}, functionAnswers: 0 }));
    counts.requests++;
    if (xCache === 'HIT') counts.hits++;
    else if (typeof xCache === 'string' && FUNCTION_X_CACHE.test(xCache)) counts.functionAnswers++;
    // Cheap test first: most responses of most topologies ran no function.
    if (typeof serverTiming === 'string' && serverTiming.includes('fn-')) {
      for (const match of serverTiming.matchAll(FUNCTION_TIMING)) {
        const trigger = match[1] as Trigger;
        counts.functionRuns[trigger] = (counts.functionRuns[trigger] ?? 0) + 1;
      }
    }
  }

  of(edge: string): EdgeCounts {
    return this.#byEdge.get(edge) ?? { requests: 0, hits: 0, functionRuns: {}, functionAnswers: 0 };
  }
}
