import type { FailureReason, FunctionRuntime } from '../../functions/types.ts';

/**
 * What the edge delivers, and counts under cache_status, when a function answers or fails.
 * Provisional copy of the live edge's table (src/functions/failures.ts) until that lands.
 */
const FAILURES: Record<FunctionRuntime, Record<FailureReason, { status: number; xCache: string }>> = {
  'cloudfront-js': {
    error: { status: 503, xCache: 'FunctionExecutionError' },
    'invalid-result': { status: 502, xCache: 'FunctionValidationError' },
    size: { status: 502, xCache: 'FunctionValidationError' },
    timeout: { status: 503, xCache: 'FunctionThrottledError' },
    memory: { status: 503, xCache: 'FunctionThrottledError' },
  },
  'lambda-node': {
    error: { status: 502, xCache: 'LambdaExecutionError' },
    'invalid-result': { status: 502, xCache: 'LambdaValidationError' },
    size: { status: 502, xCache: 'LambdaValidationError' },
    timeout: { status: 503, xCache: 'LambdaLimitExceeded' },
    memory: { status: 503, xCache: 'LambdaLimitExceeded' },
  },
};

export function failureAnswer(runtime: FunctionRuntime, reason: FailureReason): { status: number; xCache: string } {
  return FAILURES[runtime][reason];
}

export function generatedCacheStatus(runtime: FunctionRuntime): string {
  return runtime === 'cloudfront-js' ? 'FunctionGeneratedResponse' : 'LambdaGeneratedResponse';
}
