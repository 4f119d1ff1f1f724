import { Counter, Histogram, type Registry } from 'prom-client';
import type { InvocationResult, Trigger } from '../functions/types.ts';

/** ok (went on with the request or response), generated (answered at the edge), or the failure reason. */
export type InvocationOutcome = 'ok' | 'generated' | Extract<InvocationResult, { kind: 'failure' }>['reason'];

export interface FunctionMetrics {
  observeInvocation(functionId: string, trigger: Trigger, outcome: InvocationOutcome, seconds: number): void;
  countReload(functionId: string, result: 'ok' | 'failed'): void;
}

/** A function's run time is usually well under a millisecond (cloudfront-js) and at most 30 s (lambda-node origin triggers). */
const FUNCTION_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30];

export function createFunctionMetrics(registry: Registry, edge: string): FunctionMetrics {
  const invocations = new Counter({
    name: 'cdn_edge_function_invocations_total',
    help: 'Edge function invocations, by function, trigger and outcome (ok, generated, error, invalid-result, timeout, memory, size).',
    labelNames: ['edge', 'function', 'trigger', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'cdn_edge_function_duration_seconds',
    help: 'Time an edge function took, from the invocation to its result, including the sandbox round trip.',
    labelNames: ['function', 'trigger'],
    buckets: FUNCTION_BUCKETS_SECONDS,
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'cdn_edge_function_reloads_total',
    help: "Reloads of an edge function's file: ok (a new version runs) or failed (the old version stays).",
    labelNames: ['edge', 'function', 'result'],
    registers: [registry],
  });
  return {
    observeInvocation(functionId, trigger, outcome, seconds) {
      invocations.inc({ edge, function: functionId, trigger, outcome });
      duration.observe({ function: functionId, trigger }, seconds);
    },
    countReload(functionId, result) {
      reloads.inc({ edge, function: functionId, result });
    },
  };
}
