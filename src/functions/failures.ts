import type { FailureReason, FunctionRuntime } from './types.ts';

/** How CloudFront answers a viewer when a function fails: the status and its X-Cache name (without " from cloudfront"). */
export interface FailureAnswer {
  status: 502 | 503;
  xCache: FailureXCache;
}

export type FailureXCache =
  | 'FunctionExecutionError'
  | 'FunctionThrottledError'
  | 'LambdaExecutionError'
  | 'LambdaValidationError'
  | 'LambdaLimitExceeded';

export type GeneratedXCache = 'FunctionGeneratedResponse' | 'LambdaGeneratedResponse';

/**
 * After CloudFront's troubleshooting pages ("HTTP 502 status code (Lambda validation error)",
 * "HTTP 503 status code (function execution error)", "HTTP 503 status code (Lambda limit
 * exceeded)") and its generated-response page (a generated response over its size limit: 502):
 * - a function that throws is an execution error, 503, for either profile;
 * - a Lambda@Edge result CloudFront cannot use (wrong shape, forbidden header, too large) is a
 *   validation error, 502; CloudFront Functions has no validation page: an unusable result is
 *   reported as its execution error, 503;
 * - over the time or memory limit: Lambda's limit exceeded (503); a CloudFront function over its
 *   compute budget is throttled, FunctionThrottledError (503).
 */
const TABLE: Record<FunctionRuntime, Record<FailureReason, FailureAnswer>> = {
  'cloudfront-js': {
    error: { status: 503, xCache: 'FunctionExecutionError' },
    'invalid-result': { status: 503, xCache: 'FunctionExecutionError' },
    size: { status: 503, xCache: 'FunctionExecutionError' },
    timeout: { status: 503, xCache: 'FunctionThrottledError' },
    memory: { status: 503, xCache: 'FunctionThrottledError' },
  },
  'lambda-node': {
    error: { status: 503, xCache: 'LambdaExecutionError' },
    'invalid-result': { status: 502, xCache: 'LambdaValidationError' },
    size: { status: 502, xCache: 'LambdaValidationError' },
    timeout: { status: 503, xCache: 'LambdaLimitExceeded' },
    memory: { status: 503, xCache: 'LambdaLimitExceeded' },
  },
};

export function failureAnswer(runtime: FunctionRuntime, reason: FailureReason): FailureAnswer {
  return TABLE[runtime][reason];
}

/** X-Cache of a response a function generated (a request trigger answering at the edge). */
export function generatedXCache(runtime: FunctionRuntime): GeneratedXCache {
  return runtime === 'cloudfront-js' ? 'FunctionGeneratedResponse' : 'LambdaGeneratedResponse';
}

/** Every value above, for metrics labels bound up front. */
export const FUNCTION_X_CACHE_VALUES: readonly (FailureXCache | GeneratedXCache)[] = [
  'FunctionGeneratedResponse',
  'LambdaGeneratedResponse',
  'FunctionExecutionError',
  'FunctionThrottledError',
  'LambdaExecutionError',
  'LambdaValidationError',
  'LambdaLimitExceeded',
];
